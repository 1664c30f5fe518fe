"""Python callables as tools: called from the sandbox with JSON arguments, results back to the code,
exceptions as `Error:` strings, the system prompt's tool list, the reference library's
`custom_tools`, and the cap on tool calls."""

from __future__ import annotations

import threading

import pytest

import rlm_rs
from test_providers import Scripted


def search(query, limit=5):
    """Finds the lines of the index that contain query."""
    return [f"{query} #{i}" for i in range(limit)]


def test_a_tool_is_called_with_the_javascript_arguments():
    calls = []

    def lookup(key, n=1):
        """Looks a key up in the test table."""
        calls.append((key, n, threading.get_ident()))
        return {"key": key, "values": list(range(n))}

    root = Scripted("var r = lookup('alpha', 3); var result = r.key + ':' + r.values.join(',');")
    answer = rlm_rs.Rlm(root=root, tools=[lookup]).completion("ctx", "q")
    assert answer.answer == "alpha:0,1,2"
    assert [c[:2] for c in calls] == [("alpha", 3)]
    assert calls[0][2] != threading.get_ident()  # on a worker thread
    system = root.calls[0][0][0]["content"]
    assert "lookup" in system and "Looks a key up in the test table." in system


def test_a_tool_that_raises_is_an_error_string():
    def broken(x):
        raise KeyError("missing " + x)

    root = Scripted("var result = String(broken('k'));")
    answer = rlm_rs.Rlm(root=root, tools=[broken]).completion("ctx", "q")
    assert answer.answer.startswith("Error")
    assert "KeyError" in answer.answer and "missing k" in answer.answer


def test_a_result_json_cannot_hold_is_an_error_string():
    root = Scripted("var result = String(odd());")
    answer = rlm_rs.Rlm(root=root, tools=[rlm_rs.Tool(lambda: object(), name="odd")]).completion(
        "ctx", "q"
    )
    assert answer.answer.startswith("Error")


def test_tools_against_the_simulated_server(sim_server, tmp_path):
    cells = tmp_path / "cells.txt"
    cells.write_text("var found = search('needle', 2);\nprint(JSON.stringify(found));\n---\n#reply\nFINAL_VAR(found)\n")
    sim = sim_server("--latency-ms", "0", "--cells", str(cells))
    events = []
    rlm = rlm_rs.Rlm(root=rlm_rs.openai("sim-root", base_url=sim.url), tools=[search])
    answer = rlm.completion("ctx", "find it", on_event=events.append)
    assert "needle #0" in answer.answer and "needle #1" in answer.answer
    assert any("tool" in e["event"] for e in events)


def test_custom_tools_in_the_compatibility_layer(sim_server, tmp_path):
    cells = tmp_path / "cells.txt"
    cells.write_text("var found = lookup('x');\n---\n#reply\nFINAL_VAR(found)\n")
    sim = sim_server("--latency-ms", "0", "--cells", str(cells))
    rlm = rlm_rs.RLM(
        backend_kwargs={"model_name": "sim-root", "base_url": sim.url},
        custom_tools={"lookup": {"tool": lambda key: key * 3, "description": "triples a key"}},
    )
    assert rlm.completion("ctx", root_prompt="q").response == "xxx"


def test_the_cap_on_tool_calls():
    root = Scripted(
        "var out = []; for (let i = 0; i < 5; i++) out.push(String(search('q', 1))); var result = out.join('|');"
    )
    answer = rlm_rs.Rlm(root=root, tools=[search], max_tool_calls=2).completion("ctx", "q")
    parts = answer.answer.split("|")
    assert parts[:2] == ["q #0", "q #0"]
    assert all(p.startswith("Error") for p in parts[2:])


def test_bad_tool_names_are_refused():
    with pytest.raises(rlm_rs.ConfigError):
        rlm_rs.Rlm(root=Scripted(""), tools=[rlm_rs.Tool(search, name="llm_query")])
    with pytest.raises(rlm_rs.ConfigError):
        rlm_rs.Rlm(root=Scripted(""), tools=[rlm_rs.Tool(search, name="not a name")])
