"""Ctrl-C: SIGINT to a Python process in the middle of a long run stops the run and raises
KeyboardInterrupt there (run in a subprocess so pytest itself is not interrupted)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

from conftest import haystack

SCRIPT = textwrap.dedent(
    """
    import sys, rlm_rs
    url, context = sys.argv[1], sys.stdin.read()
    rlm = rlm_rs.Rlm(root=rlm_rs.openai("sim-root-c8", base_url=url),
                     sub=rlm_rs.openai("sim-sub", base_url=url))
    def on_event(event):
        if event["event"] == "subcall_started":
            print("waiting", flush=True)
    try:
        rlm.completion(context, "magic numbers?", on_event=on_event)
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        sys.exit(3)
    print("finished", flush=True)
    """
)


def run_and_interrupt(url: str, script: str) -> tuple[int, str]:
    child = subprocess.Popen(
        [sys.executable, "-c", script, url],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdin is not None and child.stdout is not None
        child.stdin.write(haystack())
        child.stdin.close()
        assert child.stdout.readline().strip() == "waiting"
        os.kill(child.pid, signal.SIGINT)
        # The sub-calls would take ten minutes; the run must stop long before.
        child.wait(timeout=120)
        assert child.stderr is not None
        return child.returncode, child.stdout.read() + child.stderr.read()
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def test_ctrl_c_stops_a_blocking_run(sim_server):
    slow = sim_server("--latency-ms", "600000", "--root-latency-ms", "1")
    code, output = run_and_interrupt(slow.url, SCRIPT)
    assert code == 3, output
    assert "interrupted" in output


def test_ctrl_c_stops_a_run_without_a_callback(sim_server):
    slow = sim_server("--latency-ms", "600000", "--root-latency-ms", "1")
    script = SCRIPT.replace(
        'rlm.completion(context, "magic numbers?", on_event=on_event)',
        'run = rlm.stream(context, "magic numbers?")\n'
        '    next(e for e in run if e["event"] == "subcall_started")\n'
        '    print("waiting", flush=True)\n'
        "    run.result()",
    )
    code, output = run_and_interrupt(slow.url, script)
    assert code == 3, output
