"""rlm_rs: Recursive Language Models on the Rust engine of ``rlm``.

The distribution is ``rlm-rs`` and the import is ``rlm_rs``, so it installs beside the reference
Python library (``rlms`` on PyPI, imported as ``rlm``). Quick start::

    import rlm_rs

    rlm = rlm_rs.Rlm(root="openai:gpt-4o-mini", max_iterations=20)
    answer = rlm.completion(open("big.txt").read(), "What is the magic number?")
    print(answer.answer, answer.finished, answer.iterations, answer.usage.per_model)

The reference library's call shape works with a one-line import change
(``from rlm_rs import RLM``, see :mod:`rlm_rs.compat`). docs/PYTHON.md has the whole API.
"""

from . import errors
from ._native import (
    Answer,
    ModelUsage,
    PartialRun,
    Provider,
    Run,
    Trajectory,
    Usage,
    __version__,
    anthropic,
    openai,
)
from ._native import parse_spec as provider
from ._rlm import DEFAULT, Rlm
from .compat import (
    RLM,
    BudgetExceededError,
    CancellationError,
    ErrorThresholdExceededError,
    TimeoutExceededError,
    TokenLimitExceededError,
)
from .errors import (
    CancelledError,
    ConfigError,
    ConsecutiveErrorsError,
    ContextError,
    CostBudgetError,
    LimitError,
    NoAnswerError,
    ProviderError,
    RlmError,
    RunTimeoutError,
    SandboxError,
    SubcallLimitError,
    TokenBudgetError,
)
from .tools import Tool, tool

__all__ = [
    "Rlm",
    "RLM",
    "DEFAULT",
    "openai",
    "anthropic",
    "provider",
    "Provider",
    "Answer",
    "PartialRun",
    "Usage",
    "ModelUsage",
    "Trajectory",
    "Run",
    "Tool",
    "tool",
    "errors",
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
    "TimeoutExceededError",
    "TokenLimitExceededError",
    "BudgetExceededError",
    "ErrorThresholdExceededError",
    "CancellationError",
    "__version__",
]
