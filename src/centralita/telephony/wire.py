"""The media worker's wire protocol: JSON lines over a stream socket.

One JSON object per line (UTF-8, `\\n`-terminated, at most `MAX_LINE` bytes), in both
directions. JSON lines because the messages are small commands and events (the audio
never crosses: it stays in the worker), a line is self-delimiting on a stream, and a
person can speak the protocol with `socat - UNIX-CONNECT:var/media.sock`.

    → {"id": 1, "op": "hello", "args": {"token": "..."}}          (token only over TCP)
    ← {"id": 1, "result": {"worker": "w3f…", "host": "127.0.0.1", "port": 5060, "calls": 0}}
    → {"id": 2, "op": "answer", "args": {"call_id": "w3f…-c1"}}
    ← {"id": 2, "result": null}
    → {"id": 3, "op": "hangup", "args": {"call_id": "nope"}}
    ← {"id": 3, "error": {"code": "no-such-call", "message": "...", "call_id": "nope"}}
    ← {"event": "call_ended", "call_id": "w3f…-c1", "status": 200, "reason": "Normal call clearing"}

A request has an `id` (a number or a string, echoed in its reply), an `op` and `args`
(an object; optional arguments may be left out). A reply has `result` or `error`; an
error is the `CentralitaError`'s `to_dict()` (stable `code`, `message`, fields), or
`{"code": "invalid-argument", "message": ...}` for what the engine refuses as a
`ValueError`. Events are pushed, after `hello`, with an `event` name and the event's
fields; every call event carries its `call_id`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from centralita.errors import CentralitaError, Forbidden, Invalid
from centralita.telephony.errors import (
    EngineAlreadyRunning,
    NoSuchCall,
    TelephonyError,
    TelephonyUnavailable,
)
from centralita.telephony.events import (
    CallAnswered,
    CallArrived,
    CallEnded,
    CallRinging,
    DigitReceived,
    PlaybackFinished,
    RegistrationChanged,
    TelephonyEvent,
)

MAX_LINE = 64 * 1024
INVALID_ARGUMENT = "invalid-argument"


class InvalidRequest(Invalid):
    """A request the worker cannot read: not JSON, no such op, a missing or mistyped
    argument (fields: `field`, and `accepted` where there is a list)."""

    code = "invalid-request"


class TokenRefused(Forbidden):
    """A TCP client that did not open with `hello` and the worker's token."""

    code = "media-token-refused"


@dataclass(frozen=True)
class Param:
    name: str
    kind: str  # "str", "int", "bool", "headers"
    required: bool = True
    nullable: bool = False


def _p(name: str, kind: str = "str", *, required: bool = True, nullable: bool = False) -> Param:
    return Param(name, kind, required, nullable)


_CALL = _p("call_id")
#: Every op and its arguments, in the order the engine's method takes them.
OPS: dict[str, tuple[Param, ...]] = {
    "hello": (_p("token", required=False, nullable=True),),
    "answer": (_CALL,),
    "hangup": (_CALL, _p("status", "int", required=False, nullable=True)),
    "ring": (_CALL,),
    "play_tone": (_CALL, _p("freq_hz", "int"), _p("volume", "int", required=False)),
    "play_file": (_CALL, _p("path"), _p("loop", "bool", required=False)),
    "stop_playback": (_CALL,),
    "send_digits": (_CALL, _p("digits")),
    "record": (_CALL, _p("path")),
    "stop_record": (_CALL,),
    "dial": (
        _p("uri"),
        _p("headers", "headers", required=False, nullable=True),
        _p("from_uri", required=False, nullable=True),
    ),
    "bridge": (_p("call_a"), _p("call_b")),
    "unbridge": (_CALL,),
    "connect": (_p("source"), _p("listener")),
    "disconnect": (_p("source"), _p("listener")),
    "media_stats": (_CALL,),
    "call_count": (),
    "hangup_all": (),
}

_EVENTS: dict[str, type[Any]] = {
    "call_arrived": CallArrived,
    "call_answered": CallAnswered,
    "call_ringing": CallRinging,
    "call_ended": CallEnded,
    "digit_received": DigitReceived,
    "playback_finished": PlaybackFinished,
    "registration_changed": RegistrationChanged,
}
_EVENT_NAMES = {cls: name for name, cls in _EVENTS.items()}

#: Errors the client raises as their own class, by code (others: `TelephonyError`).
_ERRORS: dict[str, type[CentralitaError]] = {
    cls.code: cls
    for cls in (
        NoSuchCall,
        TelephonyError,
        TelephonyUnavailable,
        EngineAlreadyRunning,
        InvalidRequest,
        TokenRefused,
    )
}


@dataclass(frozen=True)
class Request:
    id: int | str
    op: str
    args: dict[str, Any]


def encode(message: dict[str, Any]) -> bytes:
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"


def parse_request(line: bytes) -> Request:
    """A request line, checked against `OPS`; `InvalidRequest` naming what is wrong
    (with `request_id` among its fields when the line had a usable id)."""
    try:
        message = json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidRequest(f"the line is not JSON: {exc}", field="line") from None
    except RecursionError:
        raise InvalidRequest("the line nests too deep", field="line") from None
    if not isinstance(message, dict):
        raise InvalidRequest("a request is a JSON object", field="line")
    request_id = message.get("id")
    if isinstance(request_id, bool) or not isinstance(request_id, int | str):
        raise InvalidRequest("a request needs an id (a number or a string)", field="id")
    op = message.get("op")
    if not isinstance(op, str) or op not in OPS:
        raise InvalidRequest(
            f"unknown op {op!r}",
            field="op",
            accepted=sorted(OPS),
            request_id=request_id,
        )
    args = message.get("args", {})
    if not isinstance(args, dict):
        raise InvalidRequest("args must be an object", field="args", request_id=request_id)
    params = OPS[op]
    unknown = sorted(set(args) - {p.name for p in params})
    if unknown:
        raise InvalidRequest(
            f"{op} takes no argument {unknown[0]!r}",
            field=f"args.{unknown[0]}",
            accepted=[p.name for p in params],
            request_id=request_id,
        )
    for param in params:
        if param.name not in args:
            if param.required:
                raise InvalidRequest(
                    f"{op} needs {param.name}",
                    field=f"args.{param.name}",
                    request_id=request_id,
                )
            continue
        if not _fits(args[param.name], param):
            raise InvalidRequest(
                f"{op}: {param.name} must be {_KIND_WORDS[param.kind]}",
                field=f"args.{param.name}",
                request_id=request_id,
            )
    return Request(request_id, op, args)


_KIND_WORDS = {
    "str": "a string",
    "int": "an integer",
    "bool": "true or false",
    "headers": "an object of strings",
}


def _fits(value: Any, param: Param) -> bool:
    if value is None:
        return param.nullable
    if param.kind == "str":
        return isinstance(value, str)
    if param.kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if param.kind == "bool":
        return isinstance(value, bool)
    return isinstance(value, dict) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    )


def reply(request_id: int | str | None, result: Any) -> dict[str, Any]:
    return {"id": request_id, "result": result}


def error_reply(request_id: int | str | None, exc: BaseException) -> dict[str, Any]:
    if isinstance(exc, CentralitaError):
        body = exc.to_dict()
        body.pop("request_id", None)
    elif isinstance(exc, ValueError):
        body = {"code": INVALID_ARGUMENT, "message": str(exc)}
    else:
        body = {"code": TelephonyError.code, "message": f"the media worker failed: {exc!r}"}
    return {"id": request_id, "error": _jsonable(body)}


def _jsonable(body: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in body.items():
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            value = str(value)
        out[key] = value
    return out


def error_from_wire(body: dict[str, Any]) -> Exception:
    """The exception a reply's `error` stands for: the same class the in-process engine
    raises for its code (`ValueError` for `invalid-argument`)."""
    fields = dict(body)
    code = str(fields.pop("code", TelephonyError.code))
    message = str(fields.pop("message", "")) or None
    if code == INVALID_ARGUMENT:
        return ValueError(message or "invalid argument")
    cls = _ERRORS.get(code)
    if cls is None:
        return TelephonyError(message, worker_code=code, **fields)
    return cls(message, **fields)


def event_to_wire(event: TelephonyEvent) -> dict[str, Any]:
    return {"event": _EVENT_NAMES[type(event)], **asdict(event)}


def event_from_wire(message: dict[str, Any]) -> TelephonyEvent | None:
    """The event of an `event` line; None for one this client does not know (a newer
    worker may add events)."""
    fields = dict(message)
    cls = _EVENTS.get(str(fields.pop("event", "")))
    if cls is None:
        return None
    try:
        event: TelephonyEvent = cls(**fields)
    except TypeError:
        return None
    return event
