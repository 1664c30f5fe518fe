"""Type stubs of the extension module ``rlm_rs._native`` (the Rust side of ``rlm_rs``)."""

from collections.abc import Awaitable, Callable, Iterator, Mapping
from os import PathLike
from typing import Any

__version__: str

class Provider:
    """A model client built by :func:`openai`, :func:`anthropic` or a spec string."""

    @property
    def model(self) -> str: ...
    @property
    def kind(self) -> str:
        """``"openai"`` or ``"anthropic"``."""
    @property
    def base_url(self) -> str: ...
    @property
    def has_api_key(self) -> bool:
        """Whether a key goes with each request (the key itself is never shown)."""

def openai(
    model: str,
    *,
    base_url: str | None = None,
    api_key: str | None = None,
    api_key_env: str | None = None,
    max_tokens: int | None = None,
    request_timeout: float | None = None,
    reasoning_effort: str | None = None,
) -> Provider:
    """An OpenAI-compatible client (OpenAI, OpenRouter, vLLM, Ollama, LiteLLM, ``rlm sim-server``).

    The base URL is ``base_url``, else ``OPENAI_BASE_URL``, else OpenAI's. The key is ``api_key``,
    else the variable named by ``api_key_env`` (which must be set), else ``OPENAI_API_KEY`` but only
    when the base URL is OpenAI's own API (other servers get no key unless you say so).
    """

def anthropic(
    model: str,
    *,
    base_url: str | None = None,
    api_key: str | None = None,
    api_key_env: str | None = None,
    max_tokens: int | None = None,
    request_timeout: float | None = None,
) -> Provider:
    """An Anthropic Messages API client; the key is ``api_key``, else ``api_key_env``'s variable,
    else ``ANTHROPIC_API_KEY`` for Anthropic's own API."""

def parse_spec(spec: str) -> Provider:
    """A provider from ``"openai:MODEL"``, ``"anthropic:MODEL"`` or a bare ``"MODEL"``
    (OpenAI-compatible); base URL and key from the environment as in :func:`openai`."""

class ModelUsage:
    """Calls, tokens, time and cost of one model (or of all together)."""

    calls: int
    failures: int
    retries: int
    input_tokens: int
    output_tokens: int
    cached_tokens: int
    cache_write_tokens: int
    reasoning_tokens: int
    total_tokens: int
    elapsed: float
    """Seconds spent in calls, retries and waits included."""
    cost_usd: float | None
    def to_dict(self) -> dict[str, Any]: ...

class Usage:
    """Usage of a run, every depth included."""

    @property
    def per_model(self) -> dict[str, ModelUsage]: ...
    @property
    def per_depth(self) -> list[dict[str, ModelUsage]]:
        """Index 0: the root model's own calls; ``d + 1``: calls made by code at depth ``d``."""
    @property
    def total(self) -> ModelUsage: ...
    @property
    def cost_usd(self) -> float | None:
        """Total cost, or ``None`` when a model that used tokens has no price."""
    @property
    def cost(self) -> dict[str, Any]:
        """Cost per model and per depth, split into input, cached input, cache writes and
        output, with ``saved_by_cache_usd`` and ``unpriced_models``."""
    def to_dict(self) -> dict[str, Any]: ...

class Trajectory:
    """Everything a run did: metadata, one record per iteration / compaction / child run, the
    outcome (docs/VIEWER.md has the format)."""

    @property
    def metadata(self) -> dict[str, Any]: ...
    @property
    def records(self) -> list[dict[str, Any]]: ...
    @property
    def iterations(self) -> list[dict[str, Any]]: ...
    def to_jsonl(self) -> str:
        """JSON Lines, as ``rlm run --trajectory`` writes (``rlm view`` renders it)."""
    def save(self, path: str | PathLike[str]) -> None: ...
    def to_rlms(self) -> list[dict[str, Any]]:
        """The reference library's log format, one dict per line."""
    def __len__(self) -> int: ...

class Answer:
    """The result of a completion."""

    @property
    def answer(self) -> str: ...
    @property
    def finished(self) -> str:
        """``"final"`` (the model wrote FINAL/FINAL_VAR) or ``"forced"`` (the turns ran out and the
        final-answer request held one)."""
    @property
    def iterations(self) -> int: ...
    @property
    def usage(self) -> Usage: ...
    @property
    def cost_usd(self) -> float | None: ...
    @property
    def duration(self) -> float:
        """Wall-clock seconds."""
    @property
    def trajectory(self) -> Trajectory: ...

class PartialRun:
    """What a run stopped early had done (``RlmError.partial``)."""

    @property
    def answer(self) -> str | None:
        """The best partial answer: the latest root-level cell output, else the latest reply."""
    @property
    def iterations(self) -> int: ...
    @property
    def usage(self) -> Usage: ...
    @property
    def cost_usd(self) -> float | None: ...
    @property
    def duration(self) -> float: ...
    @property
    def trajectory(self) -> Trajectory: ...

class Outcome:
    def result(self) -> Answer: ...

class Run:
    """A completion in progress (``Rlm.stream``): iterate it for events, then ``result()``."""

    def __iter__(self) -> Iterator[dict[str, Any]]: ...
    def __next__(self) -> dict[str, Any]: ...
    def result(self) -> Answer:
        """Waits (GIL released, Ctrl-C cancels) and returns the answer or raises its error."""
    def cancel(self) -> None: ...
    @property
    def done(self) -> bool: ...

class Engine:
    def __init__(
        self,
        root: Any,
        sub: Any = None,
        sub_models: Mapping[str, Any] | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> None: ...
    @property
    def root_model(self) -> str: ...
    @property
    def sub_model(self) -> str: ...
    def start(self, context: Any, query: str, events: bool = False) -> Run: ...
    def acompletion(
        self,
        context: Any,
        query: str,
        on_event: Callable[[dict[str, Any]], Any] | None = None,
    ) -> Awaitable[Outcome]: ...
