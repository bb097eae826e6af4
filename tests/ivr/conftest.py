"""IVR test fixtures: `ivr_helpers` importable under any import mode, and a customer's
billing service on 127.0.0.1 for HTTP nodes."""

from __future__ import annotations

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

HERE = str(Path(__file__).parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)

BALANCES = {
    "12345674": {"balance": "1234.50", "due_date": "2026-12-01"},
    "4111111111111111": {"balance": 250.75, "minimum_payment": 25, "due_date": "2026-12-15"},
}


class _Billing(BaseHTTPRequestHandler):
    """A customer's billing system: GET /accounts/<n>/balance and /cards/<n>/balance."""

    requests: list[str]

    def do_GET(self) -> None:
        self.server.requests.append(self.path)  # type: ignore[attr-defined]
        parts = self.path.strip("/").split("/")
        found = BALANCES.get(parts[1]) if len(parts) == 3 and parts[2] == "balance" else None
        body = json.dumps(found or {"error": "unknown account"}).encode()
        self.send_response(200 if found else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def billing_service():
    """A real HTTP server on 127.0.0.1; yields (base address, list of paths requested)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Billing)
    server.requests = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", server.requests  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
