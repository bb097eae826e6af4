"""Voice benchmark:
`python benchmarks/voice.py [calls] [calls/s] [hold s] [clock rate] [media quality]`.

Defaults: 300 calls at 50 a second, each held 15 s, the bridge at serve's default
rate (`config.MEDIA_CLOCK_RATE`, 8 kHz), the
engine's media quality (`EngineConfig.media_quality`; 8 is PJSUA's own default, 2 the
cheapest resampler). sipp calls a center on 127.0.0.1 that answers each call, queues
it, offers it to an agent and bridges it with the agent's PJSIP phone (a bank of
registered, auto-answering phones in another process); the SIP/RTP engine runs in the
center's media worker process (`centralita media`), as `serve` runs it. Prints JSON:
calls bridged at once, set-up rate, the media worker's CPU share and peak memory, the
center process's, failed calls (logic in centralita.perf.voice). Needs sipp and the
pjsua2 build.
"""

from __future__ import annotations

import json
import sys

from centralita.perf.voice import run

if __name__ == "__main__":
    args = [float(a) for a in sys.argv[1:]]
    calls = int(args[0]) if args else 300
    rate = args[1] if len(args) > 1 else 50.0
    hold = args[2] if len(args) > 2 else 15.0
    options = {"clock_rate": int(args[3])} if len(args) > 3 else {}
    if len(args) > 4:
        options["media_quality"] = int(args[4])
    print(json.dumps(run(calls, rate, hold, **options), indent=2))
