"""A second SIP user agent for the audio tests, run as a subprocess (PJSIP allows one
endpoint per process): it calls --target, plays a --tone to the callee, records what
it hears to --record, keys --digits (RFC 4733) once the call is up, hangs up after
--hold seconds of established call, and exits 0 if all of that happened. Prints each
event on stdout for the test's failure message.
"""

from __future__ import annotations

import argparse
import asyncio
import faulthandler
import logging
import sys
import time

from centralita.telephony import CallAnswered, CallEnded, Engine, EngineConfig


async def main(args: argparse.Namespace) -> int:
    async with Engine(EngineConfig(port=0, log_level=3)) as engine:
        call_id = await engine.dial(args.target)
        print("dialled", call_id, flush=True)
        deadline = time.monotonic() + args.timeout
        answered_at: float | None = None
        while True:
            remaining = deadline - time.monotonic()
            if answered_at is not None:
                remaining = min(remaining, answered_at + args.hold - time.monotonic())
            if remaining <= 0:
                if answered_at is None:
                    print("timed out waiting for the answer", flush=True)
                    return 1
                print("hanging up", flush=True)
                await engine.hangup(call_id)
                answered_at = None
                deadline = time.monotonic() + 10
                continue
            try:
                event = await asyncio.wait_for(engine.events.get(), remaining)
            except TimeoutError:
                continue
            print("event", event, flush=True)
            if isinstance(event, CallAnswered) and event.call_id == call_id:
                print("recording and playing", flush=True)
                if args.record:
                    await engine.record(call_id, args.record)
                await engine.play_tone(call_id, args.tone)
                if args.digits:
                    print("sending digits", args.digits, flush=True)
                    await engine.send_digits(call_id, args.digits)
                answered_at = time.monotonic()
            elif isinstance(event, CallEnded) and event.call_id == call_id:
                print("call ended; stopping the engine", flush=True)
                return 0 if event.status == 200 else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--target", required=True)
    parser.add_argument("--tone", type=int, required=True)
    parser.add_argument("--record", default="")
    parser.add_argument("--digits", default="")
    parser.add_argument("--hold", type=float, default=2.0)
    parser.add_argument("--timeout", type=float, default=15.0)
    logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(name)s: %(message)s")
    faulthandler.enable()  # a crash prints every thread's Python stack
    rc = asyncio.run(main(parser.parse_args()))
    print("engine stopped; exit", rc, flush=True)
    sys.exit(rc)
