"""``Rlm``: the Pythonic entry point of ``rlm_rs``."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Union

from . import _native
from ._native import Answer, Provider, Run
from .tools import Tool, as_tools

__all__ = ["Rlm", "EventCallback", "ProviderLike"]

#: A provider: ``rlm_rs.openai(...)`` / ``rlm_rs.anthropic(...)``, a spec string such as
#: ``"openai:gpt-4o-mini"`` or ``"anthropic:claude-sonnet-4-5"``, or any object with a
#: ``complete(messages, **kw)`` method.
ProviderLike = Union[Provider, str, Any]

#: Called with each run event, a dict tagged by ``"event"`` (docs/EVENTS.md).
EventCallback = Callable[[dict], Any]


class _Default:
    def __repr__(self) -> str:
        return "DEFAULT"


#: Marks a setting left at the engine's default (``None`` means "no limit" for the limits).
DEFAULT: Any = _Default()

_SETTINGS = (
    "max_iterations",
    "max_depth",
    "max_concurrent",
    "adaptive_concurrency",
    "batch_concurrency",
    "token_budget",
    "cost_budget_usd",
    "timeout",
    "max_subcalls",
    "max_consecutive_errors",
    "max_context_bytes",
    "cell_timeout",
    "output_cap",
    "sub_prompt_chars",
    "max_live_sandboxes",
    "max_retries",
    "attempt_timeout",
    "prompt_cache",
    "compaction",
    "isolation",
    "sandbox_program",
    "prices",
    "tool_timeout",
    "max_tool_calls",
)


class Rlm:
    """A Recursive Language Model on the Rust engine.

    The root model never sees the context: it lives as ``context`` in a QuickJS sandbox, and the
    root model writes JavaScript ```` ```repl ```` cells that read it and call sub-models with
    ``llm_query(prompt)`` / ``llm_batch(prompts)``, until it answers with ``FINAL(...)``.

    Args:
        root: the model that writes the code (see :data:`ProviderLike`).
        sub: the default sub-model of ``llm_query`` / ``llm_batch`` (default: the root model).
        sub_models: named sub-models code can choose, ``{name: provider}`` or
            ``{name: (provider, description)}``.
        max_iterations: root turns before the final-answer request (default 30).
        max_depth: 1 = sub-calls are plain model calls; 2+ lets code start child RLMs with
            ``rlm_query`` / ``rlm_batch`` (default 1, at most 8).
        max_concurrent: sub-model calls in flight at once, all depths together (default 16).
        adaptive_concurrency: let an AIMD limiter (under ``max_concurrent``) follow the provider's
            rate limits (default False).
        batch_concurrency: default parallelism of one ``llm_batch`` (default: ``max_concurrent``).
        token_budget: total tokens of the run, every model and depth (default: none).
        cost_budget_usd: total cost in USD; every model needs a price (default: none).
        timeout: wall-clock seconds of the whole run (default: none).
        max_subcalls: sub-calls per run (default 1,000; ``None``: no cap).
        max_consecutive_errors: iterations in a row whose cells all failed (default 5; ``None``:
            no cap).
        max_context_bytes: largest context accepted (default 256 MiB; ``None``: no cap).
        cell_timeout: wall-clock seconds of one code cell, sub-calls included (default 600).
        output_cap: characters of a cell's output the model sees.
        sub_prompt_chars: longest prompt one sub-call may send.
        max_live_sandboxes: child-run sandboxes alive at once (``max_depth >= 2``).
        max_retries: retries of a transient model-call failure (default 10, within 2 minutes).
        attempt_timeout: seconds one HTTP attempt may take (default 300).
        prompt_cache: send prompt-cache hints to providers (default True).
        compaction: ``False`` never compacts the root history; a float in (0, 1] compacts when the
            history reaches that share of the root model's window (default: 0.85 of the window).
        isolation: ``"thread"`` (default) or ``"process"`` (the sandbox in a child process; needs
            ``sandbox_program`` or ``RLM_SANDBOX_PROGRAM`` pointing at the ``rlm-sandbox`` binary).
        sandbox_program: path of the ``rlm-sandbox`` binary for ``isolation="process"``.
        prices: USD per million tokens on top of the built-in table,
            ``{model: (input, output[, cached_input[, cache_write]])}``.
        tools: Python functions the code may call (see :mod:`rlm_rs.tools`).
        tool_timeout: seconds one tool call may take (default: the engine's).
        max_tool_calls: tool calls per run (default: the engine's).
        on_event: called with each run event (a dict) on the thread that waits for the run.
    """

    def __init__(
        self,
        root: ProviderLike,
        sub: ProviderLike | None = None,
        *,
        sub_models: Mapping[str, ProviderLike | tuple[ProviderLike, str]] | None = None,
        max_iterations: int = DEFAULT,
        max_depth: int = DEFAULT,
        max_concurrent: int = DEFAULT,
        adaptive_concurrency: bool = DEFAULT,
        batch_concurrency: int = DEFAULT,
        token_budget: int | None = DEFAULT,
        cost_budget_usd: float | None = DEFAULT,
        timeout: float | None = DEFAULT,
        max_subcalls: int | None = DEFAULT,
        max_consecutive_errors: int | None = DEFAULT,
        max_context_bytes: int | None = DEFAULT,
        cell_timeout: float = DEFAULT,
        output_cap: int = DEFAULT,
        sub_prompt_chars: int = DEFAULT,
        max_live_sandboxes: int = DEFAULT,
        max_retries: int = DEFAULT,
        attempt_timeout: float = DEFAULT,
        prompt_cache: bool = DEFAULT,
        compaction: bool | float = DEFAULT,
        isolation: str = DEFAULT,
        sandbox_program: str = DEFAULT,
        prices: Mapping[str, Any] | None = DEFAULT,
        tools: Iterable[Any] | Mapping[str, Any] | None = None,
        tool_timeout: float = DEFAULT,
        max_tool_calls: int | None = DEFAULT,
        on_event: EventCallback | None = None,
    ) -> None:
        given = dict(locals())
        options = {
            name: given[name] for name in _SETTINGS if given[name] is not DEFAULT
        }
        self.tools: list[Tool] = as_tools(tools)
        if self.tools:
            options["tools"] = [
                (t.name, t.description, t.arguments, t.timeout, t.func) for t in self.tools
            ]
        self.on_event = on_event
        self._engine = _native.Engine(
            root, sub, dict(sub_models) if sub_models else None, options
        )

    @property
    def root_model(self) -> str:
        """The root model's name."""
        return self._engine.root_model

    @property
    def sub_model(self) -> str:
        """The default sub-model's name."""
        return self._engine.sub_model

    def completion(
        self,
        context: Any,
        query: str,
        *,
        on_event: EventCallback | None = None,
    ) -> Answer:
        """Answers ``query`` about ``context`` (a ``str`` is text; a dict, list or other
        JSON-able value is JSON in the sandbox).

        The run executes on the engine's threads with the GIL released; ``on_event`` (or the
        engine's) is called with each event on this thread. Ctrl-C cancels the run and raises
        ``KeyboardInterrupt``. Raises an :class:`rlm_rs.errors.RlmError` subclass when the run
        ends without an answer (a limit error carries ``partial.answer``).
        """
        callback = on_event if on_event is not None else self.on_event
        run = self._engine.start(context, query, callback is not None)
        try:
            if callback is not None:
                for event in run:
                    callback(event)
            return run.result()
        except BaseException:
            run.cancel()
            raise

    async def acompletion(
        self,
        context: Any,
        query: str,
        *,
        on_event: EventCallback | None = None,
    ) -> Answer:
        """``completion`` for asyncio: awaits the run without blocking the event loop (several
        runs may go on at once); ``on_event`` is called on the event loop. Cancelling the task
        cancels the run."""
        callback = on_event if on_event is not None else self.on_event
        outcome = await self._engine.acompletion(context, query, callback)
        return outcome.result()

    def stream(self, context: Any, query: str) -> Run:
        """Starts a run and returns it: iterate it for its events (dicts), then call
        ``result()``. ``cancel()`` stops it; dropping it cancels it too."""
        return self._engine.start(context, query, True)

    def __repr__(self) -> str:
        return f"Rlm(root={self.root_model!r}, sub={self.sub_model!r})"
