"""The stations' registrar: digest authentication against real PJSIP user agents on
127.0.0.1, and its answers to odd requests on a raw socket."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from typing import Any

import pytest

from centralita.telephony import digest
from centralita.telephony.registrar import (
    Registrar,
    RegistrationRefused,
    StationCredentials,
    StationRegistered,
    StationUnregistered,
)
from telephony.tel_helpers import log_has, start_agent_ua, stop_process, until, wait_process

REALM = "centralita"
PASSWORDS = {"1001": "s3cret-1001", "1002": "s3cret-1002"}


def book(extension: str) -> StationCredentials | None:
    password = PASSWORDS.get(extension)
    if password is None:
        return None
    return StationCredentials(
        extension,
        {alg: digest.ha1(extension, REALM, password, alg) for alg in digest.ALGORITHMS},
    )


def run(coro: Any, timeout: float = 45) -> Any:
    return asyncio.run(asyncio.wait_for(coro, timeout))


# --- digest, pure -----------------------------------------------------------------------


def test_digest_response_matches_rfc2617_worked_example() -> None:
    answer = digest.Answer(
        username="Mufasa",
        realm="testrealm@host.com",
        nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093",
        uri="/dir/index.html",
        response="6629fae49393a05397450978507c4ef1",
        qop="auth",
        nc="00000001",
        cnonce="0a4f113b",
    )
    secret = digest.ha1("Mufasa", "testrealm@host.com", "Circle Of Life")
    assert digest.check(answer, "GET", secret)
    assert not digest.check(answer, "GET", digest.ha1("Mufasa", "testrealm@host.com", "wrong"))


def test_nonces_are_refused_when_forged_and_aged_by_their_own_clock() -> None:
    nonce = digest.make_nonce(b"k" * 32, 1000.0)
    assert digest.nonce_age(b"k" * 32, nonce, 1010.0) == pytest.approx(10.0)
    assert digest.nonce_age(b"x" * 32, nonce, 1010.0) is None
    assert digest.nonce_age(b"k" * 32, "garbage!", 1010.0) is None


def test_authorization_header_params_are_parsed_with_quotes_and_commas() -> None:
    params = digest.parse_authorization(
        'Digest username="1001", realm="centralita", nonce="a,b", uri="sip:127.0.0.1",'
        ' response="00ff", algorithm=MD5, qop=auth, nc=00000001, cnonce="x y"'
    )
    assert params is not None
    assert (params["nonce"], params["cnonce"], params["qop"]) == ("a,b", "x y", "auth")
    assert digest.parse_authorization("Basic dXNlcjpwYXNz") is None


# --- over UDP with PJSIP ----------------------------------------------------------------

pjsip = pytest.mark.usefixtures("pjsua2")


@pjsip
@pytest.mark.slow
@pytest.mark.timeout(60)
def test_given_right_password_when_phone_registers_then_binding_is_live_until_it_unregisters(
    tmp_path: Path,
) -> None:
    events: list[Any] = []

    async def scenario() -> None:
        registrar = Registrar(book, port=0, on_event=events.append)
        await registrar.start()
        try:
            log = tmp_path / "phone.log"
            phone = await start_agent_ua(log, registrar.uri, "1001", PASSWORDS["1001"])
            await until(lambda: registrar.contacts("1001"), 20, "a binding for 1001")
            await until(lambda: log_has(log, "registration 200"), 10, "the phone's 200")
            [binding] = registrar.contacts("1001")
            assert binding.contact.startswith("sip:1001@127.0.0.1:")
            assert registrar.contacts("1002") == []
            assert await stop_process(phone) == 0, log.read_text()
            await until(lambda: not registrar.contacts("1001"), 10, "the unregistration")
        finally:
            await registrar.stop()

    run(scenario())
    kinds = [type(e) for e in events]
    assert kinds == [StationRegistered, StationUnregistered], events
    assert events[1].reason == "unregistered"


@pjsip
@pytest.mark.slow
@pytest.mark.timeout(60)
def test_given_wrong_password_then_403_and_refusal_event_and_registrar_keeps_serving(
    tmp_path: Path,
) -> None:
    events: list[Any] = []

    async def scenario() -> None:
        registrar = Registrar(book, port=0, on_event=events.append)
        await registrar.start()
        try:
            bad_log = tmp_path / "bad.log"
            bad = await start_agent_ua(
                bad_log, registrar.uri, "1001", "not-the-password", "--exit-on-refusal"
            )
            assert await wait_process(bad, 20) == 3, bad_log.read_text()
            assert log_has(bad_log, "registration 403")
            unknown_log = tmp_path / "unknown.log"
            unknown = await start_agent_ua(
                unknown_log, registrar.uri, "9999", "whatever", "--exit-on-refusal"
            )
            assert await wait_process(unknown, 20) == 3, unknown_log.read_text()
            assert registrar.registered() == {}
            good_log = tmp_path / "good.log"
            good = await start_agent_ua(good_log, registrar.uri, "1002", PASSWORDS["1002"])
            await until(lambda: registrar.contacts("1002"), 20, "the good phone's binding")
            assert await stop_process(good) == 0
        finally:
            await registrar.stop()

    run(scenario())
    refused = [e for e in events if isinstance(e, RegistrationRefused)]
    assert [(e.extension, e.reason, e.status) for e in refused] == [
        ("1001", "bad-password", 403),
        ("9999", "unknown-station", 403),
    ]
    assert any(isinstance(e, StationRegistered) and e.extension == "1002" for e in events)


# --- raw SIP ----------------------------------------------------------------------------


def _request(method: str, port: int, extra: str = "", to: str = "1001") -> bytes:
    return (
        f"{method} sip:127.0.0.1:{port} SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-raw-1;rport\r\n"
        f"From: <sip:{to}@127.0.0.1>;tag=abc\r\nTo: <sip:{to}@127.0.0.1>\r\n"
        f"Call-ID: raw-{method}@127.0.0.1\r\nCSeq: 1 {method}\r\nMax-Forwards: 70\r\n"
        f"Contact: <sip:{to}@127.0.0.1:9>\r\n{extra}Content-Length: 0\r\n\r\n"
    ).encode()


def test_registrar_answers_odd_requests_properly_and_survives_garbage() -> None:
    async def scenario() -> dict[str, str]:
        registrar = Registrar(book, port=0, min_expires=60)
        await registrar.start()
        answers: dict[str, str] = {}
        try:
            loop = asyncio.get_running_loop()
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                sock.bind(("127.0.0.1", 0))
                sock.setblocking(False)
                target = ("127.0.0.1", registrar.port)

                async def ask(name: str, datagram: bytes) -> None:
                    sock.sendto(datagram, target)
                    data = await asyncio.wait_for(loop.sock_recv(sock, 4096), 5)
                    answers[name] = data.decode()

                for junk in (b"\x00\xff garbage", b"REGISTER\r\n\r\n", b"SIP/2.0 200 OK\r\n\r\n"):
                    sock.sendto(junk, target)
                await ask("invite", _request("INVITE", registrar.port))
                await ask("options", _request("OPTIONS", registrar.port))
                await ask("register", _request("REGISTER", registrar.port))
                forged = (
                    'Authorization: Digest username="1001", realm="centralita", nonce="AAAA",'
                    ' uri="sip:127.0.0.1", response="00"\r\n'
                )
                await ask("forged", _request("REGISTER", registrar.port, forged))
        finally:
            await registrar.stop()
        return answers

    answers = run(scenario())
    assert answers["invite"].startswith("SIP/2.0 405 ")
    assert "Allow: REGISTER, OPTIONS" in answers["invite"]
    assert answers["options"].startswith("SIP/2.0 200 ")
    challenge = answers["register"]
    assert challenge.startswith("SIP/2.0 401 ")
    assert 'WWW-Authenticate: Digest realm="centralita"' in challenge
    assert ";rport=" in challenge and ";received=127.0.0.1" in challenge
    assert answers["forged"].startswith("SIP/2.0 401 ")  # a nonce we never issued


def test_expired_bindings_are_swept_with_an_event() -> None:
    now = [1000.0]
    events: list[Any] = []
    registrar = Registrar(book, clock=lambda: now[0], on_event=events.append)
    registrar._bindings["1001"] = {}
    from centralita.telephony.registrar import Binding

    registrar._bindings["1001"]["sip:1001@127.0.0.1:9"] = Binding(
        "1001", "sip:1001@127.0.0.1:9", 1060.0, ("127.0.0.1", 9)
    )
    assert registrar.contacts("1001")
    now[0] = 1061.0
    assert registrar.contacts("1001") == []
    registrar.sweep()
    assert events == [StationUnregistered("1001", "sip:1001@127.0.0.1:9", "expired")]
    assert registrar.registered() == {}
