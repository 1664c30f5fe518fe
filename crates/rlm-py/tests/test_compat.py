"""The reference library's call shape (`from rlm_rs import RLM`) against the simulated server."""

from __future__ import annotations

import pytest

import rlm_rs
from conftest import MAGIC, haystack
from rlm_rs import RLM
from rlm_rs.compat import ModelUsageSummary, RLMChatCompletion, UsageSummary


def compat(url: str, **kwargs) -> RLM:
    return RLM(
        backend="openai",
        backend_kwargs={"model_name": "sim-root-c8", "base_url": url, "api_key": "sk-test"},
        **kwargs,
    )


def test_completion_with_the_reference_call_shape(sim):
    result = compat(sim.url, max_depth=1, max_iterations=10).completion(
        haystack(), root_prompt="What are the magic numbers?"
    )
    assert isinstance(result, RLMChatCompletion)
    for number in MAGIC:
        assert str(number) in result.response
    assert result.root_model == "sim-root-c8"
    assert result.execution_time > 0
    usage = result.usage_summary
    assert isinstance(usage, UsageSummary)
    summary = usage.model_usage_summaries["sim-root-c8"]
    assert isinstance(summary, ModelUsageSummary)
    assert summary.total_calls == 3 + 8  # the root model also answers the sub-calls
    assert usage.total_input_tokens == summary.total_input_tokens > 0
    as_dict = result.to_dict()
    assert as_dict["response"] == result.response
    assert as_dict["usage_summary"]["model_usage_summaries"]["sim-root-c8"]["total_calls"] == 11
    assert UsageSummary.from_dict(usage.to_dict()) == usage
    assert result.answer is not None and result.answer.finished == "final"


def test_other_backends_is_the_sub_model(sim):
    result = compat(
        sim.url,
        other_backends=["openai"],
        other_backend_kwargs=[{"model_name": "sim-sub", "base_url": sim.url}],
    ).completion(haystack(), root_prompt="magic numbers?")
    assert result.usage_summary.model_usage_summaries["sim-sub"].total_calls == 8


def test_callbacks(sim):
    started, finished = [], []
    compat(
        sim.url,
        on_iteration_start=lambda depth, i: started.append((depth, i)),
        on_iteration_complete=lambda depth, i, secs: finished.append((depth, i, secs)),
    ).completion(haystack(), root_prompt="magic numbers?")
    assert started == [(0, 1), (0, 2), (0, 3)]
    assert [f[:2] for f in finished] == started


def test_out_of_turns_returns_the_best_partial_answer(sim):
    result = RLM(
        backend="openai",
        backend_kwargs={"model_name": "sim-root-never", "base_url": sim.url},
        max_iterations=2,
    ).completion(haystack(), root_prompt="magic numbers?")
    assert isinstance(result.response, str)
    assert result.answer is None


def test_a_token_limit_raises_the_reference_exception(sim):
    with pytest.raises(rlm_rs.TokenLimitExceededError) as caught:
        compat(sim.url, max_tokens=1).completion(haystack(), root_prompt="magic numbers?")
    error = caught.value
    assert error.token_limit == 1 and error.tokens_used > 1
    assert error.partial_answer
    assert isinstance(error, rlm_rs.LimitError)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"environment": "docker"}, "environment='docker'"),
        ({"logger": object()}, "logger"),
        ({"persistent": True}, "persistent"),
        ({"custom_system_prompt": "You are..."}, "custom_system_prompt"),
        ({"sampling_args": {"temperature": 0}}, "sampling_args"),
        ({"backend": "gemini"}, "gemini"),
        ({"backend_kwargs": {"model_name": "m", "default_headers": {}}}, "default_headers"),
        ({"depth": 1}, "depth"),
    ],
)
def test_unsupported_parameters_are_refused(kwargs, match):
    kwargs.setdefault("backend_kwargs", {"model_name": "m", "base_url": "http://127.0.0.1:1/v1"})
    with pytest.raises(NotImplementedError, match=match):
        RLM(**kwargs)


def test_bad_values_are_value_errors():
    with pytest.raises(ValueError, match="model_name"):
        RLM(backend_kwargs={"base_url": "http://127.0.0.1:1/v1"})
    with pytest.raises(ValueError, match="vllm"):
        RLM(backend="vllm", backend_kwargs={"model_name": "m"})
    with pytest.raises(ValueError, match="not a function"):
        RLM(
            backend_kwargs={"model_name": "m", "base_url": "http://127.0.0.1:1/v1"},
            custom_tools={"data": [1, 2, 3]},
        )
