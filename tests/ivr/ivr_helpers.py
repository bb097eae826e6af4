"""Driving an IVR session in tests: a caller that presses, says, waits and hangs up."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml

from centralita.core.ivr import commands as cmd
from centralita.core.ivr.events import (
    DigitsReceived,
    InputTimedOut,
    IvrEvent,
    PlaybackFinished,
    SpeechRecognized,
)
from centralita.core.ivr.flow import Flow
from centralita.core.ivr.flowfile import parse_flow
from centralita.core.ivr.records import IvrEnded, IvrNodeVisited
from centralita.core.ivr.session import Caller, IvrSession

EXAMPLES = Path(__file__).parents[2] / "examples" / "ivr"
BOGOTA = dt.timezone(dt.timedelta(hours=-5))
MONDAY_10AM = dt.datetime(2026, 11, 23, 10, 0, tzinfo=BOGOTA)
SUNDAY_10AM = dt.datetime(2026, 11, 22, 10, 0, tzinfo=BOGOTA)


def example(name: str) -> Flow:
    data = yaml.safe_load((EXAMPLES / name).read_text(encoding="utf-8"))
    return parse_flow(data, name)


def flow(nodes: dict[str, Any], start: str, **settings: Any) -> Flow:
    return parse_flow({"flow": "t", "version": 3, "start": start, "nodes": nodes, **settings}, "t")


class Call:
    """One caller in one session; every output is kept in `outputs`."""

    def __init__(
        self, flow: Flow, now: dt.datetime = MONDAY_10AM, call_id: str = "call-1", **caller: Any
    ) -> None:
        caller.setdefault("number", "+573001234567")
        caller.setdefault("dnis", "6015550100")
        self.session = IvrSession(flow, Caller(call_id, **caller))
        self.now = now
        self.outputs: list[Any] = list(self.session.start(now))
        self.last: list[Any] = list(self.outputs)

    def send(self, event: IvrEvent) -> list[Any]:
        self.last = self.session.handle(event, self.now)
        self.outputs += self.last
        return self.last

    def press(self, digits: str) -> list[Any]:
        return self.send(DigitsReceived(digits))

    def say(self, text: str, confidence: float = 0.9) -> list[Any]:
        return self.send(SpeechRecognized(text, confidence))

    def silence(self) -> list[Any]:
        return self.send(InputTimedOut())

    def played(self) -> list[Any]:
        return self.send(PlaybackFinished())

    def through_prompts(self) -> None:
        """Let every pending Play/Say finish."""
        while self.last and isinstance(self.last[-1], cmd.Play | cmd.Say):
            self.played()

    def commands(self, kind: type | None = None) -> list[Any]:
        found = [o for o in self.outputs if not isinstance(o, IvrNodeVisited | IvrEnded)]
        return [o for o in found if kind is None or isinstance(o, kind)]

    def pending(self) -> Any:
        """The last command of the last step (what the caller is hearing now)."""
        commands = [o for o in self.last if not isinstance(o, IvrNodeVisited | IvrEnded)]
        return commands[-1] if commands else None

    def visited(self) -> list[str]:
        return [o.node for o in self.outputs if isinstance(o, IvrNodeVisited)]

    def ended(self) -> IvrEnded | None:
        ends = [o for o in self.outputs if isinstance(o, IvrEnded)]
        assert len(ends) <= 1
        return ends[0] if ends else None

    def texts(self) -> list[str]:
        """Every text the caller heard, in order."""
        out: list[str] = []
        for o in self.commands():
            if isinstance(o, cmd.Play) and o.prompt.text:
                out.append(o.prompt.text)
            elif isinstance(o, cmd.Collect):
                out += [p.text for p in o.prompts if p.text]
            elif isinstance(o, cmd.Say):
                out.append(o.text)
        return out
