"""IVR flow files: loading one (`load_flow`) and keeping a directory of them live
(`FlowRegistry`). Site calendars shared by several flows live in `calendars.yaml` next
to the flows; a flow's own `calendars:` win over shared ones of the same name.

The format and its validation are in `centralita.core.ivr.flowfile`; this module reads
files, checks that recorded prompts exist next to them, and swaps in a changed file only
when it is valid: a broken file is refused with a clear error and the previous version
keeps running.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from centralita.core.ivr.calendar import BusinessCalendar
from centralita.core.ivr.errors import InvalidFlow
from centralita.core.ivr.flow import Flow
from centralita.core.ivr.flowfile import parse_calendars, parse_flow

SUFFIXES = (".yaml", ".yml", ".json")
CALENDARS = "calendars.yaml"


def _refuse(source: str, why: str, node: str = "-", field: str = "-") -> InvalidFlow:
    return InvalidFlow(f"{source}: {why}", file=source, node=node, field=field)


def _data(text: str, path: Path) -> object:
    try:
        return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        kind = "JSON" if path.suffix == ".json" else "YAML"
        raise _refuse(str(path), f"not valid {kind}: {exc}") from None


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise _refuse(str(path), f"cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise _refuse(str(path), "not UTF-8 text") from None


def parse_flow_text(
    text: str, path: Path, calendars: Mapping[str, BusinessCalendar] | None = None
) -> Flow:
    """Validate a flow file's text; recorded prompts are looked up next to `path`."""
    base = path.parent
    return parse_flow(
        _data(text, path),
        str(path),
        prompt_exists=lambda name: (base / name).is_file(),
        calendars=calendars,
    )


def load_calendars(path: str | Path) -> dict[str, BusinessCalendar]:
    """Read a shared calendars file (`calendars: {name: {timezone, hours, ...}}`)."""
    path = Path(path)
    return parse_calendars(_data(_read(path), path), str(path))


def load_flow(path: str | Path) -> Flow:
    """Read and validate one flow file (`.json` is JSON, anything else YAML), with the
    shared calendars of a `calendars.yaml` beside it."""
    path = Path(path)
    shared = path.parent / CALENDARS
    calendars = load_calendars(shared) if shared.is_file() and path.name != CALENDARS else None
    return parse_flow_text(_read(path), path, calendars)


@dataclass
class _Loaded:
    flow: Flow
    digest: str
    stale: bool = False  # the shared calendars changed since it was validated


@dataclass
class FlowRegistry:
    """The flows of a directory, by DNIS and campaign; `reload()` picks up changes.

    A file that fails validation, lowers or keeps its version while changing, or claims
    a DNIS another flow holds is refused: its previous version (if any) stays live and
    the error is kept in `errors` until the file is fixed or removed.
    """

    directory: Path
    loaded: dict[Path, _Loaded] = field(default_factory=dict)
    errors: dict[Path, InvalidFlow] = field(default_factory=dict)
    calendars: dict[str, BusinessCalendar] = field(default_factory=dict)
    _calendars_digest: str = ""

    def reload(self) -> list[InvalidFlow]:
        """Re-read changed, new and removed files; returns the errors of this pass."""
        fresh: list[InvalidFlow] = []
        self._reload_calendars(fresh)
        found = sorted(
            p
            for p in self.directory.iterdir()
            if p.suffix in SUFFIXES and p.is_file() and p.name != CALENDARS
        )
        for gone in set(self.loaded) - set(found):
            del self.loaded[gone]
        for gone in set(self.errors) - {*found, self.directory / CALENDARS}:
            del self.errors[gone]
        for path in found:
            try:
                raw = path.read_bytes()
            except OSError as exc:
                self._refused(path, _refuse(str(path), f"cannot read: {exc.strerror}"), fresh)
                continue
            digest = hashlib.sha256(raw).hexdigest()
            previous = self.loaded.get(path)
            if previous is not None and previous.digest == digest and not previous.stale:
                continue
            try:
                flow = parse_flow_text(raw.decode("utf-8"), path, self.calendars)
                edited = previous if previous is not None and previous.digest != digest else None
                self._check_against_others(path, flow, edited)
            except InvalidFlow as error:
                self._refused(path, error, fresh)
            except UnicodeDecodeError:
                self._refused(path, _refuse(str(path), "not UTF-8 text"), fresh)
            else:
                self.loaded[path] = _Loaded(flow, digest)
                self.errors.pop(path, None)
        return fresh

    def _reload_calendars(self, fresh: list[InvalidFlow]) -> None:
        """Shared calendars: a valid change re-validates every flow against it."""
        path = self.directory / CALENDARS
        if not path.is_file():
            digest, calendars = "", {}
        else:
            try:
                raw = path.read_bytes()
                digest = hashlib.sha256(raw).hexdigest()
                if digest == self._calendars_digest:
                    return
                calendars = parse_calendars(_data(raw.decode("utf-8"), path), str(path))
            except InvalidFlow as error:
                self._refused(path, error, fresh)
                return
            except (OSError, UnicodeDecodeError) as exc:
                self._refused(path, _refuse(str(path), f"cannot read: {exc}"), fresh)
                return
        if digest == self._calendars_digest:
            return
        self.errors.pop(path, None)
        self._calendars_digest = digest
        self.calendars = calendars
        for entry in self.loaded.values():
            entry.stale = True  # re-validate: a flow may name a calendar that changed

    def _refused(self, path: Path, error: InvalidFlow, fresh: list[InvalidFlow]) -> None:
        if self.errors.get(path) is None or self.errors[path].message != error.message:
            fresh.append(error)
        self.errors[path] = error

    def _check_against_others(self, path: Path, flow: Flow, previous: _Loaded | None) -> None:
        """`previous`: the running version when the file's text changed."""
        source = str(path)
        if previous is not None and flow.version <= previous.flow.version:
            raise _refuse(
                source,
                f"flow: version: changed without raising the version "
                f"(running {previous.flow.version}, file says {flow.version})",
                field="version",
            )
        for other_path, other in self.loaded.items():
            if other_path == path:
                continue
            if other.flow.id == flow.id:
                raise _refuse(
                    source, f"flow: flow: id {flow.id!r} is used by {other_path}", field="flow"
                )
            for dnis in set(flow.dnis) & set(other.flow.dnis):
                raise _refuse(
                    source, f"flow: dnis: {dnis} already belongs to {other_path}", field="dnis"
                )

    @property
    def flows(self) -> dict[str, Flow]:
        return {entry.flow.id: entry.flow for entry in self.loaded.values()}

    def for_dnis(self, dnis: str) -> Flow | None:
        return next((e.flow for e in self.loaded.values() if dnis in e.flow.dnis), None)

    def for_campaign(self, campaign: str) -> Flow | None:
        return next((e.flow for e in self.loaded.values() if campaign in e.flow.campaigns), None)
