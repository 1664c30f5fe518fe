"""The same RLM workloads through three implementations, against one scripted OpenAI-compatible
server on loopback (`rlm sim-server --cells`, a deterministic script, not a language model):

- the Rust CLI (`rlm run`, process sandbox, as shipped),
- the Python package of the Rust engine (`rlm_rs`, issue 15), in this Python process,
- the reference library (`rlms` from PyPI, import name `rlm`), in this Python process.

Workloads (each root turn replays one cell, so every implementation makes the same model calls):
- batch0 / batch100: one cell that sends 100 sub-calls in one batch (16 at a time: the reference's
  default `llm_query_batched` concurrency, and `llm_batch(prompts, 16)` in rlm), sub latency 0 or
  100 ms, then the answer: 2 root calls and 100 sub-calls;
- turns50: 50 cells of trivial code (`x = <n>`), then the answer: 51 root calls, no sub-call.

The root model's latency is 0 in every workload, so what is measured is the framework: prompt
building, parsing, the sandbox, the HTTP client and the batch machinery.

Usage (docs/BENCHMARKS.md has the set-up):
    python benches/python/compare_rlms.py --rlm-bin target/release/rlm --runs 5
Implementations whose package is not importable are skipped with a note. Figures are medians of
`--runs` runs after one warm-up run of each (imports, first connections), in milliseconds; `rlm run` is timed twice: the run itself (`duration_ms` of its
`--json` output) and the whole process.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BATCH = 100
CONCURRENCY = 16
TURNS = 50
QUERY = "Run the cells."
CONTEXT = "A small context: the magic number is 1234567.\n" * 20


def js_cells(workload: str) -> list[str]:
    if workload.startswith("batch"):
        return [
            f"const r = llm_batch(Array.from({{length: {BATCH}}}, (_, i) => "
            f"'item ' + i + ': The magic number is 1234567.'), {CONCURRENCY});\n"
            "print(r.length, r.filter((x) => x.startsWith('MAGIC')).length);"
        ]
    return [f"var x = {n};" for n in range(TURNS)]


def python_cells(workload: str) -> list[str]:
    finish = 'answer["content"] = "replayed"\nanswer["ready"] = True'
    if workload.startswith("batch"):
        return [
            f'r = llm_query_batched([f"item {{i}}: The magic number is 1234567." for i in range({BATCH})])\n'
            'print(len(r), sum(1 for x in r if x.startswith("MAGIC")))',
            finish,
        ]
    return [f"x = {n}" for n in range(TURNS)] + [finish]


def sub_latency_ms(workload: str) -> int:
    return 100 if workload == "batch100" else 0


class SimServer:
    """`rlm sim-server` on a free loopback port, replaying `cells`."""

    def __init__(self, rlm_bin: str, cells: list[str], latency_ms: int, scratch: Path, tag: str):
        cells_file = scratch / f"{tag}.cells"
        cells_file.write_text("\n---\n".join(cells) + "\n")
        self.process = subprocess.Popen(
            [
                rlm_bin, "sim-server", "--port", "0", "--cells", str(cells_file),
                "--latency-ms", str(latency_ms), "--root-latency-ms", "0",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        line = self.process.stdout.readline() if self.process.stdout else ""
        self.url = next((w for w in line.split() if w.startswith("http://")), "")
        if not self.url:
            self.stop()
            raise RuntimeError(f"sim-server did not print its URL: {line!r}")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def run_cli(rlm_bin: str, url: str, scratch: Path) -> tuple[float, float, str]:
    context = scratch / "context.txt"
    context.write_text(CONTEXT)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ANTHROPIC_"))}
    started = time.perf_counter()
    out = subprocess.run(
        [
            rlm_bin, "run", "--model", "sim-root", "--sub-model", "sim-sub", "--base-url", url,
            "--context", str(context), "--query", QUERY, "--max-iterations", "60",
            "--max-concurrent", str(CONCURRENCY), "--json",
        ],
        capture_output=True, text=True, env=env, timeout=600,
    )
    process_ms = (time.perf_counter() - started) * 1000
    if out.returncode != 0:
        raise RuntimeError(f"rlm run failed: {out.stderr[-2000:]}")
    report = json.loads(out.stdout)
    return report["duration_ms"], process_ms, str(report.get("answer", ""))


def make_rlm_rs(url: str, sandbox_program: str | None):
    import rlm_rs

    isolation = {"isolation": "process", "sandbox_program": sandbox_program} if sandbox_program else {}
    return rlm_rs.Rlm(
        root=rlm_rs.openai("sim-root", base_url=url, api_key="not-needed"),
        sub=rlm_rs.openai("sim-sub", base_url=url, api_key="not-needed"),
        max_iterations=60,
        max_concurrent=CONCURRENCY,
        **isolation,
    )


def run_rlm_rs(url: str, sandbox_program: str | None = None) -> tuple[float, str]:
    rlm = make_rlm_rs(url, sandbox_program)
    started = time.perf_counter()
    result = rlm.completion(CONTEXT, QUERY)
    return (time.perf_counter() - started) * 1000, str(result.answer)


def run_rlms(url: str) -> tuple[float, str]:
    from rlm import RLM

    rlm = RLM(
        backend="openai",
        backend_kwargs={"model_name": "sim-root", "base_url": url, "api_key": "not-needed"},
        max_iterations=60,
    )
    started = time.perf_counter()
    result = rlm.completion(CONTEXT, root_prompt=QUERY)
    return (time.perf_counter() - started) * 1000, str(result.response)


def importable(module: str) -> bool:
    try:
        __import__(module)
        return True
    except ImportError:
        return False


def measure(args: argparse.Namespace, workload: str, scratch: Path) -> dict[str, list[float]]:
    latency = sub_latency_ms(workload)
    times: dict[str, list[float]] = {}
    for run in range(args.runs + 1):
        for impl in args.impls:
            python_side = impl == "rlms"
            cells = python_cells(workload) if python_side else js_cells(workload)
            server = SimServer(args.rlm_bin, cells, latency, scratch, f"{workload}-{impl}")
            try:
                if impl == "cli":
                    run_ms, process_ms, answer = run_cli(args.rlm_bin, server.url, scratch)
                    if run > 0:
                        times.setdefault("cli (process)", []).append(process_ms)
                elif impl == "rlm_rs":
                    run_ms, answer = run_rlm_rs(server.url)
                elif impl == "rlm_rs (process)":
                    run_ms, answer = run_rlm_rs(server.url, args.sandbox_program)
                else:
                    run_ms, answer = run_rlms(server.url)
            finally:
                server.stop()
            if "replayed" not in answer:
                raise RuntimeError(f"{impl} on {workload} answered {answer!r}")
            if run == 0:
                continue
            times.setdefault(impl, []).append(run_ms)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rlm-bin", default="target/release/rlm")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workloads", default="batch0,batch100,turns50")
    parser.add_argument(
        "--sandbox-program",
        help="the rlm-sandbox binary: also time rlm_rs with isolation='process', as the CLI runs",
    )
    args = parser.parse_args()
    args.impls = ["cli"]
    if importable("rlm_rs"):
        args.impls.append("rlm_rs")
        if args.sandbox_program:
            args.impls.append("rlm_rs (process)")
    else:
        print("note: rlm_rs skipped (rlm_rs is not importable)", file=sys.stderr)
    if importable("rlm"):
        args.impls.append("rlms")
    else:
        print("note: rlms skipped (rlm is not importable)", file=sys.stderr)
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        print("| workload | " + " | ".join(["cli", "cli (process)"] + args.impls[1:]) + " |")
        print("|---" * (len(args.impls) + 2) + "|")
        kept = []
        for workload in args.workloads.split(","):
            times = measure(args, workload, scratch)
            columns = ["cli", "cli (process)"] + args.impls[1:]
            medians = {c: statistics.median(times[c]) for c in columns}
            print(f"| {workload} | " + " | ".join(f"{medians[c]:.1f}" for c in columns) + " |", flush=True)
            kept.append((workload, medians))
        print_advantage_kept(kept)


def print_advantage_kept(kept: list[tuple[str, dict[str, float]]]) -> None:
    """How much of the CLI's lead over the reference library each rlm_rs column keeps: the time
    it saves against rlms over the time the CLI's run saves against rlms (1.0 = all of it)."""
    for workload, medians in kept:
        if "rlms" not in medians:
            return
        lead = medians["rlms"] - medians["cli"]
        for column in ("rlm_rs", "rlm_rs (process)"):
            if column in medians and lead > 0:
                share = (medians["rlms"] - medians[column]) / lead
                print(f"{workload}: {column} keeps {share:.0%} of the CLI's lead over rlms")


if __name__ == "__main__":
    main()
