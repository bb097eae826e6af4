"""Each node type of the interpreter, on small flows."""

from __future__ import annotations

import json

import pytest
from ivr_helpers import Call, flow

from centralita.core.ivr import commands as cmd
from centralita.core.ivr.events import CallerHungUp, HttpCompleted
from centralita.core.ivr.session import Caller, IvrSession

BYE = {"type": "hangup"}


def test_identity_verification_sets_an_attribute_the_agent_sees():
    f = flow(
        {
            "check": {
                "type": "verify",
                "prompt": "Digite su cédula",
                "expect": "{contact.document}",
                "verified": "agent",
                "failed": "agent",
                "attempts": 2,
            },
            "agent": {"type": "queue", "queue": "care"},
        },
        "check",
    )
    good = Call(f, contact={"document": "80123456"})
    good.press("80123456#")
    assert good.commands(cmd.SetAttributes)[-1].attributes == {"identity_verified": "yes"}
    assert good.pending().attributes == {"identity_verified": "yes"}

    bad = Call(f, contact={"document": "80123456"})
    bad.press("11111111")
    assert isinstance(bad.pending(), cmd.Collect)
    bad.press("22222222")
    assert bad.pending().attributes == {"identity_verified": "no"}
    assert "identity" not in bad.session.variables  # a wrong answer is never kept

    unknown = Call(f)  # no contact record: nothing can match
    unknown.press("80123456")
    unknown.press("80123456")
    assert unknown.pending().attributes == {"identity_verified": "no"}


def test_say_node_speaks_values_in_the_callers_language():
    f = flow(
        {
            "start": {
                "type": "set",
                "vars": {"total": "2000000", "due": "2026-03-01"},
                "next": "amount",
            },
            "amount": {"type": "say", "value": "{total}", "as": "amount", "next": "date"},
            "date": {"type": "say", "value": "{due}", "as": "date", "next": "bye"},
            "bye": BYE,
        },
        "start",
        languages=["es", "en"],
        currency="USD",
    )
    es = Call(f)
    es.through_prompts()
    assert es.texts() == ["dos millones de dólares", "1 de marzo de 2026"]
    assert es.commands(cmd.Say)[0] == cmd.Say("2000000", "amount", "es", "dos millones de dólares")
    en = Call(f, language="en")
    en.through_prompts()
    assert en.texts() == ["two million dollars", "March 1, 2026"]
    assert en.ended().outcome == "self_served"


def test_say_skips_a_value_it_cannot_say():
    f = flow(
        {
            "amount": {"type": "say", "value": "{missing}", "as": "amount", "next": "bye"},
            "bye": {"type": "hangup", "prompt": "Adiós"},
        },
        "amount",
    )
    call = Call(f)
    assert call.commands(cmd.Say) == []
    assert call.pending().prompt.text == "Adiós"


def test_transfer_and_voicemail_end_the_ivr_with_their_outcomes():
    f = flow(
        {
            "menu": {
                "type": "menu",
                "prompt": "1 o 2",
                "choices": {"1": "out", "2": "vm"},
                "default": "vm",
            },
            "out": {"type": "transfer", "number": "+57601{dnis}", "prompt": "Lo transferimos"},
            "vm": {"type": "voicemail", "box": "ventas"},
        },
        "menu",
    )
    out = Call(f)
    out.press("1")
    out.played()
    assert out.pending() == cmd.Transfer("+576016015550100")
    assert out.ended().outcome == "transferred"
    vm = Call(f)
    vm.press("2")
    assert vm.pending() == cmd.Voicemail("ventas")
    assert vm.ended().outcome == "voicemail"


def test_hanging_up_during_a_goodbye_keeps_the_hangup_nodes_outcome():
    f = flow({"closed": {"type": "hangup", "prompt": "Cerrado", "outcome": "rejected"}}, "closed")
    call = Call(f)
    call.send(CallerHungUp())
    assert call.ended().outcome == "rejected"


@pytest.mark.parametrize(
    ("test", "caller", "expected"),
    [
        ({"caller_prefix": ["+57300", "+57310"]}, {}, "yes"),
        ({"caller_prefix": "+1"}, {}, "no"),
        ({"caller_in": ["+573001234567"]}, {}, "yes"),
        ({"dnis_in": ["018000"]}, {}, "no"),
        ({"var": "contact.segment", "equals": "gold"}, {"contact": {"segment": "gold"}}, "yes"),
        (
            {"var": "contact.segment", "one_of": ["gold", "platinum"]},
            {"contact": {"segment": "x"}},
            "no",
        ),
        ({"var": "contact.debt", "above": 100000}, {"contact": {"debt": "250000"}}, "yes"),
        ({"var": "contact.debt", "below": 100000}, {"contact": {"debt": "250000"}}, "no"),
        ({"var": "contact.debt", "above": 0}, {"contact": {"debt": "n/a"}}, "no"),
        ({"var": "contact.debt", "present": False}, {}, "yes"),
        (
            {"var": "contact.document", "matches": "[0-9]{8}"},
            {"contact": {"document": "80123456"}},
            "yes",
        ),
        ({"caller_prefix": ["+57"], "var": "contact.vip", "present": True}, {}, "no"),
    ],
)
def test_conditions_on_caller_number_contact_fields_and_variables(test, caller, expected):
    f = flow(
        {
            "check": {"type": "condition", "branches": [{"if": test, "goto": "yes"}], "else": "no"},
            "yes": BYE,
            "no": BYE,
        },
        "check",
    )
    assert Call(f, **caller).visited() == ["check", expected]


def test_first_matching_branch_wins():
    f = flow(
        {
            "check": {
                "type": "condition",
                "branches": [
                    {"if": {"caller_prefix": "+57"}, "goto": "first"},
                    {"if": {"caller_prefix": "+573"}, "goto": "second"},
                ],
                "else": "second",
            },
            "first": BYE,
            "second": BYE,
        },
        "check",
    )
    assert Call(f).visited()[-1] == "first"


def test_set_node_feeds_routing_attributes_into_the_enqueue():
    f = flow(
        {
            "tag": {
                "type": "set",
                "segment": "{contact.tier}",
                "priority": 9,
                "skills": {"billing": 3},
                "attributes": {"reason": "mora", "ani": "{caller}"},
                "next": "q",
            },
            "q": {"type": "queue", "queue": "collections", "skills": {"es": 2}},
        },
        "tag",
    )
    call = Call(f, contact={"tier": "gold"})
    changed = call.commands(cmd.SetAttributes)[0].attributes
    assert changed == {
        "segment": "gold",
        "priority": "9",
        "skills": "billing:3",
        "reason": "mora",
        "ani": "+573001234567",
    }
    enqueue = call.pending()
    assert enqueue.skills == (("billing", 3), ("es", 2))
    assert (enqueue.priority, enqueue.segment) == (9, "gold")
    assert enqueue.attributes == {"reason": "mora", "ani": "+573001234567"}


def test_ask_node_takes_a_word_by_voice_or_its_key():
    f = flow(
        {
            "confirm": {
                "type": "ask",
                "prompt": "¿Desea hacer un acuerdo de pago? Diga sí o no.",
                "choices": {"sí": {"goto": "yes", "key": "1"}, "no": {"goto": "no", "key": "2"}},
                "save_as": "answer",
                "default": "no",
            },
            "yes": BYE,
            "no": BYE,
        },
        "confirm",
    )
    spoken = Call(f)
    assert set(spoken.pending().words) >= {"si", "no", "uno", "dos"}
    spoken.say("Sí, claro")
    assert spoken.visited()[-1] == "yes"
    assert spoken.session.variables["answer"] == "sí"
    pressed = Call(f)
    pressed.press("2")
    assert pressed.visited()[-1] == "no"


def test_http_request_escapes_values_and_posts_a_json_body():
    f = flow(
        {
            "set": {
                "type": "set",
                "vars": {"account": "1/2&x=3", "amount": "50000"},
                "next": "promise",
            },
            "promise": {
                "type": "http",
                "method": "POST",
                "url": "http://127.0.0.1:9/promises?account={account}",
                "headers": {"X-Caller": "{caller}"},
                "body": {"account": "{account}", "amount": "{amount}"},
                "timeout": 2,
                "next": "ok",
                "fallback": "ok",
            },
            "ok": BYE,
        },
        "set",
    )
    call = Call(f)
    request = call.pending()
    assert request.url == "http://127.0.0.1:9/promises?account=1%2F2%26x%3D3"
    assert json.loads(request.body) == {"account": "1/2&x=3", "amount": "50000"}
    assert request.headers == {"X-Caller": "+573001234567"}
    assert (request.method, request.timeout) == ("POST", 2.0)


def test_templates_substitute_values_but_never_evaluate_them():
    f = flow(
        {
            "lookup": {
                "type": "http",
                "url": "http://127.0.0.1:9/x",
                "assign": {"name": "name"},
                "next": "greet",
                "fallback": "greet",
            },
            "greet": {
                "type": "play",
                "prompt": "Hola {name}, {{literal}} {name.__class__} {caller}",
                "next": "bye",
            },
            "bye": BYE,
        },
        "lookup",
    )
    call = Call(f)
    call.send(HttpCompleted(200, json.dumps({"name": "{caller} __import__('os')"})))
    assert call.pending().prompt.text == "Hola {caller} __import__('os'), {literal}  +573001234567"


def test_served_callers_who_hang_up_count_as_self_served():
    f = flow(
        {
            "info": {"type": "play", "prompt": "Horario: 8 a 6", "next": "served"},
            "served": {"type": "set", "served": True, "next": "more"},
            "more": {"type": "menu", "prompt": "0 asesor", "choices": {"0": "q"}, "default": "q"},
            "q": {"type": "queue", "queue": "care"},
        },
        "info",
    )
    before = Call(f)
    before.send(CallerHungUp())
    assert before.ended().outcome == "abandoned_ivr"
    after = Call(f)
    after.played()
    after.send(CallerHungUp())
    assert after.ended().outcome == "self_served"


def test_a_session_starts_once():
    session = IvrSession(flow({"bye": BYE}, "bye"), Caller("c"))
    session.start(0.0)
    with pytest.raises(RuntimeError):
        session.start(0.0)


def test_flow_vars_give_the_service_address_and_the_session_may_override_them():
    f = flow(
        {
            "lookup": {
                "type": "http",
                "url": "{api}/accounts/{caller}",
                "next": "bye",
                "fallback": "bye",
            },
            "bye": BYE,
        },
        "lookup",
        vars={"api": "http://127.0.0.1:8099/v1"},
    )
    assert Call(f).pending().url == "http://127.0.0.1:8099/v1/accounts/%2B573001234567"
    session = IvrSession(f, Caller("c", "+1"), {"api": "http://127.0.0.1:9/v2"})
    assert session.start(0.0)[-1].url == "http://127.0.0.1:9/v2/accounts/%2B1"


def test_recorded_prompts_and_the_language_fallback():
    f = flow(
        {
            "hello": {
                "type": "play",
                "prompt": {"es": {"file": "prompts/hola.wav"}, "en": "Hello"},
                "next": "only_es",
            },
            "only_es": {"type": "play", "prompt": {"es": "Solo en español"}, "next": "bye"},
            "bye": BYE,
        },
        "hello",
        languages=["es", "en"],
    )
    spanish = Call(f)
    assert spanish.pending().prompt == cmd.Prompt(None, "prompts/hola.wav", "es")
    english = Call(f, language="en")
    assert english.pending().prompt == cmd.Prompt("Hello", None, "en")
    english.played()
    assert english.pending().prompt == cmd.Prompt("Solo en español", None, "es")
    french = Call(f, language="fr")  # not a language of the flow: its default
    assert french.pending().prompt.file == "prompts/hola.wav"
