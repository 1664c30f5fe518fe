"""Exceptions raised by ``rlm_rs``, one class per way a run can end without an answer.

Every exception of a run that had started carries ``partial``: a :class:`rlm_rs.PartialRun` with the
best partial answer so far (``partial.answer``), the iterations, usage, cost, duration and
trajectory of the work done before the stop. ``details`` holds the facts of the failure (the limit
and how much was used, the HTTP status, ...). Messages never contain an API key.

Hierarchy::

    RlmError
    ├── ConfigError (also ValueError)        invalid settings, missing key, bad provider spec
    ├── ContextError (also ValueError)       context too large or not valid JSON
    ├── SandboxError                         the sandbox could not start or stopped working
    ├── ProviderError                        the root model's call failed after every retry
    ├── NoAnswerError                        the turns ran out without FINAL(...)
    ├── CancelledError                       the run was cancelled (Run.cancel())
    └── LimitError                           a budget of the run was used up
        ├── RunTimeoutError (also TimeoutError)   Limits: timeout
        ├── TokenBudgetError                      token_budget
        ├── CostBudgetError                       cost_budget_usd
        ├── SubcallLimitError                     max_subcalls
        └── ConsecutiveErrorsError                max_consecutive_errors
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._native import PartialRun

__all__ = [
    "RlmError",
    "ConfigError",
    "ContextError",
    "SandboxError",
    "ProviderError",
    "NoAnswerError",
    "CancelledError",
    "LimitError",
    "RunTimeoutError",
    "TokenBudgetError",
    "CostBudgetError",
    "SubcallLimitError",
    "ConsecutiveErrorsError",
]


class RlmError(Exception):
    """Base class: a run ended without an answer, or could not start.

    Attributes:
        kind: the failure in snake case (``"token_budget"``, ``"provider"``, ``"no_answer"``, ...).
        partial: what the run did before it stopped (``None`` when it never started).
        details: the facts of the failure, by name (``{"budget": 1000, "used": 1234}``, ...).
    """

    kind: str
    partial: PartialRun | None
    details: dict[str, Any]

    def __init__(
        self,
        message: str,
        kind: str = "other",
        partial: PartialRun | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.partial = partial
        self.details = dict(details or {})

    @property
    def partial_answer(self) -> str | None:
        """The best partial answer found before the stop, when there is one."""
        return self.partial.answer if self.partial is not None else None

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else self.kind

    def __reduce__(self):  # picklable with its attributes (partial is not kept)
        return (type(self), (str(self), self.kind, None, self.details))


class ConfigError(RlmError, ValueError):
    """Invalid settings: an unknown option, a bad provider spec, a missing API key."""


class ContextError(RlmError, ValueError):
    """The context is larger than ``max_context_bytes`` or is not what its format says."""


class SandboxError(RlmError):
    """The sandbox could not be created or stopped working."""


class ProviderError(RlmError):
    """A call of the root model failed after every retry (``details``: ``retryable``, and for HTTP
    errors ``status`` and ``provider``). Sub-call failures are not exceptions: the model's code sees
    them as ``"Error: ..."`` strings."""

    @property
    def status(self) -> int | None:
        """The HTTP status of the failure, when it was one."""
        return self.details.get("status")


class NoAnswerError(RlmError):
    """The turns ran out and the final-answer request held no ``FINAL(...)``."""


class CancelledError(RlmError):
    """The run was cancelled (``Run.cancel()``); ``KeyboardInterrupt`` cancels it too but is
    re-raised as itself."""


class LimitError(RlmError):
    """A budget of the run was used up; ``partial.answer`` is the best answer so far."""

    @property
    def limit(self) -> str:
        """Which limit fired: ``timeout``, ``token_budget``, ``cost_budget``, ``subcall_limit`` or
        ``consecutive_errors``."""
        return self.kind


class RunTimeoutError(LimitError, TimeoutError):
    """The run's wall-clock ``timeout`` passed (``details["after"]``, seconds)."""


class TokenBudgetError(LimitError):
    """The ``token_budget`` is used up (``details["budget"]``, ``details["used"]``)."""


class CostBudgetError(LimitError):
    """The ``cost_budget_usd`` is used up (``details["budget_usd"]``, ``details["spent_usd"]``)."""


class SubcallLimitError(LimitError):
    """The code asked for more sub-calls than ``max_subcalls`` (``details["limit"]``)."""


class ConsecutiveErrorsError(LimitError):
    """Too many consecutive iterations in which every code cell failed (``details["count"]``,
    ``details["last_error"]``)."""
