"""Flow files are refused with an error naming the file, the node and the field."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from centralita.core.ivr.errors import InvalidFlow
from centralita.core.ivr.flow import Menu
from centralita.core.ivr.flowfile import parse_flow

EXAMPLES = Path(__file__).parents[2] / "examples" / "ivr"

BASE = {
    "flow": "t",
    "version": 1,
    "start": "menu",
    "nodes": {
        "menu": {
            "type": "menu",
            "prompt": "Pulse 1 o 2",
            "choices": {"1": "sales", "2": "bye"},
            "default": "bye",
        },
        "sales": {"type": "queue", "queue": "sales"},
        "bye": {"type": "hangup"},
    },
}


def problem(data, **kwargs) -> InvalidFlow:
    with pytest.raises(InvalidFlow) as caught:
        parse_flow(data, "flows/t.yaml", **kwargs)
    error = caught.value
    assert error.code == "invalid-flow"
    assert error.fields["file"] == "flows/t.yaml"
    assert error.message.startswith("flows/t.yaml: ")
    return error


def changed(path: str, value: object) -> dict:
    """BASE with the value at a dotted path replaced (None deletes it)."""
    data = copy.deepcopy(BASE)
    *parents, last = path.split(".")
    target = data
    for part in parents:
        target = target[part]
    if value is None:
        del target[last]
    else:
        target[last] = value
    return data


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.yaml")))
def test_example_flows_are_valid(name):
    data = yaml.safe_load((EXAMPLES / name).read_text(encoding="utf-8"))
    flow = parse_flow(data, name)
    assert flow.nodes[flow.start]


def test_a_valid_flow_builds_immutable_nodes():
    flow = parse_flow(BASE, "t.yaml")
    menu = flow.nodes["menu"]
    assert isinstance(menu, Menu)
    assert [c.key for c in menu.choices] == ["1", "2"]
    with pytest.raises(TypeError):
        flow.nodes["x"] = menu  # type: ignore[index]


def test_unknown_node_type():
    error = problem(changed("nodes.bye.type", "dance"))
    assert (error.fields["node"], error.fields["field"]) == ("bye", "type")
    assert "unknown node type 'dance'" in error.message


def test_unknown_target_node():
    error = problem(changed("nodes.menu.choices", {"1": "sales", "2": "nowhere"}))
    assert (error.fields["node"], error.fields["field"]) == ("menu", "choices.2")
    assert "nowhere" in error.message


def test_unknown_start_node():
    error = problem(changed("start", "welcome"))
    assert (error.fields["node"], error.fields["field"]) == ("-", "start")


def test_unreachable_node():
    data = changed("nodes.orphan", {"type": "hangup"})
    error = problem(data)
    assert (error.fields["node"], error.fields["field"]) == ("orphan", "-")
    assert "unreachable" in error.message


def test_a_branch_with_no_exit():
    data = changed("nodes.menu.choices", {"1": "sales", "2": "loop_a"})
    data["nodes"]["loop_a"] = {"type": "play", "prompt": "a", "next": "loop_b"}
    data["nodes"]["loop_b"] = {"type": "play", "prompt": "b", "next": "loop_a"}
    error = problem(data)
    assert {p.fields["node"] for p in error.problems} == {"loop_a", "loop_b"}
    assert "no way out" in error.message


def test_a_loop_that_never_waits():
    data = changed("nodes.menu.choices", {"1": "sales", "2": "check"})
    data["nodes"]["check"] = {
        "type": "condition",
        "branches": [{"if": {"var": "x", "equals": "1"}, "goto": "bye"}],
        "else": "again",
    }
    data["nodes"]["again"] = {"type": "set", "vars": {"y": "1"}, "next": "check"}
    error = problem(data)
    assert "loops without waiting" in error.message
    assert "again -> check -> again" in error.message


def test_missing_prompt():
    error = problem(changed("nodes.menu.prompt", None))
    assert (error.fields["node"], error.fields["field"]) == ("menu", "prompt")


def test_reference_to_a_prompt_that_does_not_exist():
    error = problem(changed("nodes.menu.prompt", {"ref": "welcome"}))
    assert error.fields["field"] == "prompt.ref"
    assert "no prompt named 'welcome'" in error.message


def test_recorded_prompt_file_that_does_not_exist():
    data = changed("nodes.bye.prompt", {"file": "bye.wav"})
    error = problem(data, prompt_exists=lambda name: name == "hello.wav")
    assert (error.fields["node"], error.fields["field"]) == ("bye", "prompt.file")
    assert parse_flow(data, "t.yaml", prompt_exists=lambda name: name == "bye.wav")


def test_bad_regular_expression():
    data = changed("nodes.menu.choices", {"1": "sales", "2": "account"})
    data["nodes"]["account"] = {
        "type": "collect",
        "prompt": "Cuenta",
        "pattern": "([0-9]",
        "next": "sales",
        "failure": "bye",
    }
    error = problem(data)
    assert (error.fields["node"], error.fields["field"]) == ("account", "pattern")


@pytest.mark.parametrize(
    ("path", "value", "node", "field"),
    [
        ("nodes.menu.choices", {"12": "sales"}, "menu", "choices.12"),
        ("nodes.menu.timeout", 0, "menu", "timeout"),
        ("nodes.menu.colour", "red", "menu", "colour"),
        ("nodes.menu.prompt", "Saldo {balance:money}", "menu", "prompt"),
        ("nodes.menu.prompt", "Saldo {balance", "menu", "prompt"),
        ("nodes.menu.prompt", {"fr": "Bonjour"}, "menu", "prompt"),
        ("nodes.menu.prompt", {"en": "Hello"}, "menu", "prompt.en"),
        ("nodes.bye.outcome", "happy", "bye", "outcome"),
        ("nodes.sales.skills", {"billing": 9}, "sales", "skills.billing"),
        ("nodes.sales.callback", {"after": -1}, "sales", "callback.after"),
        ("version", 0, "-", "version"),
        ("flow", None, "-", "flow"),
        ("input", "telepathy", "-", "input"),
        ("colour", "red", "-", "colour"),
        (
            "calendars",
            {"bog": {"timezone": "Nowhere/X", "hours": {}}},
            "-",
            "calendars.bog.timezone",
        ),
    ],
)
def test_malformed_fields_are_named(path, value, node, field):
    error = problem(changed(path, value))
    assert (error.fields["node"], error.fields["field"]) == (node, field)


def test_conditions_refer_to_known_calendars_and_valid_tests():
    data = changed("start", "hours")
    data["nodes"]["hours"] = {
        "type": "condition",
        "branches": [{"if": {"open": "bogota"}, "goto": "menu"}],
        "else": "bye",
    }
    error = problem(data)
    assert (error.fields["node"], error.fields["field"]) == ("hours", "branches[0].if.open")
    data["nodes"]["hours"]["branches"][0]["if"] = {"var": "x"}
    assert problem(data).fields["field"] == "branches[0].if.var"
    data["nodes"]["hours"]["branches"][0]["if"] = {"var": "x", "matches": "("}
    assert problem(data).fields["field"] == "branches[0].if.matches"


def test_http_nodes_need_an_address_and_a_fallback():
    data = changed("nodes.menu.choices", {"1": "sales", "2": "lookup"})
    data["nodes"]["lookup"] = {"type": "http", "url": "ftp://x", "next": "bye", "fallback": "sales"}
    assert problem(data).fields["field"] == "url"
    data["nodes"]["lookup"]["url"] = "http://127.0.0.1/{account}"
    del data["nodes"]["lookup"]["fallback"]
    assert problem(data).fields["field"] == "fallback"


def test_every_problem_is_listed_not_only_the_first():
    data = changed("nodes.bye.type", "dance")
    data["nodes"]["sales"]["queue"] = ""
    error = problem(data)
    assert [(p.fields["node"], p.fields["field"]) for p in error.problems] == [
        ("sales", "queue"),
        ("bye", "type"),
    ]


def test_not_a_mapping():
    assert problem(["nodes"]).fields["field"] == "-"
    assert problem(changed("nodes", {})).fields["field"] == "nodes"


def test_http_base_address_may_come_from_a_flow_var():
    data = changed("nodes.menu.choices", {"1": "sales", "2": "lookup"})
    data["nodes"]["lookup"] = {
        "type": "http",
        "url": "{api}/balance",
        "next": "bye",
        "fallback": "sales",
    }
    assert problem(data).fields["field"] == "url"  # no such var
    data["vars"] = {"api": "ftp://example"}
    assert problem(data).fields["field"] == "url"  # not an http address
    data["vars"] = {"api": "http://127.0.0.1:8099"}
    assert parse_flow(data, "t.yaml").variables == {"api": "http://127.0.0.1:8099"}
    data["vars"] = {"bad name": "x"}
    assert problem(data).fields["field"] == "vars.bad name"


def test_variables_used_but_never_set_are_found():
    from centralita.core.ivr.variables import unset_variables

    data = changed("nodes.menu.prompt", "Hola {nombre}, su saldo es {balance:amount} {caller}")
    data["nodes"]["menu"]["choices"] = {"1": "sales", "2": "lookup"}
    data["nodes"]["lookup"] = {
        "type": "http",
        "url": "http://127.0.0.1:9/{contact.id}/{acount}",
        "assign": {"balance": "balance"},
        "next": "bye",
        "fallback": "bye",
    }
    data["nodes"]["bye"] = {
        "type": "hangup",
        "prompt": {"es": "Adiós {http.error}", "en": "Bye {tries}"},
    }
    data["languages"] = ["es", "en"]
    data["vars"] = {"tries": "1"}
    assert unset_variables(parse_flow(data, "t.yaml")) == [
        ("menu", "prompt", "nombre"),
        ("lookup", "url", "acount"),
    ]


def test_a_loop_through_a_say_node_is_refused_as_it_may_not_wait():
    data = changed("nodes.menu.choices", {"1": "sales", "2": "check"})
    data["nodes"]["check"] = {
        "type": "condition",
        "branches": [{"if": {"var": "x", "present": True}, "goto": "bye"}],
        "else": "say_it",
    }
    data["nodes"]["say_it"] = {"type": "say", "value": "{missing}", "next": "check"}
    assert "loops without waiting" in problem(data).message


def test_the_examples_use_every_node_type():
    from centralita.core.ivr.nodefile import BUILDERS

    used = set()
    for path in EXAMPLES.glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        used |= {node["type"] for node in data["nodes"].values()}
    assert used == set(BUILDERS)
