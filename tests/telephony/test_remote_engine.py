"""`RemoteEngine` against a scripted worker (a few lines of the protocol, no PJSIP): a
lost connection reports every leg it knew as ended (`worker-lost`, callers' legs
first), fails the commands waiting, refuses new ones, and reconnects to the next run."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from centralita.telephony import CallArrived, CallEnded, TelephonyUnavailable
from centralita.telephony.port import WORKER_LOST, MediaPort
from centralita.telephony.remote import RemoteEngine, parse_address

pytestmark = pytest.mark.timeout(30)


class ScriptedWorker:
    """Says hello as run `w<n>`, answers `dial` with a new leg, announces a call when
    told, and never answers `answer` (so a command is in flight when it dies)."""

    def __init__(self, path: Path, *, answer_at_once: bool = False) -> None:
        self.path = path
        #: The dialled phone answers at once: its event follows the dial's reply in the
        #: same write, as a busy worker sends them to an auto-answer station's call.
        self.answer_at_once = answer_at_once
        self.dialled = 0
        self.runs = 0
        self.server: asyncio.Server | None = None
        self.writers: list[asyncio.StreamWriter] = []

    async def start(self) -> None:
        self.runs += 1
        self.server = await asyncio.start_unix_server(self._serve, str(self.path))

    async def crash(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in self.writers:
            writer.transport.abort()
        self.writers.clear()
        await self.server.wait_closed()
        self.path.unlink()

    def push(self, message: dict[str, Any]) -> None:
        for writer in self.writers:
            writer.write(json.dumps(message).encode() + b"\n")

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writers.append(writer)
        try:
            await self._answer(reader, writer, f"w{self.runs}")
        finally:
            writer.close()

    async def _answer(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, run: str
    ) -> None:
        while line := await reader.readline():
            request = json.loads(line)
            op, rid = request["op"], request["id"]
            if op == "hello":
                info = {"worker": run, "pid": 1, "host": "127.0.0.1", "port": 5090, "uri": ""}
                writer.write(json.dumps({"id": rid, "result": info}).encode() + b"\n")
            elif op == "dial":
                self.dialled += 1
                leg = f"{run}-d{self.dialled}"
                lines: list[dict[str, Any]] = [{"id": rid, "result": leg}]
                if self.answer_at_once:
                    lines.append({"event": "call_answered", "call_id": leg})
                writer.write(b"".join(json.dumps(m).encode() + b"\n" for m in lines))
            elif op == "call_count":
                writer.write(json.dumps({"id": rid, "result": 0}).encode() + b"\n")


def test_given_the_worker_dies_then_its_legs_end_as_worker_lost_and_the_client_reconnects(
    tmp_path: Path,
) -> None:
    async def scenario() -> None:
        fake = ScriptedWorker(tmp_path / "w.sock")
        await fake.start()
        remote = RemoteEngine(f"unix:{fake.path}", retry_max=0.2)
        port: MediaPort = remote  # the same port as the in-process engine
        await remote.start()
        try:
            assert (port.host, port.port, remote.worker) == ("127.0.0.1", 5090, "w1")
            agent_leg = await port.dial("sip:1001@127.0.0.1")
            fake.push({"event": "call_arrived", "call_id": "w1-c1", "ani": "1", "dnis": "2"})
            assert isinstance(await asyncio.wait_for(port.events.get(), 5), CallArrived)
            fake.push({"event": "call_arrived", "call_id": "w1-c2", "ani": "1", "dnis": "2"})
            fake.push({"event": "call_ended", "call_id": "w1-c2", "status": 200, "reason": "OK"})
            assert (await asyncio.wait_for(port.events.get(), 5)).call_id == "w1-c2"  # type: ignore[union-attr]
            assert (await asyncio.wait_for(port.events.get(), 5)).call_id == "w1-c2"  # type: ignore[union-attr]
            in_flight = asyncio.create_task(port.answer("w1-c1"))
            await asyncio.sleep(0.1)
            await fake.crash()
            ended = [await asyncio.wait_for(port.events.get(), 5) for _ in range(2)]
            assert ended == [
                CallEnded("w1-c1", 0, WORKER_LOST),  # the caller's leg first
                CallEnded(agent_leg, 0, WORKER_LOST),
            ]
            with pytest.raises(TelephonyUnavailable):
                await in_flight
            with pytest.raises(TelephonyUnavailable):
                await port.hangup("w1-c1")
            await fake.start()  # the worker's next run
            await asyncio.wait_for(remote.connected.wait(), 5)
            assert remote.worker == "w2" and remote.losses == 1
            assert await port.call_count() == 0
            assert port.events.empty()  # nothing more was reported ended
        finally:
            await remote.stop()
            await fake.crash()

    asyncio.run(scenario())


def test_given_a_dialled_leg_answers_at_once_then_its_event_comes_after_dial_returned_it(
    tmp_path: Path,
) -> None:
    """The center registers a leg when `dial` returns; an event read before that would
    be dropped as a stranger's (a call left ringing for ever). So a leg's events wait
    for its dial's reply to reach the caller, and events of legs nobody dials pass."""

    async def scenario() -> None:
        fake = ScriptedWorker(tmp_path / "w.sock", answer_at_once=True)
        await fake.start()
        remote = RemoteEngine(f"unix:{fake.path}")
        await remote.start()
        known: set[str] = set()
        seen: list[tuple[str, bool]] = []

        async def pump() -> None:  # as VoiceCenter reads events
            while True:
                event = await remote.events.get()
                call_id = getattr(event, "call_id", "")
                seen.append((call_id, call_id in known))

        pumping = asyncio.create_task(pump())
        try:
            for _ in range(20):  # a race lost once in a while is still lost
                seen.clear()
                known.clear()
                leg = await remote.dial("sip:1001@127.0.0.1")
                known.add(leg)  # no await between: as VoiceCenter._offer does
                await asyncio.sleep(0.01)
                assert seen == [(leg, True)]
                fake.push({"event": "call_ended", "call_id": leg, "status": 200, "reason": ""})
                await asyncio.sleep(0.01)
                assert seen[-1] == (leg, True)
            fake.push({"event": "call_answered", "call_id": "w1-c77"})  # nobody dialled it
            await asyncio.sleep(0.05)
            assert seen[-1] == ("w1-c77", False)
        finally:
            pumping.cancel()
            await remote.stop()
            await fake.crash()

    asyncio.run(scenario())


def test_given_a_bad_address_then_it_names_the_accepted_forms() -> None:
    assert parse_address("unix:/run/m.sock") == ("unix", "/run/m.sock", 0)
    assert parse_address("tcp:10.0.0.5:7000") == ("tcp", "10.0.0.5", 7000)
    for bad in ("m.sock", "tcp:10.0.0.5", "tcp:host:99999", "unix:"):
        with pytest.raises(ValueError, match="unix:PATH or tcp:HOST:PORT"):
            parse_address(bad)
