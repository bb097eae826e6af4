"""A carrier's INVITE offering only codecs the center cannot speak (we speak G.711 µ-law
and A-law and G.722) gets 488 Not Acceptable Here, and leaves nothing behind: no
interaction in the core, no event in the log, no call leg, no voice call. The same
center then takes an ordinary G.711 call, so the emptiness is not a dead center's."""

from __future__ import annotations

from pathlib import Path

import pytest

from centralita.core.events import AgentLoggedIn, AgentPaused
from centralita.store import events
from telephony import voice_harness
from telephony.tel_helpers import until, wait_process
from telephony.voice_harness import Center, no_calls_left, run, voice_center

pytestmark = [pytest.mark.slow, pytest.mark.timeout(90)]

sip_tools = voice_harness.sip_tools("sipp")
db_file = voice_harness.db_file


def logged(c: Center) -> list[str]:
    """Kinds of every event in the log, oldest first."""
    c.runner.commit()
    with c.store.read() as session:
        return [e.kind for e in events.read(session, limit=10**6)]


@pytest.mark.parametrize(
    ("payload_type", "codec"),
    [
        ("3", "GSM/8000"),  # a static payload type we do not build (Debian stripped GSM)
        ("111", "opus/48000/2"),  # a dynamic one we do not build either
        ("96", "X-NOTHING/8000"),  # a codec nobody knows
    ],
)
def test_given_invite_offering_only_a_codec_we_cannot_speak_then_488_and_nothing_left(
    db_file: Path, tmp_path: Path, payload_type: str, codec: str
) -> None:
    async def scenario() -> None:
        async with voice_center(db_file, tmp_path) as c:
            c.runner.handle(AgentLoggedIn(c.agents["ana"]))
            c.runner.handle(AgentPaused(c.agents["ana"], "break"))  # nobody takes calls
            before = len(logged(c))
            # sipp exits 0 only if the final answer was 488 (and it sent the ACK)
            sipp = await c.carrier(
                "uac_codec_refused.xml", "-key", "pt", payload_type, "-key", "codec", codec
            )
            assert await wait_process(sipp, 30) == 0
            assert c.runner.center.router.interaction_ids() == ()
            assert logged(c)[before:] == []  # nothing journaled
            assert c.voice.calls == {}
            await no_calls_left(c, timeout=5)

            # the same center takes a call in G.711: it enters the core and is counted
            sipp = await c.carrier("uac_hangup.xml", "-d", "1000")
            assert await wait_process(sipp, 30) == 0
            await until(lambda: c.outcomes(), 10, "the G.711 call's outcome")
            assert c.outcomes() == ["short_abandoned"]
            await no_calls_left(c)

    run(scenario())
