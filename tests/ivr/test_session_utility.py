"""The Spanish utility example flow, walked the way callers walk it."""

from __future__ import annotations

import json

from ivr_helpers import MONDAY_10AM, SUNDAY_10AM, Call, example

from centralita.core.ivr import commands as cmd
from centralita.core.ivr.events import CallerHungUp, HttpCompleted, HttpFailed, PlaybackFinished

FLOW = example("utility-es.yaml")
ACCOUNT = "12345674"  # passes Luhn
BALANCE = json.dumps({"balance": 1234.5, "due_date": "2026-12-01"})


def at_main_menu(**caller) -> Call:
    call = Call(FLOW, **caller)
    call.through_prompts()
    assert isinstance(call.pending(), cmd.Collect)
    return call


def test_digits_through_a_two_level_menu_reach_the_payments_queue():
    call = at_main_menu()
    call.press("2")
    call.press("2")
    enqueue = call.pending()
    assert isinstance(enqueue, cmd.Enqueue)
    assert enqueue.queue == "payments"
    assert enqueue.skills == (("billing", 2),)
    assert (enqueue.callback_after, enqueue.callback_key) == (60.0, "1")
    assert enqueue.announce_position and enqueue.music == "moh/default.wav"
    assert call.visited() == ["welcome", "hours", "main_menu", "payments_menu", "payments_queue"]
    assert call.ended().outcome == "queued"
    assert call.ended().node == "payments_queue"


def test_every_node_visit_is_one_record_with_flow_and_version():
    call = at_main_menu()
    call.press("2")
    visits = [o for o in call.outputs if type(o).__name__ == "IvrNodeVisited"]
    assert [(v.flow, v.version, v.call_id) for v in visits] == [("utility-es", 1, "call-1")] * 4
    assert [v.node_type for v in visits] == ["play", "condition", "menu", "menu"]
    assert visits[0].at == call.now.timestamp()


def test_balance_is_read_from_the_http_service_and_said_in_words():
    call = at_main_menu()
    call.press("1")
    call.press(ACCOUNT + "#")
    request = call.pending()
    assert isinstance(request, cmd.HttpRequest)
    assert request.url == f"http://127.0.0.1:8099/accounts/{ACCOUNT}/balance"
    assert (request.method, request.timeout) == ("GET", 3.0)
    call.send(HttpCompleted(200, BALANCE))
    assert call.pending().prompt.text == (
        "Su saldo es de mil doscientos treinta y cuatro pesos con cincuenta centavos, "
        "con fecha límite de pago el 1 de diciembre de 2026."
    )
    call.played()
    assert call.commands(cmd.SetAttributes)[-1].attributes == {"self_service": "balance"}
    call.send(CallerHungUp())
    assert call.ended().outcome == "self_served"


def test_a_caller_who_says_one_reaches_the_same_branch_as_pressing_one():
    pressed = at_main_menu(input="voice")
    spoken = at_main_menu(input="voice")
    pressed.press("1")
    spoken.say("uno")
    assert pressed.visited() == spoken.visited()
    assert spoken.visited()[-1] == "account"


def test_a_caller_who_prefers_voice_is_asked_by_voice_with_the_menus_words():
    call = at_main_menu(input="voice")
    collect = call.pending()
    assert collect.prompts[0].text.startswith("Diga uno para conocer su saldo")
    assert {"uno", "dos", "tres", "saldo", "pagos", "anuncio", "nueve"} <= set(collect.words)
    keypad = at_main_menu()
    assert keypad.pending().words == ()
    assert keypad.pending().prompts[0].text.startswith("Pulse 1")


def test_spoken_words_of_a_choice_and_digits_in_the_account_number():
    call = at_main_menu(input="voice")
    call.say("mi saldo por favor")
    assert call.visited()[-1] == "account"
    assert "cero" in call.pending().words
    call.say("uno dos tres cuatro cinco seis siete cuatro")
    assert isinstance(call.pending(), cmd.HttpRequest)
    assert call.session.variables["account"] == ACCOUNT


def test_an_english_speaking_caller_hears_english_and_may_say_one():
    call = at_main_menu(language="en", input="voice")
    assert call.texts()[0] == "Welcome to Energía Andina."
    call.say("One", confidence=0.8)
    assert call.visited()[-1] == "account"
    assert call.pending().prompts[0].text.startswith("Enter your eight-digit account")


def test_low_confidence_speech_counts_as_a_wrong_answer():
    call = at_main_menu(input="voice")
    call.say("uno", confidence=0.2)
    assert call.visited()[-1] == "main_menu"
    assert call.pending().prompts[0].text == "Esa opción no es válida."


def test_pressing_nine_switches_the_rest_of_the_call_to_english():
    call = at_main_menu()
    call.press("9")
    assert call.commands(cmd.SetAttributes)[-1].attributes == {"language": "en"}
    assert call.pending().prompts[0].text.startswith("Press 1 for your balance")
    call.press("2")
    call.press("2")
    assert call.pending().language == "en"


def test_after_hours_the_closed_hours_branch_plays_and_the_call_is_rejected():
    call = Call(FLOW, now=SUNDAY_10AM)
    call.played()
    assert call.pending().prompt.text.startswith("Nuestro horario es de lunes a viernes")
    call.played()
    assert isinstance(call.pending(), cmd.Hangup)
    assert call.ended().outcome == "rejected"
    assert call.visited() == ["welcome", "hours", "closed"]


def test_a_caller_who_hangs_up_in_the_menu_is_an_ivr_abandon():
    call = at_main_menu()
    call.send(CallerHungUp())
    assert call.ended().outcome == "abandoned_ivr"
    assert call.ended().node == "main_menu"
    assert call.session.finished


def test_the_self_service_being_down_takes_the_fallback_branch():
    call = at_main_menu()
    call.press("1")
    call.press(ACCOUNT)
    call.send(HttpFailed("timeout"))
    assert call.visited()[-1] == "balance_unavailable"
    assert call.pending().prompt.text.startswith("En este momento no podemos consultar")
    call.played()
    assert call.pending().queue == "customer-service"
    assert call.session.variables["http.error"] == "timeout"


def test_error_status_bad_json_or_a_missing_field_also_take_the_fallback():
    for answer in (
        HttpCompleted(503, BALANCE),
        HttpCompleted(200, "<html>oops</html>"),
        HttpCompleted(200, json.dumps({"balance": 10})),
        HttpCompleted(200, json.dumps({"balance": {"x": 1}, "due_date": "2026-01-01"})),
    ):
        call = at_main_menu()
        call.press("1")
        call.press(ACCOUNT)
        call.send(answer)
        assert call.visited()[-1] == "balance_unavailable", answer


def test_a_wrong_account_number_is_asked_again_then_goes_to_an_agent():
    call = at_main_menu()
    call.press("1")
    call.press("12345670#")  # fails Luhn
    assert call.pending().prompts[0].text == "El número de cuenta no es válido."
    call.silence()
    assert call.pending().prompts[0].text == "No recibimos su número de cuenta."
    call.press("123")  # too short
    assert call.pending().queue == "customer-service"


def test_wrong_and_missing_choices_are_retried_then_the_default_is_taken():
    call = at_main_menu()
    call.press("7")
    again = call.pending()
    assert again.prompts[0].text == "Esa opción no es válida."
    assert again.prompts[1].text.startswith("Pulse 1")
    call.silence()
    assert call.pending().prompts[0].text == "No recibimos ninguna opción."
    call.silence()
    assert call.pending().queue == "customer-service"
    assert call.ended().outcome == "queued"


def test_campaign_branch_sets_routing_attributes_on_the_enqueue():
    call = at_main_menu()
    call.press("3")
    play = call.pending()
    assert play.prompt.text.startswith("Gracias por su interés")
    call.played()
    enqueue = call.pending()
    assert (enqueue.queue, enqueue.priority, enqueue.segment) == ("sales", 7, "campaign-tv")
    assert enqueue.attributes == {"source": "tv-ad"}
    assert enqueue.language == "es"


def test_events_out_of_turn_and_after_the_end_are_ignored():
    call = Call(FLOW)
    assert call.press("1") == []  # a key during the welcome prompt
    call.played()
    call.send(CallerHungUp())
    assert call.played() == []
    assert call.send(CallerHungUp()) == []
    assert call.ended().outcome == "abandoned_ivr"


def test_a_contact_record_that_prefers_voice_and_english_changes_how_the_flow_asks():
    from centralita.core.ivr.session import Caller, IvrSession

    record = {
        "name": "Ana Pérez",
        "document": "80123456",
        "segment": "gold",
        "language": "en",
        "preferred_input": "voice",
        "email": None,
        "custom": {"stratum": 3, "plan": "hogar"},
    }
    caller = Caller.from_contact("c2", "+573001234567", "6015550100", record)
    assert (caller.language, caller.input) == ("en", "voice")
    assert caller.contact["plan"] == "hogar" and "email" not in caller.contact
    session = IvrSession(FLOW, caller)
    session.start(MONDAY_10AM)
    outputs = session.handle(PlaybackFinished(), MONDAY_10AM)
    collect = outputs[-1]
    assert collect.prompts[0].text.startswith("Say one for your balance")
    assert "balance" in collect.words
    assert session.variables["contact.document"] == "80123456"
    assert session.segment == "gold"
    unknown = Caller.from_contact("c3", "+573001234567", "6015550100", None)
    assert (unknown.language, unknown.input, dict(unknown.contact)) == (None, None, {})
