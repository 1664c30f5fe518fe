"""Python callables as tools the model's code can call from the sandbox.

A tool is called from JavaScript as a synchronous function with positional arguments:
``search("foo", 5)`` calls ``search("foo", 5)`` in Python with the arguments converted from JSON,
and its return value (anything JSON can hold) goes back to the code. An exception it raises
reaches the code as the string ``"Error: <ExceptionType>: <message>"``, the same convention as a
failed sub-call; the run goes on. Tools run on a worker thread that holds the GIL only while the
function runs.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from typing import Any

__all__ = ["Tool", "tool", "as_tools"]


def _describe(func: Callable[..., Any]) -> str:
    doc = inspect.getdoc(func) or ""
    return doc.strip().split("\n\n", 1)[0].replace("\n", " ").strip()


def _shape(func: Callable[..., Any]) -> str:
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):
        return "(...)"
    parts = []
    for parameter in signature.parameters.values():
        if parameter.kind is parameter.VAR_POSITIONAL:
            parts.append("..." + parameter.name)
        elif parameter.kind in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD):
            if parameter.default is parameter.empty:
                parts.append(parameter.name)
            else:
                parts.append(f"{parameter.name} = {parameter.default!r}")
    return "(" + ", ".join(parts) + ")"


class Tool:
    """A Python function offered to the model's code.

    Args:
        func: the function; called with the JavaScript call's positional arguments.
        name: the name code calls it by (default: the function's name); a valid JavaScript
            identifier that is not one of the sandbox's own globals.
        description: what it does, for the system prompt (default: the first paragraph of its
            docstring).
        arguments: the argument shape shown to the model, e.g. ``"(query: string, limit?: number)"``
            (default: read from the function's signature).
        timeout: seconds one call may take (default: the engine's tool timeout).
    """

    def __init__(
        self,
        func: Callable[..., Any],
        *,
        name: str | None = None,
        description: str | None = None,
        arguments: str | None = None,
        timeout: float | None = None,
    ) -> None:
        if not callable(func):
            raise TypeError(f"a tool must be callable, not {type(func).__name__}")
        self.func = func
        self.name = name or getattr(func, "__name__", "")
        if not self.name or self.name == "<lambda>":
            raise ValueError("a tool needs a name: pass name=... for a lambda or callable object")
        self.description = description if description is not None else _describe(func)
        self.arguments = arguments if arguments is not None else _shape(func)
        self.timeout = timeout

    def __call__(self, *args: Any) -> Any:
        return self.func(*args)

    def __repr__(self) -> str:
        return f"Tool(name={self.name!r}, arguments={self.arguments!r})"


def tool(
    func: Callable[..., Any] | None = None,
    *,
    name: str | None = None,
    description: str | None = None,
    arguments: str | None = None,
    timeout: float | None = None,
) -> Any:
    """Decorator form of :class:`Tool`: ``@tool`` or ``@tool(name=..., timeout=...)``."""

    def wrap(f: Callable[..., Any]) -> Tool:
        return Tool(f, name=name, description=description, arguments=arguments, timeout=timeout)

    return wrap(func) if func is not None else wrap


def as_tools(tools: Iterable[Any] | Mapping[str, Any] | None) -> list[Tool]:
    """Normalizes ``tools=``: a list of functions or :class:`Tool` s, or a dict ``{name: function}``
    or ``{name: {"tool": function, "description": ...}}`` (the reference library's
    ``custom_tools`` shape)."""
    if tools is None:
        return []
    result: list[Tool] = []
    if isinstance(tools, Mapping):
        for name, entry in tools.items():
            description = None
            if isinstance(entry, Mapping) and "tool" in entry:
                description = entry.get("description")
                entry = entry["tool"]
            if isinstance(entry, Tool):
                result.append(
                    Tool(
                        entry.func,
                        name=name,
                        description=description or entry.description,
                        arguments=entry.arguments,
                        timeout=entry.timeout,
                    )
                )
            elif callable(entry):
                result.append(Tool(entry, name=name, description=description))
            else:
                raise ValueError(
                    f"tool {name!r} is a {type(entry).__name__}, not a function: rlm_rs tools are "
                    "functions (put data in the context instead)"
                )
        return result
    for entry in tools:
        result.append(entry if isinstance(entry, Tool) else Tool(entry))
    return result
