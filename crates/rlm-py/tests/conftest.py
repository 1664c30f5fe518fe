"""Fixtures: the simulated model server (`rlm sim-server`, a scripted stand-in, not an LLM) on a free
loopback port, and haystack contexts whose answer is known."""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]


def rlm_binary() -> str:
    """The `rlm` binary: $RLM_BIN, else the workspace's target dir (debug, then release)."""
    if os.environ.get("RLM_BIN"):
        return os.environ["RLM_BIN"]
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    for profile in ("debug", "release"):
        candidate = target / profile / "rlm"
        if candidate.exists():
            return str(candidate)
    pytest.fail("no rlm binary: build it (cargo build -p rlm-cli) or set RLM_BIN")


class SimServer:
    """`rlm sim-server --port 0` as a child process; `url` is its base URL (…/v1)."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [rlm_binary(), "sim-server", "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env={k: v for k, v in os.environ.items() if k != "RUST_LOG"},
        )
        line: list[str] = []
        reader = threading.Thread(
            target=lambda: line.append(self.process.stdout.readline()), daemon=True
        )
        reader.start()
        reader.join(60)
        url = line[0].strip() if line else ""
        if not url.startswith("http://127.0.0.1:"):
            self.stop()
            pytest.fail(f"sim-server printed no URL: {url!r}")
        self.url = url

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(30)


@pytest.fixture
def sim_server() -> Iterator[Callable[..., SimServer]]:
    """A factory: `sim_server("--latency-ms", "0")` starts a server, stopped after the test."""
    started: list[SimServer] = []

    def start(*args: str) -> SimServer:
        server = SimServer(*args)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def sim(sim_server) -> SimServer:
    """A fast simulated server: no sub latency, 1 ms root latency."""
    return sim_server("--latency-ms", "0", "--root-latency-ms", "1")


MAGIC = [48213907, 51234987]


def haystack(lines: int = 400, magic: list[int] = MAGIC) -> str:
    """Filler lines with one needle sentence per magic number."""
    text = [f"Line {i}: the weather report says nothing of note today." for i in range(lines)]
    for k, number in enumerate(magic):
        text[(k + 1) * lines // (len(magic) + 1)] = f"The magic number is {number}."
    return "\n".join(text)


@pytest.fixture(autouse=True)
def no_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may reach a paid API: the key and base-URL variables are cleared."""
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
