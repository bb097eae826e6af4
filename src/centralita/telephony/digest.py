"""HTTP digest authentication for SIP (RFC 3261 §22, RFC 2617 `qop=auth`, RFC 8760 SHA-256).

Pure functions; the registrar uses them to challenge and check a station's REGISTER.

A digest server needs, per user, either the password or HA1 = H(username:realm:password).
We keep HA1 only (per algorithm): it is what the check needs, it is bound to the realm
(a leaked HA1 does not reveal the password nor work in another realm), and it is what
Kamailio and Asterisk store. A slow hash such as Argon2 cannot serve digest, because
the server must recompute the client's answer from a fixed secret.

Nonces are stateless: `issued-at` plus an HMAC of it under the registrar's secret, so any
worker sharing the secret can check them and none keeps a table; a nonce older than
`NONCE_TTL` is answered with `stale=true` (the phone retries without asking its user).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import struct
from dataclasses import dataclass

ALGORITHMS = {"MD5": hashlib.md5, "SHA-256": hashlib.sha256}
NONCE_TTL = 300.0

_PARAM = re.compile(r'\s*([A-Za-z0-9_-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^,\s]*)\s*,?')


def hexdigest(algorithm: str, text: str) -> str:
    return ALGORITHMS[algorithm](text.encode()).hexdigest()


def ha1(username: str, realm: str, password: str, algorithm: str = "MD5") -> str:
    """HA1 = H(username:realm:password), the secret a station's credentials are kept as."""
    return hexdigest(algorithm, f"{username}:{realm}:{password}")


def make_nonce(secret: bytes, now: float) -> str:
    stamp = struct.pack(">d", now)
    mac = hmac.new(secret, stamp, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(stamp + mac).decode().rstrip("=")


def nonce_age(secret: bytes, nonce: str, now: float) -> float | None:
    """Seconds since `nonce` was issued by a holder of `secret`, or None if forged/garbled."""
    try:
        raw = base64.urlsafe_b64decode(nonce + "=" * (-len(nonce) % 4))
    except (ValueError, TypeError):
        return None
    if len(raw) != 24:
        return None
    stamp, mac = raw[:8], raw[8:]
    if not hmac.compare_digest(mac, hmac.new(secret, stamp, hashlib.sha256).digest()[:16]):
        return None
    issued: float = struct.unpack(">d", stamp)[0]
    return now - issued


def parse_authorization(value: str) -> dict[str, str] | None:
    """The parameters of a `Digest ...` Authorization header (names lower-cased)."""
    scheme, _, rest = value.strip().partition(" ")
    if scheme.lower() != "digest":
        return None
    params: dict[str, str] = {}
    pos = 0
    while pos < len(rest):
        m = _PARAM.match(rest, pos)
        if m is None or m.end() == pos:
            return None
        name, raw = m.group(1).lower(), m.group(2)
        if raw.startswith('"'):
            raw = re.sub(r"\\(.)", r"\1", raw[1:-1])
        params[name] = raw
        pos = m.end()
    return params


def challenge(realm: str, nonce: str, algorithm: str = "MD5", *, stale: bool = False) -> str:
    """A `WWW-Authenticate` header value offering `qop=auth`."""
    value = f'Digest realm="{realm}", nonce="{nonce}", algorithm={algorithm}, qop="auth"'
    return value + (", stale=true" if stale else "")


@dataclass(frozen=True, slots=True)
class Answer:
    """What the client answered (from its Authorization header)."""

    username: str
    realm: str
    nonce: str
    uri: str
    response: str
    algorithm: str = "MD5"
    qop: str | None = None
    nc: str | None = None
    cnonce: str | None = None

    @classmethod
    def of(cls, params: dict[str, str]) -> Answer | None:
        try:
            return cls(
                username=params["username"],
                realm=params["realm"],
                nonce=params["nonce"],
                uri=params["uri"],
                response=params["response"].lower(),
                algorithm=params.get("algorithm", "MD5").upper(),
                qop=params.get("qop"),
                nc=params.get("nc"),
                cnonce=params.get("cnonce"),
            )
        except KeyError:
            return None


def expected_response(answer: Answer, method: str, secret_ha1: str) -> str | None:
    """The response a client knowing the password would send; None if the answer's
    algorithm or qop is not one we accept."""
    algorithm = answer.algorithm
    if algorithm not in ALGORITHMS:
        return None
    ha2 = hexdigest(algorithm, f"{method}:{answer.uri}")
    if answer.qop is None:
        return hexdigest(algorithm, f"{secret_ha1}:{answer.nonce}:{ha2}")
    if answer.qop != "auth" or not answer.nc or not answer.cnonce:
        return None
    return hexdigest(
        algorithm, f"{secret_ha1}:{answer.nonce}:{answer.nc}:{answer.cnonce}:{answer.qop}:{ha2}"
    )


def check(answer: Answer, method: str, secret_ha1: str) -> bool:
    expected = expected_response(answer, method, secret_ha1)
    return expected is not None and hmac.compare_digest(expected, answer.response)
