"""The Pythonic API against the simulated server over loopback: a full run, events, streaming,
limit errors with their partial answers, providers from specs, contexts as JSON."""

from __future__ import annotations

import json

import pytest

import rlm_rs
from conftest import MAGIC, haystack


def sim_rlm(url: str, root: str = "sim-root-c8", **settings) -> rlm_rs.Rlm:
    return rlm_rs.Rlm(
        root=rlm_rs.openai(root, base_url=url),
        sub=rlm_rs.openai("sim-sub", base_url=url),
        **settings,
    )


def test_a_full_run_finds_the_magic_numbers(sim):
    answer = sim_rlm(sim.url, max_iterations=6).completion(
        haystack(), "What are the magic numbers?"
    )
    for number in MAGIC:
        assert str(number) in answer.answer
    assert answer.finished == "final"
    assert answer.iterations == 3
    per_model = answer.usage.per_model
    assert per_model["sim-root-c8"].calls == 3
    assert per_model["sim-sub"].calls == 8
    assert per_model["sim-sub"].input_tokens > 0
    assert answer.usage.total.calls == 11
    assert answer.usage.per_depth[1]["sim-sub"].calls == 8
    assert answer.cost_usd is None  # the simulated models have no price
    assert answer.usage.cost["unpriced_models"]
    assert answer.duration > 0
    trajectory = answer.trajectory
    assert len(trajectory.iterations) == 3
    assert trajectory.metadata["root_model"] == "sim-root-c8"
    lines = trajectory.to_jsonl().splitlines()
    assert len(lines) == len(trajectory)
    assert json.loads(lines[-1])["type"] == "outcome"
    assert str(answer) == answer.answer


def test_prices_give_a_cost_per_model(sim):
    rlm = sim_rlm(sim.url, prices={"sim-root-c8": (1.0, 2.0), "sim-sub": {"input": 0.5, "output": 1}})
    answer = rlm.completion(haystack(), "What are the magic numbers?")
    per_model = answer.usage.per_model
    assert per_model["sim-root-c8"].cost_usd > 0
    assert per_model["sim-sub"].cost_usd > 0
    assert answer.cost_usd == pytest.approx(
        per_model["sim-root-c8"].cost_usd + per_model["sim-sub"].cost_usd
    )


def test_events_reach_the_callback_on_the_calling_thread(sim):
    import threading

    seen: list[dict] = []
    threads: set[int] = set()

    def on_event(event: dict) -> None:
        seen.append(event)
        threads.add(threading.get_ident())

    answer = sim_rlm(sim.url).completion(haystack(), "magic numbers?", on_event=on_event)
    kinds = [e["event"] for e in seen]
    assert kinds[0] == "context_loading"
    assert kinds.index("run_started") < kinds.index("iteration_started")
    assert "run_finished" in kinds[-2:]
    assert kinds.count("iteration_started") == answer.iterations
    assert kinds.count("subcall_finished") == 8
    finished = [e for e in seen if e["event"] == "subcall_finished"]
    assert {e["model"] for e in finished} == {"sim-sub"}
    assert threads == {threading.get_ident()}


def test_a_callback_that_raises_stops_the_run(sim):
    def on_event(event: dict) -> None:
        if event["event"] == "iteration_started":
            raise RuntimeError("stop here")

    with pytest.raises(RuntimeError, match="stop here"):
        sim_rlm(sim.url).completion(haystack(), "magic numbers?", on_event=on_event)


def test_stream_yields_events_then_the_result(sim):
    run = sim_rlm(sim.url).stream(haystack(), "magic numbers?")
    kinds = [event["event"] for event in run]
    assert "cell_finished" in kinds
    assert run.done
    answer = run.result()
    assert str(MAGIC[0]) in answer.answer
    assert run.result().answer == answer.answer  # the outcome is kept


def test_a_token_budget_stops_the_run_with_its_partial_answer(sim):
    with pytest.raises(rlm_rs.TokenBudgetError) as caught:
        sim_rlm(sim.url, token_budget=1).completion(haystack(), "magic numbers?")
    error = caught.value
    assert isinstance(error, rlm_rs.LimitError)
    assert error.limit == "token_budget"
    assert error.details["budget"] == 1
    assert error.details["used"] > 1
    assert "token budget" in str(error)
    partial = error.partial
    assert partial is not None
    assert partial.iterations >= 1
    assert partial.answer  # the first cell printed the context's facts
    assert error.partial_answer == partial.answer
    assert partial.usage.per_model["sim-root-c8"].calls >= 1
    assert len(partial.trajectory.iterations) == partial.iterations


def test_a_root_that_never_finishes_raises_no_answer(sim):
    with pytest.raises(rlm_rs.NoAnswerError) as caught:
        sim_rlm(sim.url, root="sim-root-never", max_iterations=2).completion(
            haystack(), "magic numbers?"
        )
    assert caught.value.details["iterations"] == 2
    assert caught.value.partial.iterations == 2


def test_a_sub_call_cap_is_a_limit_error(sim):
    with pytest.raises(rlm_rs.SubcallLimitError) as caught:
        sim_rlm(sim.url, max_subcalls=3).completion(haystack(), "magic numbers?")
    assert caught.value.details["limit"] == 3
    assert caught.value.partial is not None


def test_an_unreachable_root_is_a_provider_error():
    rlm = rlm_rs.Rlm(
        root=rlm_rs.openai("m", base_url="http://127.0.0.1:9/v1", api_key="sk-secret-123"),
        max_retries=0,
    )
    with pytest.raises(rlm_rs.ProviderError) as caught:
        rlm.completion("text", "q")
    assert "sk-secret-123" not in str(caught.value)
    assert caught.value.partial is not None


def test_provider_specs_and_keys(monkeypatch):
    with pytest.raises(rlm_rs.ConfigError, match="OPENAI_API_KEY"):
        rlm_rs.Rlm(root="openai:gpt-4o-mini")
    with pytest.raises(rlm_rs.ConfigError, match="MY_KEY"):
        rlm_rs.openai("gpt-4o-mini", api_key_env="MY_KEY")
    monkeypatch.setenv("MY_KEY", "sk-from-env-456")
    provider = rlm_rs.openai("llama", base_url="http://127.0.0.1:1/v1", api_key_env="MY_KEY")
    assert provider.has_api_key and "sk-from-env-456" not in repr(provider)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-789")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:1/v1")
    local = rlm_rs.provider("llama3.1:8b")
    assert (local.kind, local.model) == ("openai", "llama3.1:8b")
    assert local.base_url == "http://127.0.0.1:1/v1"
    assert not local.has_api_key  # OPENAI_API_KEY goes to OpenAI only
    monkeypatch.delenv("OPENAI_BASE_URL")
    official = rlm_rs.provider("openai:gpt-4o-mini")
    assert official.has_api_key and "sk-openai-789" not in repr(official)
    with pytest.raises(rlm_rs.ConfigError, match="api_key_env"):
        rlm_rs.anthropic("claude-x", base_url="http://127.0.0.1:1")
    claude = rlm_rs.anthropic("claude-x", api_key="sk-ant-secret")
    assert claude.kind == "anthropic" and "sk-ant-secret" not in repr(claude)
    with pytest.raises(rlm_rs.ConfigError):
        rlm_rs.Rlm(root=42)
    with pytest.raises(rlm_rs.ConfigError, match="isolation"):
        rlm_rs.Rlm(root=local, isolation="vm")
    with pytest.raises(rlm_rs.ConfigError, match="rlm-sandbox"):
        rlm_rs.Rlm(root=local, isolation="process")
    with pytest.raises(ValueError, match="timeout"):
        rlm_rs.Rlm(root=local, timeout=-1)


def test_a_bad_setting_is_a_config_error():
    local = rlm_rs.openai("m", base_url="http://127.0.0.1:1/v1")
    with pytest.raises(rlm_rs.ConfigError, match="max_depth"):
        rlm_rs.Rlm(root=local, max_depth=99)
    with pytest.raises(rlm_rs.ConfigError, match="compaction"):
        rlm_rs.Rlm(root=local, compaction=3.0)
    with pytest.raises(rlm_rs.ConfigError, match="prices"):
        rlm_rs.Rlm(root=local, prices={"m": (1.0,)})
