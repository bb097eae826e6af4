"""Read caller and dialled numbers from a raw SIP request (pure, no PJSIP).

PJSIP has already parsed and accepted the message when we see it, but its header
values reach Python only as text, so the few we need are read here, tolerantly: a
strange header yields "" rather than an exception.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

# RFC 3261 compact header forms we may meet.
_COMPACT = {
    "f": "from",
    "t": "to",
    "i": "call-id",
    "m": "contact",
    "v": "via",
    "c": "content-type",
    "l": "content-length",
}
_TEL_VISUAL_SEPARATORS = re.compile(r"[-.()\s]")


def parse_request(raw: str) -> tuple[str, str, dict[str, list[str]]]:
    """Return (method, request_uri, headers) of a SIP request.

    Header names are lower-cased and compact forms expanded; folded lines are joined;
    each header line's value is one list entry (comma-joined values are not split).
    """
    head = re.split(r"\r?\n\r?\n", raw, maxsplit=1)[0]
    lines = re.split(r"\r?\n", head)
    parts = lines[0].split() if lines else []
    method, uri = (parts[0], parts[1]) if len(parts) >= 2 else ("", "")
    headers: dict[str, list[str]] = {}
    last: str | None = None
    for line in lines[1:]:
        if line[:1] in (" ", "\t") and last is not None:
            headers[last][-1] += " " + line.strip()
            continue
        name, sep, value = line.partition(":")
        if not sep:
            continue
        key = name.strip().lower()
        key = _COMPACT.get(key, key)
        headers.setdefault(key, []).append(value.strip())
        last = key
    return method, uri, headers


def split_header_values(value: str) -> list[str]:
    """Split a comma-separated header value, ignoring commas in quotes or <...>."""
    out: list[str] = []
    current: list[str] = []
    depth, quoted = 0, False
    for ch in value:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch == "<":
            depth += 1
        elif not quoted and ch == ">":
            depth = max(0, depth - 1)
        elif ch == "," and not quoted and depth == 0:
            out.append("".join(current).strip())
            current = []
            continue
        current.append(ch)
    out.append("".join(current).strip())
    return [v for v in out if v]


def uri_of(name_addr: str) -> str:
    """The URI in a name-addr (`"Alice" <sip:a@b>;tag=x`) or addr-spec (`sip:a@b;tag=x`)."""
    m = re.search(r"<([^>]*)>", name_addr)
    if m:
        return m.group(1).strip()
    # addr-spec: header parameters follow the URI after ';'
    return name_addr.strip().split(";", 1)[0].strip()


def user_of(uri: str) -> str:
    """User part of a sip:/sips: URI, or the number of a tel: URI; "" if none."""
    scheme, sep, rest = uri.strip().partition(":")
    if not sep:
        return ""
    scheme = scheme.lower()
    if scheme == "tel":
        number = rest.split(";", 1)[0]
        return _TEL_VISUAL_SEPARATORS.sub("", unquote(number))
    if scheme not in ("sip", "sips"):
        return ""
    if "@" not in rest:
        return ""
    userinfo = rest.rsplit("@", 1)[0]
    user = userinfo.split(":", 1)[0]  # drop a password
    user = user.split(";", 1)[0]  # drop user parameters (;isub=, ;phone-context=)
    return unquote(user)


def caller_and_dialled(raw: str) -> tuple[str, str]:
    """(ani, dnis): P-Asserted-Identity's first identity, else From; Request-URI user."""
    _method, request_uri, headers = parse_request(raw)
    ani = ""
    for value in headers.get("p-asserted-identity", []):
        for identity in split_header_values(value):
            ani = user_of(uri_of(identity))
            if ani:
                break
        if ani:
            break
    if not ani:
        for value in headers.get("from", [])[:1]:
            ani = user_of(uri_of(value))
    return ani, user_of(request_uri)


_ANSWER_AFTER = re.compile(r";\s*answer-after\s*=\s*\d+", re.IGNORECASE)
_AUTO_ALERT = re.compile(r"auto-?answer|info=alert-autoanswer", re.IGNORECASE)


def asks_auto_answer(raw: str) -> bool:
    """Whether an INVITE asks the phone to answer by itself: `Call-Info: <...>;
    answer-after=N` (the Polycom/Yealink/Linphone convention) or an `Alert-Info`
    naming auto-answer (Snom, Grandstream)."""
    _method, _uri, headers = parse_request(raw)
    if any(_ANSWER_AFTER.search(v) for v in headers.get("call-info", [])):
        return True
    return any(_AUTO_ALERT.search(v) for v in headers.get("alert-info", []))
