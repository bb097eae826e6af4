"""A SIP registrar for agents' stations: REGISTER over UDP with digest authentication.

    registrar = Registrar(credentials=book.credentials, port=5070, on_event=print)
    await registrar.start()
    registrar.contacts("1001")   # live bindings of extension 1001, newest first

PJSIP's pjsua2 has no registrar (pjsua answers REGISTER with 501) and no hook to add
one without patching the C++ binding, so the registrar is a small stateless UDP server of
its own, on its own port beside the engine's (the same split as Kamailio in front of a
media server; the issue's multi-worker design puts the registrar in the proxy anyway).
It keeps the location table in memory and reports what happens through `on_event`:
`StationRegistered`, `StationUnregistered` (unregistered, expired, vanished) and
`RegistrationRefused` (a wrong password, an unknown station). It knows nothing about
agents or routing: `credentials(extension)` answers who may register.

Every request is answered statelessly from the request alone (a REGISTER is idempotent;
a retransmission gets the same answer). Anything that is not a request we understand is
dropped or answered with the proper error; nothing in a datagram can stop the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import cast

from centralita.telephony import digest
from centralita.telephony.sipmsg import parse_request, split_header_values, uri_of, user_of

log = logging.getLogger(__name__)

ALLOW = "REGISTER, OPTIONS"
_EXPIRES_PARAM = re.compile(r";\s*expires\s*=\s*(\d+)", re.IGNORECASE)
_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    405: "Method Not Allowed",
    423: "Interval Too Brief",
}


@dataclass(frozen=True, slots=True)
class StationCredentials:
    """Who may register as `extension`: its HA1 per digest algorithm ("MD5", "SHA-256")."""

    extension: str
    ha1: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Binding:
    """One registered contact of a station: where to send its INVITEs, until when."""

    extension: str
    contact: str
    expires_at: float
    source: tuple[str, int]
    user_agent: str = ""


@dataclass(frozen=True, slots=True)
class StationRegistered:
    extension: str
    contact: str
    expires: int


@dataclass(frozen=True, slots=True)
class StationUnregistered:
    """`reason`: "unregistered" (the phone said so), "expired", or "vanished" (the
    adapter saw the phone stop answering and dropped its binding)."""

    extension: str
    contact: str
    reason: str


@dataclass(frozen=True, slots=True)
class RegistrationRefused:
    """`reason`: "bad-password", "unknown-station", "wrong-identity" or "bad-request"."""

    extension: str
    source: str
    reason: str
    status: int


RegistrarEvent = StationRegistered | StationUnregistered | RegistrationRefused


@dataclass
class _Request:
    method: str
    uri: str
    headers: dict[str, list[str]]
    source: tuple[str, int]

    def first(self, name: str) -> str:
        values = self.headers.get(name)
        return values[0] if values else ""


@dataclass
class Registrar(asyncio.DatagramProtocol):
    credentials: Callable[[str], StationCredentials | None]
    host: str = "127.0.0.1"
    #: UDP port; 0 picks a free one (see `port` once started).
    port: int = 5070
    realm: str = "centralita"
    on_event: Callable[[RegistrarEvent], None] = lambda event: None
    min_expires: int = 60
    max_expires: int = 3600
    default_expires: int = 3600
    max_contacts: int = 5
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    clock: Callable[[], float] = time.time
    _bindings: dict[str, dict[str, Binding]] = field(default_factory=dict, init=False)
    _transport: asyncio.DatagramTransport | None = field(default=None, init=False)
    _sweeper: asyncio.Task[None] | None = field(default=None, init=False)

    # --- lifecycle ---------------------------------------------------------------
    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: self, local_addr=(self.host, self.port)
        )
        self.port = transport.get_extra_info("sockname")[1]
        self._sweeper = asyncio.create_task(self._sweep_forever())

    async def stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
            self._sweeper = None
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    @property
    def uri(self) -> str:
        return f"sip:{self.host}:{self.port}"

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.DatagramTransport, transport)

    # --- location table ----------------------------------------------------------
    def contacts(self, extension: str) -> list[Binding]:
        """Live bindings of `extension`, the most recently refreshed first."""
        now = self.clock()
        live = [b for b in self._bindings.get(extension, {}).values() if b.expires_at > now]
        return sorted(live, key=lambda b: b.expires_at, reverse=True)

    def registered(self) -> dict[str, list[Binding]]:
        return {ext: self.contacts(ext) for ext in self._bindings if self.contacts(ext)}

    def forget(self, extension: str, contact: str | None = None, reason: str = "vanished") -> None:
        """Drop a binding (or all of the station's) that the adapter found dead."""
        bindings = self._bindings.get(extension, {})
        for uri in [contact] if contact is not None else list(bindings):
            if uri is not None and bindings.pop(uri, None) is not None:
                self.on_event(StationUnregistered(extension, uri, reason))
        if not bindings:
            self._bindings.pop(extension, None)

    def sweep(self) -> None:
        now = self.clock()
        for extension, bindings in list(self._bindings.items()):
            for uri, binding in list(bindings.items()):
                if binding.expires_at <= now:
                    del bindings[uri]
                    self.on_event(StationUnregistered(extension, uri, "expired"))
            if not bindings:
                del self._bindings[extension]

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            try:
                self.sweep()
            except Exception:
                log.exception("registrar sweep failed")

    # --- SIP ---------------------------------------------------------------------
    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        try:
            self._received(data, (addr[0], addr[1]))
        except Exception:
            log.exception("registrar could not handle a datagram from %s:%s", *addr[:2])

    def _received(self, data: bytes, source: tuple[str, int]) -> None:
        text = data.decode("utf-8", errors="replace")
        if not text.strip() or text.startswith("SIP/"):
            return  # keep-alive (CRLF) or a response: nothing to answer
        method, uri, headers = parse_request(text)
        request = _Request(method.upper(), uri, headers, source)
        if not method or not all(request.first(h) for h in ("via", "call-id", "cseq", "from")):
            return  # cannot even address an answer
        if request.method == "ACK":
            return
        if request.method == "OPTIONS":
            self._reply(request, 200, [("Allow", ALLOW), ("Accept", "application/sdp")])
        elif request.method == "REGISTER":
            self._register(request)
        else:
            self._reply(request, 405, [("Allow", ALLOW)])

    def _register(self, request: _Request) -> None:
        extension = user_of(uri_of(request.first("to")))
        source = f"{request.source[0]}:{request.source[1]}"
        if not extension:
            self.on_event(RegistrationRefused("", source, "bad-request", 400))
            self._reply(request, 400)
            return
        params = None
        for value in request.headers.get("authorization", []):
            params = digest.parse_authorization(value)
            if params is not None and params.get("realm") == self.realm:
                break
            params = None
        answer = digest.Answer.of(params) if params is not None else None
        if answer is None:
            self._challenge(request, stale=False)
            return
        age = digest.nonce_age(self.secret, answer.nonce, self.clock())
        if age is None or age < -5:
            self._challenge(request, stale=False)
            return
        if age > digest.NONCE_TTL:
            self._challenge(request, stale=True)
            return
        station = self.credentials(answer.username)
        if station is None:
            return self._refuse(request, extension, source, "unknown-station")
        secret_ha1 = station.ha1.get(answer.algorithm)
        if secret_ha1 is None or not digest.check(answer, "REGISTER", secret_ha1):
            return self._refuse(request, extension, source, "bad-password")
        if answer.username != extension or station.extension != extension:
            return self._refuse(request, extension, source, "wrong-identity")
        self._update_bindings(request, extension)

    def _challenge(self, request: _Request, *, stale: bool) -> None:
        nonce = digest.make_nonce(self.secret, self.clock())
        challenges = [
            ("WWW-Authenticate", digest.challenge(self.realm, nonce, alg, stale=stale))
            for alg in ("SHA-256", "MD5")
        ]
        self._reply(request, 401, challenges)

    def _refuse(self, request: _Request, extension: str, source: str, reason: str) -> None:
        log.warning("refused REGISTER of %r from %s: %s", extension, source, reason)
        self.on_event(RegistrationRefused(extension, source, reason, 403))
        self._reply(request, 403)

    def _update_bindings(self, request: _Request, extension: str) -> None:
        header_expires = request.first("expires").strip()
        default = int(header_expires) if header_expires.isdigit() else self.default_expires
        lines = request.headers.get("contact", [])
        contacts = [c for line in lines for c in split_header_values(line)]
        now = self.clock()
        bindings = self._bindings.setdefault(extension, {})
        if contacts == ["*"]:
            if default != 0:
                self._reply(request, 400)
                return
            self.forget(extension, reason="unregistered")
            self._reply(request, 200)
            return
        wanted: list[tuple[str, int]] = []
        for contact in contacts:
            uri = uri_of(contact)
            tail = contact.split(">", 1)[1] if ">" in contact else ""
            m = _EXPIRES_PARAM.search(tail)
            expires = int(m.group(1)) if m else default
            if not uri or contact == "*":
                self._reply(request, 400)
                return
            if 0 < expires < self.min_expires:
                self._reply(request, 423, [("Min-Expires", str(self.min_expires))])
                return
            wanted.append((uri, min(expires, self.max_expires)))
        for uri, expires in wanted:
            if expires == 0:
                if bindings.pop(uri, None) is not None:
                    self.on_event(StationUnregistered(extension, uri, "unregistered"))
                continue
            is_new = uri not in bindings
            bindings[uri] = Binding(
                extension, uri, now + expires, request.source, request.first("user-agent")
            )
            if is_new:
                self.on_event(StationRegistered(extension, uri, expires))
        while len(bindings) > self.max_contacts:
            oldest = min(bindings.values(), key=lambda b: b.expires_at)
            del bindings[oldest.contact]
            self.on_event(StationUnregistered(extension, oldest.contact, "replaced"))
        if not bindings:
            self._bindings.pop(extension, None)
        extra = [
            ("Contact", f"<{b.contact}>;expires={max(0, round(b.expires_at - now))}")
            for b in self.contacts(extension)
        ]
        self._reply(request, 200, extra)

    def _reply(self, request: _Request, status: int, extra: Sequence[tuple[str, str]] = ()) -> None:
        if self._transport is None:
            return
        vias = list(request.headers.get("via", []))
        top = split_header_values(vias[0])
        host, port = request.source
        first = top[0]
        if re.search(r";\s*rport(?=;|$)", first):
            first = re.sub(r";\s*rport(?=;|$)", f";rport={port}", first, count=1)
        first += f";received={host}"
        vias[0] = ", ".join([first, *top[1:]])
        to = request.first("to")
        if status != 100 and ";tag=" not in to.replace(" ", "").lower():
            to += ";tag=" + digest.hexdigest("MD5", request.first("call-id") + self.realm)[:16]
        lines = [f"SIP/2.0 {status} {_REASONS.get(status, 'Unknown')}"]
        lines += [f"Via: {via}" for via in vias]
        lines += [
            f"From: {request.first('from')}",
            f"To: {to}",
            f"Call-ID: {request.first('call-id')}",
            f"CSeq: {request.first('cseq')}",
        ]
        lines += [f"{name}: {value}" for name, value in extra]
        lines += ["Server: Centralita", "Content-Length: 0", "", ""]
        self._transport.sendto("\r\n".join(lines).encode(), (host, port))
