"""How a call leaves the IVR (`app/voice_ivr.py`): to a queue through the voice
center's admission (with the queue node's music, announcements and callback offer,
`voice_ivr_queue`), to a number through a trunk, or to a voicemail box."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from centralita.app.voice_ivr_queue import announcements, announcer, node_music, offer_callback
from centralita.core.ivr import commands as cmd
from centralita.errors import CentralitaError
from centralita.telephony import CallAnswered, CallEnded, DigitReceived, TelephonyEvent

if TYPE_CHECKING:
    from centralita.app.voice_ivr import VoiceIvr
    from centralita.app.voice_ivr_line import IvrCall

log = logging.getLogger(__name__)
VOICEMAIL_LONGEST = 120.0


# --- leaving the IVR -----------------------------------------------------------------
async def enqueue(ivr: VoiceIvr, call: IvrCall, enqueue: cmd.Enqueue) -> None:
    """Hand the leg to the voice center's admission, as the same interaction."""
    call.left = True
    ivr.line.quiet(call)
    voice, routing = ivr.voice, call.routing
    await voice.quietly(voice.engine.stop_playback(call.leg))
    queue = enqueue.queue
    known = voice.runner.center.directory.queue_by_name
    if (routing.tenant_id, queue) not in known:
        log.error(
            "ivr: flow %s sends %s to queue %r, which tenant %d does not have; using the "
            "campaign's queue %r",
            call.session.flow.id,
            call.interaction_id,
            queue,
            routing.tenant_id,
            routing.queue,
        )
        queue = routing.queue
    _warn_if_nobody_qualifies(ivr, call, queue, enqueue.skills)
    admitted = voice.admit(
        call.leg,
        tenant_id=routing.tenant_id,
        queue=queue,
        ani=call.ani,
        dnis=call.dnis,
        contact_id=routing.contact_id,
        campaign_id=routing.campaign_id,
        trunk=call.trunk,
        interaction_id=call.interaction_id,
        answered=True,
        music=node_music(call, enqueue.music),
        announce=announcer(ivr, announcements(enqueue, voice.settings)),
        priority=enqueue.priority,
        language=enqueue.language,
        segment=enqueue.segment,
        skills=enqueue.skills,
        attributes=dict(enqueue.attributes),
        arrived_at=call.arrived_at,
    )
    # From here to admit()'s first await nothing yields, so no event of the leg is
    # lost: the voice center hears the leg from now on, and what we had not read yet.
    del voice.leg_handlers[call.leg]
    leftovers = []
    while not call.inbox.empty():
        leftovers.append(call.inbox.get_nowait())
    queued = await admitted
    if queued is not None and enqueue.callback_after is not None:
        offer_callback(
            ivr,
            queued,
            after=enqueue.callback_after,
            key=enqueue.callback_key,
            language=enqueue.language,
        )
    for item in leftovers:  # keys pressed before the offer are ignored by it
        if isinstance(item, CallEnded | DigitReceived):
            voice.engine.events.put_nowait(item)


def _warn_if_nobody_qualifies(
    ivr: VoiceIvr, call: IvrCall, queue: str, skills: tuple[tuple[str, int], ...]
) -> None:
    """The flow's skills join the queue's (`LiveCenter.arrive`): log it when no member of
    the queue holds them, since then only the queue's relaxation or maximum wait ends the
    wait (a misspelt skill in a flow file, say)."""
    if not skills:
        return
    directory = ivr.voice.runner.center.directory
    queue_id = directory.queue_by_name[(call.routing.tenant_id, queue)]
    members = next((q.members for q in directory.queues if q.id == queue_id), ())
    held = {a.id: a.skills for a in directory.agents}
    if not any(all(held.get(m, {}).get(s, 0) >= n for s, n in skills) for m in members):
        log.warning(
            "ivr: no agent of queue %r holds %s, which flow %s requires for %s",
            queue,
            ", ".join(f"{s}:{n}" for s, n in skills),
            call.session.flow.id,
            call.interaction_id,
        )


async def transfer(ivr: VoiceIvr, call: IvrCall, number: str) -> None:
    """Call `number` through the first trunk (the caller hears a ringback tone) and
    bridge the caller with it; either hanging up ends both."""
    call.left = True
    ivr.line.quiet(call)
    voice = ivr.voice
    trunks = voice.settings.trunks
    if not trunks:
        log.error("ivr: no trunk to transfer %s to %s; hanging up", call.interaction_id, number)
        await voice.quietly(voice.engine.hangup(call.leg))
        return
    await voice.quietly(voice.engine.stop_playback(call.leg))
    await voice.quietly(voice.engine.play_tone(call.leg, 425))  # before the number answers
    try:
        other = await voice.originator.dial_number(trunks[0], number)
    except CentralitaError as exc:
        log.error("ivr: transfer of %s to %s failed: %s", call.interaction_id, number, exc)
        await voice.quietly(voice.engine.hangup(call.leg))
        return

    async def on_event(event: TelephonyEvent) -> None:
        mine = getattr(event, "call_id", "")
        if isinstance(event, CallAnswered) and mine == other:
            await voice.quietly(voice.engine.bridge(call.leg, other))  # ends the ringback
        elif isinstance(event, CallEnded):
            for leg in (call.leg, other):
                voice.leg_handlers.pop(leg, None)
            await voice.quietly(voice.engine.hangup(other if mine == call.leg else call.leg))

    voice.leg_handlers[other] = on_event
    await _hand_over(ivr, call, on_event)


async def voicemail(ivr: VoiceIvr, call: IvrCall, box: str) -> None:
    """Record the caller until they hang up (at most two minutes)."""
    call.left = True
    ivr.line.quiet(call)
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in box) or "default"
    path = ivr.work_dir / "voicemail" / safe / f"{call.interaction_id}.wav"
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = ivr.voice.engine
    await ivr.voice.quietly(engine.stop_playback(call.leg))
    await ivr.voice.quietly(engine.record(call.leg, path))
    log.info("ivr: voicemail of %s for box %s in %s", call.interaction_id, box, path)
    loop = asyncio.get_running_loop()
    timer = loop.call_later(
        VOICEMAIL_LONGEST, lambda: ivr.spawn(ivr.voice.quietly(engine.hangup(call.leg)))
    )

    async def on_event(event: TelephonyEvent) -> None:
        if isinstance(event, CallEnded):
            timer.cancel()
            ivr.voice.leg_handlers.pop(call.leg, None)

    await _hand_over(ivr, call, on_event)


async def _hand_over(
    ivr: VoiceIvr, call: IvrCall, handler: Callable[[TelephonyEvent], Awaitable[None]]
) -> None:
    """`handler` hears the caller's leg from now on, starting with the hang-up the IVR
    had not read yet, if there is one."""
    ivr.voice.leg_handlers[call.leg] = handler
    while not call.inbox.empty():
        item = call.inbox.get_nowait()
        if isinstance(item, CallEnded):
            await handler(item)
