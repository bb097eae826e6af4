"""A bank of auto-answering phones for the demo, in a process of its own (PJSIP allows
one endpoint per process, and the center's engine is in the server's):

    python -m centralita.app.voice_phones --registrar sip:127.0.0.1:5061 < phones.json

reads `[{"extension": "2001", "password": "..."}, ...]` on stdin, registers every
extension with the registrar, and for each call: rings 1–3 s, answers, says a short
sentence in a loop (espeak-ng, or a soft tone without it), and hangs up after 20–90 s.
Stops on SIGTERM or when stdin's parent goes away (unregistering first).

The voice benchmark uses it with `--ring-max 0` (answer at once), `--tone HZ` (a tone
instead of speech), `--talk-max 0` (never hang up: the caller's side does) and
`--clock-rate 8000` (no resampling of G.711: the bank spends less of the machine).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import random
import signal
import sys
from pathlib import Path

from centralita.telephony import (
    CallAnswered,
    CallArrived,
    CallEnded,
    Engine,
    EngineConfig,
    Registration,
    RegistrationChanged,
    TelephonyError,
)
from centralita.tts import PromptCache

log = logging.getLogger("centralita.voice_phones")
SENTENCE = "Buenos días, le atiende el centro de contacto de demostración. ¿En qué le ayudo?"


def agent_voice(prompts_dir: Path) -> Path | None:
    """The robots' sentence as a WAV (synthesised once), or None without espeak-ng."""
    try:
        return PromptCache(prompts_dir).prompt(SENTENCE, language="es", sample_rate=16000)
    except Exception:
        log.warning("no espeak-ng: the demo's agents will play a tone instead")
        return None


async def run_phones(
    registrar: str,
    phones: list[dict[str, str]],
    *,
    prompts_dir: Path,
    talk: tuple[float, float] = (20.0, 90.0),
    ring: tuple[float, float] = (1.0, 3.0),
    tone: int | None = None,
    max_calls: int = EngineConfig.max_calls,
    clock_rate: int = EngineConfig.clock_rate,
    seed: int | None = None,
) -> None:
    """Run the bank until SIGTERM. `ring`: seconds before answering; `talk`: before
    hanging up (0 to 0: never, the other side does); `tone`: play this tone instead of
    the sentence; `clock_rate`: the bank's bridge rate (8000 spares resampling G.711)."""
    rng = random.Random(seed)
    voice = None if tone else await asyncio.to_thread(agent_voice, prompts_dir)
    registrations = tuple(Registration(registrar, p["extension"], p["password"]) for p in phones)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    config = EngineConfig(
        port=0,
        log_level=1,
        registrations=registrations,
        max_calls=max_calls,
        clock_rate=clock_rate,
    )
    async with Engine(config) as engine:
        timers: set[asyncio.Task[None]] = set()

        def later(delay: float, action: str, call_id: str) -> None:
            async def run() -> None:
                await asyncio.sleep(delay)
                try:
                    if action == "answer":
                        await engine.answer(call_id)
                    else:
                        await engine.hangup(call_id)
                except TelephonyError:
                    pass  # the call ended meanwhile

            task = asyncio.create_task(run())
            timers.add(task)
            task.add_done_callback(timers.discard)

        stopping = asyncio.create_task(stop.wait())
        while not stop.is_set():
            getting = asyncio.create_task(engine.events.get())
            done, _ = await asyncio.wait({getting, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if getting not in done:
                getting.cancel()
                break
            event = getting.result()
            try:
                if isinstance(event, RegistrationChanged):
                    print("registration", event.username, event.status, flush=True)
                elif isinstance(event, CallArrived):
                    if ring[1] > 0:
                        await engine.ring(event.call_id)
                        later(rng.uniform(*ring), "answer", event.call_id)
                    else:
                        await engine.answer(event.call_id)
                elif isinstance(event, CallAnswered):
                    if voice is not None:
                        await engine.play_file(event.call_id, voice, loop=True)
                    else:
                        await engine.play_tone(event.call_id, tone or 440, volume=-20)
                    if talk[1] > 0:
                        later(rng.uniform(*talk), "hangup", event.call_id)
                elif isinstance(event, CallEnded):
                    print("ended", event.call_id, event.status, flush=True)
            except TelephonyError as exc:
                log.info("phone bank: %s", exc)
        for task in list(timers):
            task.cancel()
        stopping.cancel()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--registrar", required=True)
    parser.add_argument("--prompts", default="var/prompts")
    parser.add_argument("--talk-min", type=float, default=20.0)
    parser.add_argument("--talk-max", type=float, default=90.0, help="0: never hang up")
    parser.add_argument("--ring-min", type=float, default=1.0)
    parser.add_argument("--ring-max", type=float, default=3.0, help="0: answer at once")
    parser.add_argument("--tone", type=int, default=None, help="a tone (Hz) instead of speech")
    parser.add_argument("--max-calls", type=int, default=EngineConfig.max_calls)
    parser.add_argument("--clock-rate", type=int, default=EngineConfig.clock_rate)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
    phones = json.loads(sys.stdin.read())
    asyncio.run(
        run_phones(
            args.registrar,
            phones,
            prompts_dir=Path(args.prompts),
            talk=(args.talk_min, args.talk_max),
            ring=(args.ring_min, args.ring_max),
            tone=args.tone,
            max_calls=args.max_calls,
            clock_rate=args.clock_rate,
        )
    )


if __name__ == "__main__":
    main()
