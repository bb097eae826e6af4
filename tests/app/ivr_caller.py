"""A caller for the IVR tests, run as a subprocess (PJSIP allows one endpoint per
process): calls --target with --ani as its From, records what it hears to --record,
and once the call is up obeys lines on stdin, so the test can answer each question
when the IVR asks it:

  digits 12#        press keys (RFC 4733 telephone-events)
  play /x.wav       say something: play a WAV file to the center
  hangup            hang up

It exits 0 once the call ended after being answered (either side hanging up), 1 if it
was never answered within --timeout. Every event goes to stdout, one line each.
"""

from __future__ import annotations

import argparse
import asyncio
import faulthandler
import logging
import sys
import threading

from centralita.telephony import CallAnswered, CallEnded, Engine, EngineConfig


def say(*words: object) -> None:
    print(*words, flush=True)


async def main(args: argparse.Namespace) -> int:
    loop = asyncio.get_running_loop()
    orders: asyncio.Queue[str] = asyncio.Queue()

    def read_stdin() -> None:
        for line in sys.stdin:
            loop.call_soon_threadsafe(orders.put_nowait, line.strip())

    threading.Thread(target=read_stdin, daemon=True).start()
    async with Engine(EngineConfig(port=0, log_level=2)) as engine:
        from_uri = f"sip:{args.ani}@127.0.0.1" if args.ani else None
        call_id = await engine.dial(args.target, from_uri=from_uri)
        say("dialled", call_id)
        answered = False
        deadline = loop.time() + args.timeout
        events = asyncio.ensure_future(engine.events.get())
        order = asyncio.ensure_future(orders.get())
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                say("timed out; hanging up")
                await engine.hangup(call_id)
                deadline = loop.time() + 10
                continue
            done, _ = await asyncio.wait(
                {events, order}, timeout=remaining, return_when=asyncio.FIRST_COMPLETED
            )
            if order in done:
                line = order.result()
                order = asyncio.ensure_future(orders.get())
                verb, _, rest = line.partition(" ")
                say("order", line)
                try:
                    if verb == "digits":
                        await engine.send_digits(call_id, rest)
                    elif verb == "play":
                        await engine.stop_playback(call_id)
                        await engine.play_file(call_id, rest)
                    elif verb == "hangup":
                        await engine.hangup(call_id)
                except Exception as exc:  # the call may have ended meanwhile
                    say("order failed", exc)
            if events in done:
                event = events.result()
                events = asyncio.ensure_future(engine.events.get())
                say("event", event)
                if isinstance(event, CallAnswered) and event.call_id == call_id:
                    answered = True
                    if args.record:
                        await engine.record(call_id, args.record)
                    say("answered")
                elif isinstance(event, CallEnded) and event.call_id == call_id:
                    say("ended", event.status)
                    order.cancel()
                    events.cancel()
                    return 0 if answered else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--target", required=True)
    parser.add_argument("--ani", default="")
    parser.add_argument("--record", default="")
    parser.add_argument("--timeout", type=float, default=60.0)
    logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(name)s: %(message)s")
    faulthandler.enable()
    rc = asyncio.run(main(parser.parse_args()))
    say("engine stopped; exit", rc)
    sys.exit(rc)
