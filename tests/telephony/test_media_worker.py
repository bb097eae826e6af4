"""`centralita media`, the SIP engine as a worker process: its socket protocol (JSON
lines), the errors it names, the TCP token, and `RemoteEngine` raising what the
in-process engine raises. A real worker (PJSIP) in a subprocess."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from centralita.telephony import CallAnswered, NoSuchCall
from centralita.telephony.remote import RemoteEngine
from centralita.telephony.wire import TokenRefused
from support import free_port
from telephony.tel_helpers import SIPP_DIR, free_udp_port, stop_process, wait_process

pytestmark = pytest.mark.timeout(60)
TOKEN = "a-shared-secret"


@asynccontextmanager
async def worker(tmp: Path, *args: str, sip_port: int = 0) -> AsyncIterator[Path]:
    sock = tmp / "media.sock"
    with (tmp / "worker.log").open("wb") as out:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "centralita.cli.main", "media",
            "--socket", str(sock), "--sip-port", str(sip_port), *args,
            stdout=out, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
    try:
        for _ in range(300):
            if sock.exists() or proc.returncode is not None:
                break
            await asyncio.sleep(0.05)
        assert sock.exists(), (tmp / "worker.log").read_text()
        yield sock
    finally:
        assert await stop_process(proc) == 0, (tmp / "worker.log").read_text()[-3000:]
    assert not sock.exists()  # removed on the way out


class Line:
    """A raw protocol client: one line out, one line back."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def ask(self, line: bytes | dict[str, Any]) -> dict[str, Any]:
        raw = line if isinstance(line, bytes) else json.dumps(line).encode() + b"\n"
        self.writer.write(raw)
        answer = await asyncio.wait_for(self.reader.readline(), 10)
        assert answer, "the worker closed the connection"
        result: dict[str, Any] = json.loads(answer)
        return result


def test_given_bad_requests_then_each_gets_an_error_naming_it_and_the_worker_keeps_serving(
    pjsua2: ModuleType, tmp_path: Path
) -> None:
    async def scenario() -> None:
        async with worker(tmp_path) as sock:
            c = Line(*await asyncio.open_unix_connection(str(sock)))
            bad = await c.ask(b"{not json\n")
            assert (bad["id"], bad["error"]["code"], bad["error"]["field"]) == (
                None,
                "invalid-request",
                "line",
            )
            unknown = await c.ask({"id": 1, "op": "explode", "args": {}})
            assert unknown["id"] == 1
            assert unknown["error"]["field"] == "op"
            assert "'explode'" in unknown["error"]["message"]
            assert "answer" in unknown["error"]["accepted"]
            missing = await c.ask({"id": 2, "op": "bridge", "args": {"call_a": "x"}})
            assert missing["error"] == {
                "code": "invalid-request",
                "message": "bridge needs call_b",
                "field": "args.call_b",
            }
            tone = {"call_id": "x", "freq_hz": "9"}
            typed = await c.ask({"id": "t", "op": "play_tone", "args": tone})
            assert (typed["id"], typed["error"]["field"]) == ("t", "args.freq_hz")
            extra = await c.ask({"id": 3, "op": "answer", "args": {"call_id": "x", "now": 1}})
            assert extra["error"]["field"] == "args.now"
            no_id = await c.ask({"op": "call_count"})
            assert no_id["error"]["field"] == "id"
            huge = await c.ask(b'{"id": 4, "op": "' + b"x" * 70_000 + b'"}\n')
            assert huge["error"]["field"] == "line"
            deep = await c.ask(b"[" * 60_000 + b"\n")
            assert deep["error"]["field"] == "line"
            latin = await c.ask(b'{"id": 4, "op": "\xff"}\n')
            assert latin["error"]["field"] == "line"
            # the engine's own refusals keep their codes
            gone = await c.ask({"id": 5, "op": "hangup", "args": {"call_id": "c404"}})
            assert gone["error"] == {
                "code": "no-such-call",
                "message": "no such call: call_id='c404'",
                "call_id": "c404",
            }
            keys = {"call_id": "x", "digits": "?"}
            digits = await c.ask({"id": 6, "op": "send_digits", "args": keys})
            assert digits["error"]["code"] == "invalid-argument"
            # still serving, on this connection and a new one
            assert await c.ask({"id": 7, "op": "call_count"}) == {"id": 7, "result": 0}
            hello = await c.ask({"id": 8, "op": "hello"})
            assert hello["result"]["port"] > 0 and hello["result"]["worker"].startswith("w")
            c.writer.close()
            async with RemoteEngine(f"unix:{sock}") as remote:
                assert await remote.call_count() == 0
                with pytest.raises(NoSuchCall) as no_call:
                    await remote.answer("c404")
                assert no_call.value.to_dict()["call_id"] == "c404"
                with pytest.raises(ValueError, match="digits"):
                    await remote.send_digits("c404", "?")  # refused before it is sent
                assert remote.uri == f"sip:127.0.0.1:{remote.port}"

    asyncio.run(scenario())
    # Started by hand without --clock-rate, it bridges at serve's default rate (8 kHz).
    assert "bridge at 8000 Hz" in (tmp_path / "worker.log").read_text()


def test_given_tcp_with_a_token_then_only_a_hello_with_it_is_served(
    pjsua2: ModuleType, tmp_path: Path
) -> None:
    port = free_port()

    async def scenario() -> None:
        async with worker(tmp_path, "--tcp", f"127.0.0.1:{port}", "--token", TOKEN):
            c = Line(*await asyncio.open_connection("127.0.0.1", port))
            refused = await c.ask({"id": 1, "op": "call_count"})
            assert refused["error"]["code"] == "media-token-refused"
            assert await c.reader.read() == b""  # and the connection is closed
            c.writer.close()
            c = Line(*await asyncio.open_connection("127.0.0.1", port))
            wrong = await c.ask({"id": 1, "op": "hello", "args": {"token": "guess"}})
            assert wrong["error"]["code"] == "media-token-refused"
            c.writer.close()
            with pytest.raises(TokenRefused):
                await RemoteEngine(f"tcp:127.0.0.1:{port}", token="guess").start()
            async with RemoteEngine(f"tcp:127.0.0.1:{port}", token=TOKEN) as remote:
                assert await remote.call_count() == 0

    asyncio.run(scenario())


def test_given_no_token_then_the_worker_refuses_to_listen_on_tcp(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from centralita.cli.main import app

    result = CliRunner().invoke(
        app, ["media", "--socket", str(tmp_path / "m.sock"), "--tcp", "127.0.0.1:7000"], env={}
    )
    assert result.exit_code == 2
    assert "--tcp needs --token" in result.output


def test_given_no_center_connected_when_a_call_arrives_then_the_worker_answers_503(
    pjsua2: ModuleType, sipp: str, tmp_path: Path
) -> None:
    """Nobody would drive the call: refused at once, not left ringing (sipp exits 0 only
    on the 503, and ACKs it); the worker holds no leg afterwards."""
    sip_port = free_udp_port()

    async def scenario() -> None:
        async with worker(tmp_path, sip_port=sip_port) as sock:
            argv = [f"127.0.0.1:{sip_port}", "-sf", str(SIPP_DIR / "uac_no_center.xml")]
            argv += ["-s", "6015550100", "-key", "ani", "3001234567", "-key", "pt", "0"]
            argv += ["-key", "codec", "PCMU/8000", "-mp", str(free_udp_port())]
            argv += ["-i", "127.0.0.1", "-mi", "127.0.0.1", "-m", "1", "-nostdin"]
            argv += ["-timeout", "20s", "-timeout_error"]
            carrier = await asyncio.create_subprocess_exec(
                sipp, *argv, stdout=asyncio.subprocess.DEVNULL, cwd=tmp_path
            )
            assert await wait_process(carrier, 30) == 0
            async with RemoteEngine(f"unix:{sock}") as remote:
                assert await remote.call_count() == 0

    asyncio.run(scenario())


def test_given_a_call_up_when_its_center_disconnects_then_the_worker_hangs_it_up(
    pjsua2: ModuleType, sipp: str, tmp_path: Path
) -> None:
    """The center has reported the legs ended (`worker-lost`) when its connection
    broke, so the worker must not keep them: the answered number gets a BYE (sipp exits
    0 only on it) and the worker holds no leg."""
    number_port = free_udp_port()

    async def scenario() -> None:
        async with worker(tmp_path) as sock:
            argv = ["-sf", str(SIPP_DIR / "uas_answer.xml"), "-p", str(number_port)]
            argv += ["-mp", str(free_udp_port()), "-i", "127.0.0.1", "-mi", "127.0.0.1"]
            argv += ["-m", "1", "-nostdin", "-timeout", "30s", "-timeout_error"]
            number = await asyncio.create_subprocess_exec(
                sipp, *argv, stdout=asyncio.subprocess.DEVNULL, cwd=tmp_path
            )
            center = RemoteEngine(f"unix:{sock}")
            await center.start()
            leg = await center.dial(f"sip:6015550111@127.0.0.1:{number_port}")
            event = await asyncio.wait_for(center.events.get(), 10)
            while not isinstance(event, CallAnswered):  # CallRinging first
                event = await asyncio.wait_for(center.events.get(), 10)
            assert event.call_id == leg
            await center.stop()  # the center goes away with the call up
            assert await wait_process(number, 30) == 0
            async with RemoteEngine(f"unix:{sock}") as again:
                assert await again.call_count() == 0

    asyncio.run(scenario())
