"""An HTTP node's request and what its answer means: values for variables, or fallback."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType
from urllib.parse import quote

from centralita.core.ivr.commands import HttpRequest
from centralita.core.ivr.events import HttpCompleted, HttpFailed
from centralita.core.ivr.flow import Http
from centralita.core.ivr.template import render

_BASE = re.compile(r"^\{([A-Za-z_][A-Za-z0-9_.]*)\}")


def http_request(node: Http, variables: Mapping[str, str]) -> HttpRequest:
    """The request with its templates filled in; values in the URL are escaped."""
    url = node.url
    base = _BASE.match(url)
    prefix = ""
    if base is not None:  # "{api}/accounts/{account}": the base address is not escaped
        prefix, url = variables.get(base.group(1), ""), url[base.end() :]
    url = prefix + render(url, variables, escape=lambda v: quote(v, safe=""))
    body = None
    if node.body:
        body = json.dumps({k: render(v, variables) for k, v in node.body.items()})
    headers = {k: render(v, variables) for k, v in node.headers.items()}
    return HttpRequest(node.method, url, body, node.timeout, MappingProxyType(headers))


def http_result(node: Http, event: HttpCompleted | HttpFailed, variables: dict[str, str]) -> str:
    """The node to go to; stores `http.status`, `http.error` and the assigned values."""
    if isinstance(event, HttpFailed):
        variables["http.error"] = event.reason
        return node.fallback
    variables["http.status"] = str(event.status)
    if not 200 <= event.status < 300:
        return node.fallback
    if not node.assign:
        return node.next
    try:
        data = json.loads(event.body, parse_float=Decimal)
    except ValueError:
        variables["http.error"] = "the answer is not JSON"
        return node.fallback
    found = {var: _lookup(data, path) for var, path in node.assign.items()}
    missing = [node.assign[var] for var, value in found.items() if value is None]
    if missing:
        variables["http.error"] = f"the answer has no {missing[0]}"
        return node.fallback
    variables.update({var: value for var, value in found.items() if value is not None})
    return node.next


def _lookup(data: object, path: str) -> str | None:
    """A scalar at a dotted path (`account.balance`, `items.0.id`) of parsed JSON."""
    for part in path.split("."):
        if isinstance(data, Mapping) and part in data:
            data = data[part]
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    if isinstance(data, bool):
        return "true" if data else "false"
    if isinstance(data, str | int | Decimal):
        return str(data)
    return None
