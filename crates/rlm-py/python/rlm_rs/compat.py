"""The reference library's call shape on the Rust engine.

``from rlm import RLM`` becomes ``from rlm_rs import RLM``; the common case then runs unchanged::

    rlm = RLM(backend="openai", backend_kwargs={"model_name": "gpt-4o-mini"}, max_iterations=20)
    result = rlm.completion(context, root_prompt="What is the magic number?")
    print(result.response, result.usage_summary.to_dict(), result.execution_time)

The result types have the reference library's attribute names (``RLMChatCompletion``,
``UsageSummary``, ``ModelUsageSummary``, with ``to_dict()`` / ``from_dict()``), and its limit
exceptions (``TimeoutExceededError``, ``TokenLimitExceededError``, ``BudgetExceededError``,
``ErrorThresholdExceededError``, ``CancellationError``) carry ``partial_answer``.

The model's code is JavaScript in a QuickJS sandbox, not Python: a prompt or custom system prompt
written for the reference library's Python REPL does not carry over, and ``custom_tools`` must be
functions (they become :mod:`rlm_rs.tools`). Every parameter this layer cannot honour raises
``NotImplementedError`` (or ``ValueError`` for a bad value) naming it; none is silently ignored.
The list is in docs/PYTHON.md ("Compatibility layer").
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import Any

from . import _native, errors
from ._native import Answer
from ._rlm import Rlm

__all__ = [
    "RLM",
    "RLMChatCompletion",
    "UsageSummary",
    "ModelUsageSummary",
    "TimeoutExceededError",
    "TokenLimitExceededError",
    "BudgetExceededError",
    "ErrorThresholdExceededError",
    "CancellationError",
]

#: Backends served by an OpenAI-compatible client, with their default base URL.
_OPENAI_BACKENDS = {
    "openai": None,
    "vllm": None,
    "openrouter": "https://openrouter.ai/api/v1",
    "vercel": "https://ai-gateway.vercel.sh/v1",
}

#: The variable each OpenAI-compatible backend reads its key from (the reference library's).
_KEY_VARIABLES = {
    "openai": "OPENAI_API_KEY",
    "openrouter": "OPENROUTER_API_KEY",
    "vercel": "AI_GATEWAY_API_KEY",
}

_BACKEND_KWARGS = {"model_name", "base_url", "api_key", "max_tokens", "timeout"}


@dataclass
class ModelUsageSummary:
    """Calls and tokens of one model (the reference library's type)."""

    total_calls: int
    total_input_tokens: int
    total_output_tokens: int
    total_cost: float | None = None

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "total_calls": self.total_calls,
            "total_input_tokens": self.total_input_tokens,
            "total_output_tokens": self.total_output_tokens,
        }
        if self.total_cost is not None:
            result["total_cost"] = self.total_cost
        return result

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelUsageSummary:
        return cls(
            total_calls=data.get("total_calls", 0),
            total_input_tokens=data.get("total_input_tokens", 0),
            total_output_tokens=data.get("total_output_tokens", 0),
            total_cost=data.get("total_cost"),
        )


@dataclass
class UsageSummary:
    """Usage per model (the reference library's type)."""

    model_usage_summaries: dict[str, ModelUsageSummary]

    @property
    def total_cost(self) -> float | None:
        costs = [
            s.total_cost for s in self.model_usage_summaries.values() if s.total_cost is not None
        ]
        return sum(costs) if costs else None

    @property
    def total_input_tokens(self) -> int:
        return sum(s.total_input_tokens for s in self.model_usage_summaries.values())

    @property
    def total_output_tokens(self) -> int:
        return sum(s.total_output_tokens for s in self.model_usage_summaries.values())

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "model_usage_summaries": {
                model: summary.to_dict() for model, summary in self.model_usage_summaries.items()
            }
        }
        if self.total_cost is not None:
            result["total_cost"] = self.total_cost
        return result

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> UsageSummary:
        return cls(
            model_usage_summaries={
                model: ModelUsageSummary.from_dict(summary)
                for model, summary in data.get("model_usage_summaries", {}).items()
            }
        )

    @classmethod
    def from_usage(cls, usage: _native.Usage) -> UsageSummary:
        return cls(
            model_usage_summaries={
                model: ModelUsageSummary(
                    total_calls=u.calls,
                    total_input_tokens=u.input_tokens,
                    total_output_tokens=u.output_tokens,
                    total_cost=u.cost_usd,
                )
                for model, u in usage.per_model.items()
            }
        )


@dataclass
class RLMChatCompletion:
    """The result of ``RLM.completion`` (the reference library's type). ``answer`` is this
    package's own :class:`rlm_rs.Answer` (trajectory, cost breakdown, ...), ``None`` when the
    turns ran out without an answer (``response`` then holds the best partial answer)."""

    root_model: str
    prompt: Any
    response: str
    usage_summary: UsageSummary
    execution_time: float
    metadata: dict | None = None
    error: str | None = None
    answer: Answer | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "root_model": self.root_model,
            "prompt": self.prompt,
            "response": self.response,
            "usage_summary": self.usage_summary.to_dict(),
            "execution_time": self.execution_time,
        }
        if self.metadata is not None:
            out["metadata"] = self.metadata
        if self.error is not None:
            out["error"] = self.error
        return out


class TimeoutExceededError(errors.RunTimeoutError):
    """The reference library's timeout error: ``elapsed``, ``timeout``, ``partial_answer``."""

    elapsed: float
    timeout: float


class TokenLimitExceededError(errors.TokenBudgetError):
    """``tokens_used``, ``token_limit``, ``partial_answer``."""

    tokens_used: int
    token_limit: int


class BudgetExceededError(errors.CostBudgetError):
    """``spent``, ``budget``, ``partial_answer``."""

    spent: float
    budget: float


class ErrorThresholdExceededError(errors.ConsecutiveErrorsError):
    """``error_count``, ``threshold``, ``last_error``, ``partial_answer``."""

    error_count: int
    threshold: int
    last_error: str | None


class CancellationError(errors.CancelledError):
    """The run was cancelled by Ctrl-C: ``partial_answer``."""


def _reference_error(error: errors.RlmError, elapsed: float) -> errors.RlmError:
    """The reference library's exception for ``error`` (same message, partial and details)."""
    mapping: dict[type, type] = {
        errors.RunTimeoutError: TimeoutExceededError,
        errors.TokenBudgetError: TokenLimitExceededError,
        errors.CostBudgetError: BudgetExceededError,
        errors.ConsecutiveErrorsError: ErrorThresholdExceededError,
        errors.CancelledError: CancellationError,
    }
    target = mapping.get(type(error))
    if target is None:
        return error
    new = target(str(error), error.kind, error.partial, error.details)
    details = error.details
    if isinstance(new, TimeoutExceededError):
        new.elapsed, new.timeout = elapsed, details.get("after", 0.0)
    elif isinstance(new, TokenLimitExceededError):
        new.tokens_used, new.token_limit = details.get("used", 0), details.get("budget", 0)
    elif isinstance(new, BudgetExceededError):
        new.spent, new.budget = details.get("spent_usd", 0.0), details.get("budget_usd", 0.0)
    elif isinstance(new, ErrorThresholdExceededError):
        new.error_count = details.get("count", 0)
        new.threshold = details.get("count", 0)
        new.last_error = details.get("last_error")
    return new


def _unsupported(name: str, why: str) -> NotImplementedError:
    return NotImplementedError(f"rlm_rs.RLM does not support {name}: {why} (docs/PYTHON.md)")


def _provider(backend: str, kwargs: dict[str, Any] | None, what: str) -> Any:
    kwargs = dict(kwargs or {})
    unknown = sorted(set(kwargs) - _BACKEND_KWARGS)
    if unknown:
        raise _unsupported(
            f"{what} keys {unknown}",
            "only model_name, base_url, api_key, max_tokens and timeout are understood",
        )
    model = kwargs.get("model_name")
    if not model:
        raise ValueError(f"{what} needs 'model_name'")
    common = {
        "api_key": kwargs.get("api_key"),
        "max_tokens": kwargs.get("max_tokens"),
        "request_timeout": kwargs.get("timeout"),
    }
    if backend == "anthropic":
        api_key_env = None if common["api_key"] else "ANTHROPIC_API_KEY"
        return _native.anthropic(
            model, base_url=kwargs.get("base_url"), api_key_env=api_key_env, **common
        )
    if backend not in _OPENAI_BACKENDS:
        raise _unsupported(
            f"backend={backend!r}",
            "the backends are openai, vllm, openrouter, vercel and anthropic (portkey, gemini "
            "and azure_openai need their own clients: pass an object with complete() to rlm_rs.Rlm)",
        )
    base_url = kwargs.get("base_url") or _OPENAI_BACKENDS[backend]
    if backend == "vllm" and not base_url:
        raise ValueError("backend 'vllm' needs backend_kwargs['base_url']")
    api_key_env = None
    variable = _KEY_VARIABLES.get(backend)
    if common["api_key"] is None and variable and base_url is not None and backend != "openai":
        api_key_env = variable
    return _native.openai(model, base_url=base_url, api_key_env=api_key_env, **common)


class RLM:
    """The reference library's ``RLM`` on the Rust engine (see the module documentation).

    Supported: ``backend`` (openai, vllm, openrouter, vercel, anthropic), ``backend_kwargs``
    (``model_name``, ``base_url``, ``api_key``, ``max_tokens``, ``timeout``), ``environment="local"``,
    ``max_depth``, ``max_iterations``, ``max_budget``, ``max_timeout``, ``max_tokens``,
    ``max_errors``, one entry of ``other_backends`` / ``other_backend_kwargs`` (the sub-model),
    ``custom_tools`` (functions), ``compaction`` and ``compaction_threshold_pct``,
    ``max_concurrent_subcalls`` (child runs at once), the four callbacks, ``verbose``.
    """

    def __init__(
        self,
        backend: str = "openai",
        backend_kwargs: dict[str, Any] | None = None,
        environment: str = "local",
        environment_kwargs: dict[str, Any] | None = None,
        depth: int = 0,
        max_depth: int = 1,
        max_iterations: int = 30,
        max_budget: float | None = None,
        max_timeout: float | None = None,
        max_tokens: int | None = None,
        max_errors: int | None = None,
        custom_system_prompt: str | None = None,
        other_backends: list[str] | None = None,
        other_backend_kwargs: list[dict[str, Any]] | None = None,
        logger: Any = None,
        verbose: bool = False,
        persistent: bool = False,
        custom_tools: dict[str, Any] | None = None,
        custom_sub_tools: dict[str, Any] | None = None,
        compaction: bool = False,
        compaction_threshold_pct: float = 0.85,
        max_concurrent_subcalls: int = 4,
        on_subcall_start: Any = None,
        on_subcall_complete: Any = None,
        on_iteration_start: Any = None,
        on_iteration_complete: Any = None,
        sampling_args: dict[str, Any] | None = None,
        sub_sampling_args: dict[str, Any] | None = None,
        orchestrator: bool = True,
        user_prologue: str | None = None,
    ) -> None:
        if environment != "local":
            raise _unsupported(
                f"environment={environment!r}",
                "the code runs in rlm_rs's own QuickJS sandbox ('local' is the only choice)",
            )
        if environment_kwargs:
            raise _unsupported("environment_kwargs", "the sandbox takes no environment settings")
        if depth != 0:
            raise _unsupported("depth != 0", "child runs are started by the engine itself")
        for name, value in (
            ("custom_system_prompt", custom_system_prompt),
            ("logger", logger),
            ("sampling_args", sampling_args),
            ("sub_sampling_args", sub_sampling_args),
            ("user_prologue", user_prologue),
            ("custom_sub_tools", custom_sub_tools),
        ):
            if value is not None:
                raise _unsupported(name, "it has no counterpart in the Rust engine")
        if persistent:
            raise _unsupported("persistent=True", "each completion has its own sandbox")
        if not orchestrator:
            raise _unsupported("orchestrator=False", "the root model always writes code")
        if other_backends is not None and len(other_backends) != 1:
            raise ValueError("other_backends takes exactly one backend (the sub-model)")

        self.backend = backend
        self.backend_kwargs = dict(backend_kwargs or {})
        self.max_depth = max_depth
        self.max_iterations = max_iterations
        self.verbose = verbose
        self._callbacks = (
            on_subcall_start,
            on_subcall_complete,
            on_iteration_start,
            on_iteration_complete,
        )
        root = _provider(backend, self.backend_kwargs, "backend_kwargs")
        sub = None
        if other_backends:
            kwargs = (other_backend_kwargs or [{}])[0]
            sub = _provider(other_backends[0], kwargs, "other_backend_kwargs[0]")
        settings: dict[str, Any] = {
            "max_depth": max_depth,
            "max_iterations": max_iterations,
            "compaction": compaction_threshold_pct if compaction else False,
        }
        if max_budget is not None:
            settings["cost_budget_usd"] = max_budget
        if max_timeout is not None:
            settings["timeout"] = max_timeout
        if max_tokens is not None:
            settings["token_budget"] = max_tokens
        if max_errors is not None:
            settings["max_consecutive_errors"] = max_errors
        if max_depth > 1:
            settings["max_live_sandboxes"] = max(max_concurrent_subcalls, 1)
        self._rlm = Rlm(root, sub, tools=custom_tools, **settings)

    def _on_event(self) -> Any:
        start, complete, iteration_start, iteration_complete = self._callbacks
        if not (any(self._callbacks) or self.verbose):
            return None
        models: dict[int, str] = {}

        def on_event(event: dict[str, Any]) -> None:
            kind = event["event"]
            if kind == "run_started" and event.get("parent_run_id") is not None:
                models[event["run_id"]] = event["model"]
                if start:
                    start(event["depth"], event["model"], "")
            elif kind == "run_finished" and event["depth"] > 0 and complete:
                model = models.get(event["run_id"], "")
                complete(event["depth"], model, event["duration_ms"] / 1000, event.get("error"))
            elif kind == "iteration_started" and iteration_start:
                iteration_start(event["depth"], event["iteration"])
            elif kind == "iteration_finished" and iteration_complete:
                iteration_complete(event["depth"], event["iteration"], event["duration_ms"] / 1000)
            if self.verbose and kind in ("iteration_started", "cell_finished", "run_finished"):
                print(f"[rlm_rs] {event}", file=sys.stderr)

        return on_event

    def completion(self, prompt: Any, root_prompt: str | None = None) -> RLMChatCompletion:
        """Answers ``root_prompt`` about ``prompt`` (the context: a string, dict or list)."""
        started = time.perf_counter()
        query = root_prompt or ""
        try:
            answer = self._rlm.completion(prompt, query, on_event=self._on_event())
        except errors.NoAnswerError as error:
            # The reference library returns whatever the final-answer request said.
            partial = error.partial
            usage = UsageSummary.from_usage(partial.usage) if partial else UsageSummary({})
            return RLMChatCompletion(
                root_model=self._rlm.root_model,
                prompt=prompt,
                response=error.partial_answer or "",
                usage_summary=usage,
                execution_time=time.perf_counter() - started,
            )
        except errors.RlmError as error:
            raise _reference_error(error, time.perf_counter() - started) from None
        return RLMChatCompletion(
            root_model=self._rlm.root_model,
            prompt=prompt,
            response=answer.answer,
            usage_summary=UsageSummary.from_usage(answer.usage),
            execution_time=answer.duration,
            answer=answer,
        )
