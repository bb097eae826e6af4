"""The expected-wait announcement: a waiting caller hears its position and the expected
wait (`centralita.core.waiting`: position × recent average handle time ÷ agents staffed),
estimated from the calls the queue really handled, end to end on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest

from centralita.app.journal import record_from_event
from centralita.app.voice import VoiceSettings
from centralita.app.voice_prompts import position_prompt, position_text
from centralita.core.events import AgentLoggedIn
from centralita.core.waiting import announced_minutes
from centralita.tts import PromptCache
from telephony import voice_harness
from telephony.tel_helpers import (
    loud_blocks_without,
    stop_process,
    until,
    wait_process,
)
from telephony.voice_harness import no_calls_left, run, start_caller, voice_center

MOH = [392.0, 494.0, 587.0]
AGENT_HZ, CALLER_HZ = 1000, 1600

sip_tools = voice_harness.sip_tools("sipp", "espeak-ng", autouse=False)
db_file = voice_harness.db_file


def test_the_announcement_says_the_wait_in_spanish_and_english() -> None:
    assert "número 3 en la fila. El tiempo de espera estimado es de 4 minutos." in (
        position_text(3, "es", 4)
    )
    assert "number 3 in the queue. Your estimated wait is 4 minutes." in position_text(3, "en", 4)
    assert "de un minuto" in position_text(1, "es", 1)
    assert "is one minute" in position_text(1, "en", 1)
    assert "menos de un minuto" in position_text(1, "es", 0)
    assert "less than a minute" in position_text(1, "en", 0)
    # without an estimate: the position only, word for word as before (cached prompts)
    assert position_text(2, "en") == (
        "Your call is important to us. You are number 2 in the queue. Please hold."
    )
    assert "espera" not in position_text(2, "es")


@pytest.mark.slow
@pytest.mark.timeout(120)
@pytest.mark.usefixtures("sip_tools")
def test_given_a_call_handled_when_the_next_caller_waits_then_it_hears_position_and_wait(
    db_file: Path, tmp_path: Path
) -> None:
    caller_wav = tmp_path / "caller-heard.wav"
    prompts = tmp_path / "prompts"
    settings = VoiceSettings(
        announce_first=1.0, announce_every=60, media_timeout=5, prompts_dir=prompts
    )
    found: dict[str, object] = {}

    async def scenario() -> None:
        async with voice_center(db_file, tmp_path, auto_answer=("ana",), settings=settings) as c:
            phone = await c.phone(
                "ana.log", "ana", "--answer", "auto", "--tone", str(AGENT_HZ),
                "--hangup-after", "2",
            )  # fmt: skip
            await until(lambda: c.registrar.contacts("1001"), 20, "ana's phone to register")
            c.runner.handle(AgentLoggedIn(c.agents["ana"]))
            # the first call: ana answers, talks 2 s, hangs up and starts her wrap-up
            sipp = await c.carrier("uac_until_bye.xml")
            assert await wait_process(sipp, 30) == 0
            await until(lambda: c.outcomes() == ["answered"], 10, "the first call's outcome")
            # her phone goes away: the next caller waits through her wrap-up and after
            assert await stop_process(phone) == 0
            caller = await start_caller(c, caller_wav, CALLER_HZ, hold=16, timeout=30)
            await until(lambda: c.voice.prompts_finished, 30, "the announcement to end")
            rc = await wait_process(caller, 40)
            assert rc == 0, (tmp_path / "caller.log").read_text()[-3000:]
            await no_calls_left(c)
            # what the estimate was made of, read back from the log
            answered = [record_from_event(e) for e in c.stored("acd.interaction_answered")]
            closed = [record_from_event(e) for e in c.stored("acd.interaction_closed")]
            first = answered[0].interaction_id
            talk = next(r.at for r in closed if r.interaction_id == first) - answered[0].at
            queue = answered[0].queue_id
            wrap = next(q.wrap_up for q in c.runner.center.directory.queues if q.id == queue)
            found.update(talk=talk, wrap=wrap, queue=queue)
            found["average"] = c.voice.handling.average_handle(queue, wrap)
            found["announced"] = list(c.voice.announced)
            found["waits"] = list(c.voice.announced_waits)

    run(scenario())
    talk, wrap = float(found["talk"]), float(found["wrap"])  # type: ignore[arg-type]
    assert 1.5 < talk < 6 and wrap > 0, found
    # one agent staffed (in wrap-up), first in line: 1 × (talk + wrap-up) ÷ 1
    assert found["average"] == pytest.approx(talk + wrap), found
    minutes = announced_minutes(talk + wrap)
    [(interaction, position)] = found["announced"]  # type: ignore[misc]
    assert position == 1
    assert found["waits"] == [(interaction, minutes)]
    # and the caller heard it: as much speech as the whole prompt, more than the
    # position alone would have been
    cache = PromptCache(prompts)
    with_wait = loud_blocks_without(position_prompt(cache, 1, "es", minutes), MOH)
    position_only = loud_blocks_without(position_prompt(cache, 1, "es"), MOH)
    assert with_wait > 1.3 * position_only
    heard = loud_blocks_without(caller_wav, [*MOH, AGENT_HZ, CALLER_HZ])
    assert 0.85 * with_wait <= heard <= 1.15 * with_wait, (heard, with_wait, position_only)
