"""What is recorded, how and for how long: a tenant's defaults, overridden per queue and
then per campaign. Pure: no I/O, no clock.

    policy = resolve(tenant={"mode": "sampled", "sample_share": 0.2},
                     queue=None, campaign={"retention_days": 365})
    if policy.records_automatically(interaction_id, seed="tenant-7"): ...
    key = policy.storage_key(tenant="acme", campaign="ventas", queue="3",
                             started_at=at, interaction_id=iid, leg=1)

A layer is a partial mapping of `RecordingPolicy`'s fields; later layers win. The
campaign is the most specific layer because it is the client's contract: consent,
retention and legal obligations are agreed per campaign, while a queue is a routing
device that several campaigns may share.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from centralita.errors import Invalid


class Mode(StrEnum):
    ALL = "all"  # every call, in full
    SAMPLED = "sampled"  # a deterministic share of calls (`sample_share`)
    ON_DEMAND = "on_demand"  # only while the agent asks for it
    NEVER = "never"


class Start(StrEnum):
    ANSWER = "answer"  # when the agent answers (default)
    ARRIVAL = "arrival"  # when the caller is answered by the center (queue included)


class Split(StrEnum):
    INTERACTION = "interaction"  # one file per interaction, transfers included
    LEG = "leg"  # one file per agent leg (a transfer starts a new file)


class Channels(StrEnum):
    MONO = "mono"  # caller and agent mixed
    STEREO = "stereo"  # caller left, agent right


class Format(StrEnum):
    OPUS = "opus"  # Opus in Ogg (opusenc), after the WAV is complete
    WAV = "wav"  # keep the PCM 16-bit WAV


#: Placeholders a path template may use; values are made safe for one path segment.
PLACEHOLDERS = ("tenant", "campaign", "queue", "year", "month", "day", "date", "interaction")
DEFAULT_TEMPLATE = "{tenant}/{campaign}/{year}/{month}/{day}/{interaction}"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True, slots=True)
class RecordingPolicy:
    mode: Mode = Mode.ALL
    sample_share: float = 1.0
    start: Start = Start.ANSWER
    split: Split = Split.INTERACTION
    channels: Channels = Channels.STEREO
    format: Format = Format.OPUS
    path_template: str = DEFAULT_TEMPLATE
    retention_days: int = 90
    #: New recordings are born under legal hold (never purged until released).
    legal_hold: bool = False

    def records_automatically(self, interaction_id: str, seed: str = "") -> bool:
        """Whether a call is recorded without anyone asking: always for `all`, never for
        `on_demand`/`never`, and for `sampled` when the call's draw falls under the share.
        The draw is SHA-256 of `seed` and the interaction id: the same call always gets
        the same answer (reproducible, auditable), and calls are spread uniformly."""
        if self.mode is Mode.ALL:
            return True
        if self.mode is Mode.SAMPLED:
            return sample_draw(interaction_id, seed) < self.sample_share
        return False

    @property
    def may_record_on_demand(self) -> bool:
        return self.mode is not Mode.NEVER

    def storage_key(
        self,
        *,
        tenant: str,
        campaign: str | None,
        queue: str | None,
        started_at: datetime,
        interaction_id: str,
        leg: int = 0,
        extension: str = "wav",
    ) -> str:
        """The file's key under the recordings root: the template filled in, `-<leg>` for
        a per-leg file, and the format's extension."""
        values = {
            "tenant": tenant,
            "campaign": campaign or "none",
            "queue": queue or "none",
            "year": f"{started_at.year:04d}",
            "month": f"{started_at.month:02d}",
            "day": f"{started_at.day:02d}",
            "date": started_at.date().isoformat(),
            "interaction": interaction_id,
        }
        safe = {k: _safe_segment(v) for k, v in values.items()}
        key = self.path_template.format(**safe)
        if leg:
            key += f"-{leg}"
        return f"{key}.{extension}"

    def expires_at(self, started_at: datetime) -> datetime:
        return started_at + timedelta(days=self.retention_days)


def sample_draw(interaction_id: str, seed: str = "") -> float:
    """A number in [0, 1) fixed by `seed` and the interaction id."""
    digest = hashlib.sha256(f"{seed}\x00{interaction_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _safe_segment(value: str) -> str:
    cleaned = _UNSAFE.sub("_", value).strip("._")
    return cleaned or "_"


def check_template(template: str) -> str:
    """`template` if it only uses known placeholders and stays under the root."""
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    except ValueError as exc:
        raise Invalid(f"path_template: {exc}", field="path_template", reason="syntax") from None
    unknown = sorted({f for f in fields if f not in PLACEHOLDERS})
    if unknown:
        raise Invalid(
            f"path_template: unknown placeholder(s) {unknown}; use {list(PLACEHOLDERS)}",
            field="path_template",
            accepted=list(PLACEHOLDERS),
            reason="placeholder",
            unknown=unknown,
        )
    parts = template.split("/")
    if template.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise Invalid(
            "path_template: must be a relative path without empty, '.' or '..' parts",
            field="path_template",
            reason="relative",
        )
    if "interaction" not in fields:
        raise Invalid(
            "path_template: must contain {interaction} (files would overwrite each other)",
            field="path_template",
            reason="interaction",
        )
    return template


_FIELDS = {f.name: f for f in dataclasses.fields(RecordingPolicy)}
#: The settings, in the order pages and listings show them.
SETTINGS = tuple(_FIELDS)
_ENUMS: dict[str, type[StrEnum]] = {
    "mode": Mode,
    "start": Start,
    "split": Split,
    "channels": Channels,
    "format": Format,
}
#: The accepted values of each setting that is a choice (default first).
CHOICES = {name: tuple(m.value for m in enum) for name, enum in _ENUMS.items()}
#: The layers, from the most general to the most specific (later ones win), and what a
#: value no layer sets comes from.
LEVELS = ("tenant", "queue", "campaign")
BUILT_IN = "default"


def check_layer(layer: Mapping[str, Any]) -> dict[str, Any]:
    """A partial policy with every value checked and typed; `Invalid` names the field and
    says why in `reason` (a stable code a page can put in the user's language)."""
    out: dict[str, Any] = {}
    for name, value in layer.items():
        if name not in _FIELDS:
            raise Invalid(
                f"{name}: not a recording setting; use {sorted(_FIELDS)}",
                field=name,
                accepted=sorted(_FIELDS),
                reason="setting",
            )
        if name in _ENUMS:
            enum = _ENUMS[name]
            try:
                out[name] = enum(value)
            except ValueError:
                accepted = [m.value for m in enum]
                raise Invalid(
                    f"{name}: {value!r} is not one of {accepted}",
                    field=name,
                    accepted=accepted,
                    reason="choice",
                ) from None
        elif name == "sample_share":
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            if not ok or not 0.0 <= float(value) <= 1.0:
                raise Invalid("sample_share: a number from 0 to 1", field=name, reason="share")
            out[name] = float(value)
        elif name == "retention_days":
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 36500:
                raise Invalid(
                    "retention_days: a whole number of days, 1 to 36500", field=name, reason="days"
                )
            out[name] = value
        elif name == "legal_hold":
            if not isinstance(value, bool):
                raise Invalid("legal_hold: true or false", field=name, reason="yes_no")
            out[name] = value
        else:  # path_template
            if not isinstance(value, str):
                raise Invalid("path_template: a text", field=name, reason="text")
            out[name] = check_template(value)
    return out


def resolve(
    tenant: Mapping[str, Any] | None = None,
    queue: Mapping[str, Any] | None = None,
    campaign: Mapping[str, Any] | None = None,
) -> RecordingPolicy:
    """The policy in force: defaults, then the tenant's, the queue's, the campaign's."""
    merged: dict[str, Any] = {}
    for _, layer in _layered(tenant, queue, campaign):
        merged.update(check_layer(layer))
    return RecordingPolicy(**merged)


def sources(
    tenant: Mapping[str, Any] | None = None,
    queue: Mapping[str, Any] | None = None,
    campaign: Mapping[str, Any] | None = None,
) -> dict[str, str]:
    """Where each setting of `resolve(tenant, queue, campaign)` comes from: the level of
    the last layer that sets it (`LEVELS`), or `BUILT_IN`."""
    found = dict.fromkeys(SETTINGS, BUILT_IN)
    for level, layer in _layered(tenant, queue, campaign):
        found.update({name: level for name in layer if name in found})
    return found


def _layered(
    *layers: Mapping[str, Any] | None,
) -> list[tuple[str, Mapping[str, Any]]]:
    """The layers given, with their level, most general first (None and empty dropped)."""
    return [(level, layer) for level, layer in zip(LEVELS, layers, strict=True) if layer]


def as_layer(policy: RecordingPolicy) -> dict[str, Any]:
    """The policy as a plain JSON-able mapping (what a stored layer looks like)."""
    return plain(dataclasses.asdict(policy))


def plain(layer: Mapping[str, Any]) -> dict[str, Any]:
    """A layer with its enums as their values (JSON-able, as `recording_policies` keeps it)."""
    return {name: (v.value if isinstance(v, StrEnum) else v) for name, v in layer.items()}
