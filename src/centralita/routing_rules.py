"""Load routing rule files (YAML or JSON) into core `Rule`s.

The file format and its validation are in `centralita.core.rulefile`; this module only
reads the file, so the core stays free of YAML and I/O.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from centralita.core.errors import InvalidRule
from centralita.core.rulefile import parse_rules
from centralita.core.rules import Rule


def load_rules(path: str | Path) -> tuple[Rule, ...]:
    """Read and validate a rule file; `.json` is JSON, anything else YAML."""
    path = Path(path)
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidRule(
            f"{source}: cannot read: {exc.strerror}", file=source, rule="-", field="-"
        ) from None
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise InvalidRule(
            f"{source}: not valid {'JSON' if path.suffix == '.json' else 'YAML'}: {exc}",
            file=source,
            rule="-",
            field="-",
        ) from None
    return parse_rules(data, source)
