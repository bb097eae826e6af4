"""An agent's phone for the voice tests, run as a subprocess (one PJSIP endpoint per
process): registers --user/--password at --registrar (without --registrar it only
listens on --port: a customer's phone behind a trunk), then takes incoming calls:

  --answer auto     answer at once if the INVITE asks for auto-answer, else ring forever
  --answer ring     ring forever (180), never answer (ring-no-answer)
  --answer reject   486 Busy Here
  --answer after:S  ring, answer after S seconds

Once a call is up it records what it hears to --record (``%d`` → the call's number) and
plays a --tone; with --hangup-after S it hangs up S seconds later. It exits 0 after
--calls calls ended, or on SIGTERM (unregistering first). Every event goes to stdout,
one line each ("registration 200 300", "incoming c1 auto=True", "answered c1", ...), for
the test to follow.
"""

from __future__ import annotations

import argparse
import asyncio
import faulthandler
import logging
import signal
import sys

from centralita.telephony import (
    CallAnswered,
    CallArrived,
    CallEnded,
    Engine,
    EngineConfig,
    Registration,
    RegistrationChanged,
)


def say(*words: object) -> None:
    print(*words, flush=True)


async def main(args: argparse.Namespace) -> int:
    loop = asyncio.get_running_loop()
    try:
        return await _run(args)
    finally:
        # after its last call the phone exits by itself, and the harness may stop it
        # meanwhile: a SIGTERM while the loop closes (its handler gone) must not kill it
        loop.remove_signal_handler(signal.SIGTERM)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)


async def _run(args: argparse.Namespace) -> int:
    registration = (
        Registration(args.registrar, args.user, args.password, expires=args.expires)
        if args.registrar
        else None
    )
    config = EngineConfig(port=args.port, log_level=2, registration=registration)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with Engine(config) as engine:
        say("listening", engine.port)
        ended = 0
        numbers: dict[str, int] = {}
        timers: list[asyncio.Task[None]] = []

        async def answer_later(call_id: str, delay: float) -> None:
            await asyncio.sleep(delay)
            await engine.answer(call_id)

        async def hang_up_later(call_id: str, delay: float) -> None:
            await asyncio.sleep(delay)
            say("hanging up", call_id)
            await engine.hangup(call_id)

        stopping = asyncio.create_task(stop.wait())
        while ended < args.calls:
            getting = asyncio.create_task(engine.events.get())
            done, _ = await asyncio.wait({getting, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if getting not in done:
                getting.cancel()
                say("stopping on SIGTERM")
                break
            event = getting.result()
            if isinstance(event, RegistrationChanged):
                say("registration", event.status, event.expires)
                if args.exit_on_refusal and event.status >= 300:
                    return 3
            elif isinstance(event, CallArrived):
                numbers[event.call_id] = len(numbers) + 1
                say("incoming", event.call_id, f"auto={event.auto_answer}", event.ani)
                mode = args.answer
                if mode == "reject":
                    await engine.hangup(event.call_id, 486)
                    continue
                await engine.ring(event.call_id)
                if mode == "auto" and event.auto_answer:
                    await engine.answer(event.call_id)
                elif mode.startswith("after:"):
                    delay = float(mode.split(":", 1)[1])
                    timers.append(asyncio.create_task(answer_later(event.call_id, delay)))
            elif isinstance(event, CallAnswered):
                say("answered", event.call_id)
                if args.record:
                    path = args.record.replace("%d", str(numbers.get(event.call_id, 0)))
                    await engine.record(event.call_id, path)
                if args.tone:
                    await engine.play_tone(event.call_id, args.tone)
                if args.hangup_after > 0:
                    timers.append(
                        asyncio.create_task(hang_up_later(event.call_id, args.hangup_after))
                    )
            elif isinstance(event, CallEnded):
                ended += 1
                say("ended", event.call_id, event.status, event.reason)
        for timer in timers:
            timer.cancel()
        stopping.cancel()
    say("stopped")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--registrar", default="")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--user", default="")
    parser.add_argument("--password", default="")
    parser.add_argument("--expires", type=int, default=300)
    parser.add_argument("--answer", default="auto")
    parser.add_argument("--tone", type=int, default=0)
    parser.add_argument("--record", default="")
    parser.add_argument("--hangup-after", type=float, default=0.0)
    parser.add_argument("--calls", type=int, default=1)
    parser.add_argument("--exit-on-refusal", action="store_true")
    logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(name)s: %(message)s")
    faulthandler.enable()
    sys.exit(asyncio.run(main(parser.parse_args())))
