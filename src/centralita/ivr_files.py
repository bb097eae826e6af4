"""IVR flow files: loading one (`load_flow`) and keeping a directory of them live
(`FlowRegistry`).

The format and its validation are in `centralita.core.ivr.flowfile`; this module reads
files, checks that recorded prompts exist next to them, and swaps in a changed file only
when it is valid: a broken file is refused with a clear error and the previous version
keeps running.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from centralita.core.ivr.errors import InvalidFlow
from centralita.core.ivr.flow import Flow
from centralita.core.ivr.flowfile import parse_flow

SUFFIXES = (".yaml", ".yml", ".json")


def _refuse(source: str, why: str, node: str = "-", field: str = "-") -> InvalidFlow:
    return InvalidFlow(f"{source}: {why}", file=source, node=node, field=field)


def parse_flow_text(text: str, path: Path) -> Flow:
    """Validate a flow file's text; recorded prompts are looked up next to `path`."""
    source = str(path)
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        kind = "JSON" if path.suffix == ".json" else "YAML"
        raise _refuse(source, f"not valid {kind}: {exc}") from None
    base = path.parent
    return parse_flow(data, source, prompt_exists=lambda name: (base / name).is_file())


def load_flow(path: str | Path) -> Flow:
    """Read and validate one flow file; `.json` is JSON, anything else YAML."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise _refuse(str(path), f"cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise _refuse(str(path), "not UTF-8 text") from None
    return parse_flow_text(text, path)


@dataclass
class _Loaded:
    flow: Flow
    digest: str


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

    def reload(self) -> list[InvalidFlow]:
        """Re-read changed, new and removed files; returns the errors of this pass."""
        found = sorted(p for p in self.directory.iterdir() if p.suffix in SUFFIXES and p.is_file())
        for gone in set(self.loaded) - set(found):
            del self.loaded[gone]
        for gone in set(self.errors) - set(found):
            del self.errors[gone]
        fresh: list[InvalidFlow] = []
        for path in found:
            try:
                raw = path.read_bytes()
            except OSError as exc:
                self._refused(path, _refuse(str(path), f"cannot read: {exc.strerror}"), fresh)
                continue
            digest = hashlib.sha256(raw).hexdigest()
            previous = self.loaded.get(path)
            if previous is not None and previous.digest == digest:
                continue
            try:
                flow = parse_flow_text(raw.decode("utf-8"), path)
                self._check_against_others(path, flow, previous)
            except InvalidFlow as error:
                self._refused(path, error, fresh)
            except UnicodeDecodeError:
                self._refused(path, _refuse(str(path), "not UTF-8 text"), fresh)
            else:
                self.loaded[path] = _Loaded(flow, digest)
                self.errors.pop(path, None)
        return fresh

    def _refused(self, path: Path, error: InvalidFlow, fresh: list[InvalidFlow]) -> None:
        if self.errors.get(path) is None or self.errors[path].message != error.message:
            fresh.append(error)
        self.errors[path] = error

    def _check_against_others(self, path: Path, flow: Flow, previous: _Loaded | None) -> None:
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
