"""A Python object as a provider: what it receives, what it may return, and its exceptions."""

from __future__ import annotations

import threading

import pytest

import rlm_rs


class Scripted:
    """A root model that runs one cell, then answers what the cell printed; and a sub model."""

    def __init__(self, cell: str, model: str = "py-root") -> None:
        self.cell = cell
        self.model = model
        self.calls: list[tuple[list[dict], dict]] = []
        self.threads: set[int] = set()

    def complete(self, messages, **kw):
        self.calls.append((messages, kw))
        self.threads.add(threading.get_ident())
        if any(m["role"] == "assistant" for m in messages):
            return "Done.\nFINAL_VAR(result)"
        return {"text": f"```repl\n{self.cell}\n```", "usage": {"input_tokens": 7, "output_tokens": 3}}


class Echo:
    model_name = "py-sub"

    def complete(self, messages, **kw):
        return {"text": "pong:" + messages[-1]["content"], "usage": {"input_tokens": 11, "output_tokens": 2}}


class Broken:
    model = "py-broken"

    def complete(self, messages, **kw):
        raise ValueError("boom")


def test_python_objects_as_root_and_sub():
    root = Scripted("var result = llm_query('ping');")
    answer = rlm_rs.Rlm(root=root, sub=Echo()).completion("some text", "say pong")
    assert answer.answer == "pong:ping"
    assert answer.finished == "final"
    messages, kw = root.calls[0]
    assert messages[0]["role"] == "system"
    assert all(set(m) == {"role", "content"} for m in messages)
    assert kw["model"] == "py-root"
    assert threading.get_ident() not in root.threads  # called on a worker thread
    per_model = answer.usage.per_model
    assert per_model["py-root"].calls == 2
    assert per_model["py-root"].input_tokens == 7  # the second reply is a str: no usage
    assert per_model["py-sub"].calls == 1
    assert per_model["py-sub"].input_tokens == 11


def test_a_failing_sub_provider_is_an_error_string_for_the_code():
    root = Scripted("var result = llm_query('ping');")
    answer = rlm_rs.Rlm(root=root, sub=Broken()).completion("text", "q")
    assert answer.answer.startswith("Error")
    assert "ValueError: boom" in answer.answer


def test_a_failing_root_provider_raises_provider_error():
    with pytest.raises(rlm_rs.ProviderError, match="ValueError: boom") as caught:
        rlm_rs.Rlm(root=Broken()).completion("text", "q")
    assert caught.value.details["retryable"] is False
    assert caught.value.partial is not None


def test_a_bad_reply_is_a_provider_error():
    class Wrong:
        def complete(self, messages, **kw):
            return 42

    with pytest.raises(rlm_rs.ProviderError, match="str or a dict"):
        rlm_rs.Rlm(root=Wrong()).completion("text", "q")


def test_a_json_context():
    root = Scripted("var result = String(context.items.length) + ' ' + context.name;")
    answer = rlm_rs.Rlm(root=root).completion({"items": [1, 2, 3], "name": "x"}, "how many?")
    assert answer.answer == "3 x"


def test_named_sub_models():
    root = Scripted("var result = llm_query('ping', {model: 'echo'});")
    rlm = rlm_rs.Rlm(root=root, sub=Broken(), sub_models={"echo": (Echo(), "echoes")})
    assert rlm.completion("text", "q").answer == "pong:ping"
