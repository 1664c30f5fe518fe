"""asyncio: `await rlm.acompletion(...)`, several at once, events on the event loop, cancelling."""

from __future__ import annotations

import asyncio
import threading

import pytest

import rlm_rs
from conftest import MAGIC, haystack


def sim_rlm(url: str, root: str = "sim-root-c8", **settings) -> rlm_rs.Rlm:
    return rlm_rs.Rlm(
        root=rlm_rs.openai(root, base_url=url),
        sub=rlm_rs.openai("sim-sub", base_url=url),
        **settings,
    )


def test_acompletion(sim):
    answer = asyncio.run(sim_rlm(sim.url).acompletion(haystack(), "magic numbers?"))
    assert str(MAGIC[0]) in answer.answer
    assert answer.finished == "final"
    assert answer.usage.per_model["sim-sub"].calls == 8


def test_two_runs_at_once_with_events_on_the_loop(sim):
    rlm = sim_rlm(sim.url)
    seen: dict[str, list[dict]] = {"a": [], "b": []}
    threads: set[int] = set()

    def collect(name: str):
        def on_event(event: dict) -> None:
            seen[name].append(event)
            threads.add(threading.get_ident())

        return on_event

    async def main():
        return await asyncio.gather(
            rlm.acompletion(haystack(magic=[11111111]), "magic?", on_event=collect("a")),
            rlm.acompletion(haystack(magic=[22222222]), "magic?", on_event=collect("b")),
        )

    first, second = asyncio.run(main())
    assert "11111111" in first.answer and "22222222" not in first.answer
    assert "22222222" in second.answer
    for events in seen.values():
        kinds = [e["event"] for e in events]
        assert kinds.count("subcall_finished") == 8
        assert "run_finished" in kinds  # every event is delivered before the result
    assert threads == {threading.get_ident()}  # asyncio.run's loop runs on this thread


def test_a_limit_error_from_acompletion(sim):
    with pytest.raises(rlm_rs.TokenBudgetError) as caught:
        asyncio.run(sim_rlm(sim.url, token_budget=1).acompletion(haystack(), "magic?"))
    assert caught.value.partial.answer


def test_cancelling_the_task_stops_the_run(sim_server):
    slow = sim_server("--latency-ms", "600000", "--root-latency-ms", "1")
    rlm = sim_rlm(slow.url)

    async def main():
        started = asyncio.Event()

        def on_event(event: dict) -> None:
            if event["event"] == "subcall_started":
                started.set()

        task = asyncio.ensure_future(rlm.acompletion(haystack(), "magic?", on_event=on_event))
        await asyncio.wait_for(started.wait(), 120)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        # The engine is still usable: a fast run on another server goes through.
        return True

    assert asyncio.run(main())
