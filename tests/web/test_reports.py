"""The report pages and the JSON API over HTTP against the real server, on a small day of
traffic whose figures are computed by hand (`reports/test_exports_day.py`): roles, tenant
isolation (by URL tampering too), coded errors for wrong parameters, and the exports."""

from __future__ import annotations

import csv
import io
import re

import httpx
import pytest

from centralita.demo import DEMO_PASSWORD, seed_demo
from reports.test_exports_day import record_day
from web.live_server import LiveServer, serve

TOKEN = "reports-admin-token"
DAY = {"start": "2026-03-01", "end": "2026-03-01"}


@pytest.fixture
def day(store):
    seed_demo(store)
    return record_day(store)


@pytest.fixture
def server(store, day):
    yield from serve(store, CENTRALITA_ADMIN_TOKEN=TOKEN, CENTRALITA_TIMEZONE="America/Bogota")


def _sign_in(server: LiveServer, username: str, password: str = DEMO_PASSWORD) -> httpx.Client:
    client = httpx.Client(base_url=server.url, follow_redirects=True, timeout=30)
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/login").text)[1]
    answer = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )
    assert answer.status_code == 200, answer.text
    return client


@pytest.fixture
def signed_in(server):
    clients: list[httpx.Client] = []

    def sign_in(username: str, password: str = DEMO_PASSWORD) -> httpx.Client:
        clients.append(_sign_in(server, username, password))
        return clients[-1]

    yield sign_in
    for client in clients:
        client.close()


@pytest.fixture
def api(server):
    with httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30
    ) as client:
        yield client


def _rows(answer: httpx.Response, table: str) -> list[dict]:
    assert answer.status_code == 200, answer.text
    (found,) = [t for t in answer.json()["tables"] if t["name"] == table]
    return found["rows"]


def test_the_queue_report_gives_the_hand_computed_figures(api, day):
    answer = api.get("/api/v1/reports/queues", params={**DAY, "period": "day", "lang": "en"})
    (ventas,) = [r for r in _rows(answer, "queues") if r["queue"] == "Ventas"]
    assert ventas["period"] == "2026-03-01"
    assert (ventas["offered"], ventas["answered"], ventas["abandoned"]) == (4, 2, 1)
    assert (ventas["short_abandoned"], ventas["overflowed_out"], ventas["rejected"]) == (1, 0, 0)
    # answered within 20 s: A1 only; strict: 1/(2 answered + 1 abandoned past 5 s)
    assert ventas["service_level"] == round(1 / 3, 4)
    assert ventas["service_level_answered"] == 0.5
    assert ventas["service_level_offered"] == 0.25
    assert ventas["asa"] == (8 + 22) / 2
    assert ventas["average_abandon"] == (40 + 3) / 2
    assert ventas["max_wait"] == 40
    assert (ventas["aht"], ventas["average_talk"]) == ((140 + 20 + 20) / 2, 70)
    assert (ventas["average_hold"], ventas["average_wrap"]) == (10, 10)
    totals = _rows(answer, "queue_totals")
    # the administration token sees both companies: B1 abandoned in "Otra" after 30 s
    assert [(r["queue"], r["offered"]) for r in totals] == [
        ("Otra", 1),
        ("Ventas", 4),
        ("All queues", 5),
    ]
    charts = {c["name"]: c for c in answer.json()["charts"]}
    assert charts["service_level"]["labels"] == ["2026-03-01"]
    # all queues: 1 answered within 20 s of 2 answered + 2 abandoned past 5 s
    assert charts["service_level"]["series"]["Service level"] == [1 / 4]
    assert charts["volumes"]["series"]["Abandoned"] == [3]


def test_the_agent_report_gives_ana_s_day(signed_in, day):
    supervisor = signed_in("supervisora")
    answer = supervisor.get("/api/v1/reports/agents", params={**DAY, "period": "total"})
    (ana,) = [r for r in _rows(answer, "agents") if r["key"] == "Ana Restrepo"]
    assert (ana["first_login"], ana["last_logout"]) == (
        "2026-03-01 18:00:00",
        "2026-03-01 18:06:40",
    )
    assert ana["logged_in"] == 400
    assert (ana["available"], ana["reserved"], ana["talking"]) == (90, 20, 140)
    assert (ana["on_hold"], ana["wrap_up"], ana["not_ready"], ana["pause:break"]) == (
        20,
        20,
        110,
        110,
    )
    assert (ana["offers"], ana["answered"], ana["rona"], ana["aht"]) == (2, 2, 0, 90)
    assert ana["occupancy"] == round(180 / 270, 4) and ana["utilization"] == 0.45
    by_team = supervisor.get(
        "/api/v1/reports/agents", params={**DAY, "group": "team", "period": "day"}
    )
    assert [(r["key"], r["talking"]) for r in _rows(by_team, "agents")] == [("Equipo Bogotá", 140)]


def test_lines_dispositions_and_call_records(api, day):
    lines = _rows(
        api.get("/api/v1/reports/lines", params={**DAY, "period": "60", "tenant": day.tenant_a}),
        "lines",
    )
    busy = [r for r in lines if r["peak"]]
    # never two calls at once; 68 + 40 + 3 + 122 seconds of calls in the 18:00 hour
    assert busy == [{"period": "2026-03-01 18:00", "peak": 1, "average": round(233 / 3600, 1)}]
    dispositions = _rows(api.get("/api/v1/reports/dispositions", params=DAY), "dispositions")
    assert sorted(
        (r["campaign"], r["disposition"], r["count"], r["share"]) for r in dispositions
    ) == [
        ("Ventas", "No interesado", 1, 0.5),
        ("Ventas", "Venta", 1, 0.5),
    ]
    calls = api.get("/api/v1/reports/calls", params={**DAY, "tenant": day.tenant_a})
    assert calls.json()["total"] == 4
    (a4,) = [r for r in _rows(calls, "calls") if r["interaction"] == "A4"]
    assert (a4["wait"], a4["talk"], a4["hold"], a4["wrap"]) == (22, 80, 20, 10)
    assert a4["arrived_at"] == "2026-03-01 18:03:10" and a4["agent"] == "Ana Restrepo"
    assert [(leg["queue"], leg["entered"], leg["outcome"]) for leg in a4["legs"]] == [
        ("Ventas", "18:03:10", "answered")
    ]
    short = api.get("/api/v1/reports/calls", params={**DAY, "outcome": "short_abandoned"})
    assert [r["interaction"] for r in _rows(short, "calls")] == ["A3"]
    other = api.get("/api/v1/reports/calls", params={**DAY, "number": "+573009999999"})
    assert [r["interaction"] for r in _rows(other, "calls")] == ["B1"]


WRONG = [
    ({"period": "45"}, "period"),
    ({"start": "01/03/2026"}, "start"),
    ({"start": "2026-03-02", "end": "2026-03-01"}, "end"),
    ({"start": "2025-01-01", "end": "2026-03-01"}, "end"),
    ({"group": "floor"}, "group"),
    ({"queue": "ventas"}, "queue"),
    ({"page": "0"}, "page"),
    ({"outcome": "lucky"}, "outcome"),
]


def test_wrong_parameters_answer_invalid_report_naming_the_field(api):
    for params, field in WRONG:
        answer = api.get("/api/v1/reports/agents", params=params)
        assert answer.status_code == 422, params
        assert (answer.json()["code"], answer.json()["field"]) == ("invalid-report", field)


def test_an_unknown_report_and_a_wrong_token_are_refused(api, server):
    assert api.get("/api/v1/reports/weather").json()["code"] == "no-such-report"
    with httpx.Client(base_url=server.url) as anonymous:
        answer = anonymous.get("/api/v1/reports/queues", headers={"Authorization": "Bearer x"})
        assert (answer.status_code, answer.json()["code"]) == (401, "not-authenticated")
        answer = anonymous.get("/api/v1/reports/queues")
        assert (answer.status_code, answer.json()["code"]) == (401, "not-signed-in")


def test_an_agent_may_not_read_reports(signed_in):
    ana = signed_in("ana")
    assert ana.get("/api/v1/reports/queues").status_code == 403
    page = ana.get("/reports/queues", headers={"Accept": "text/html"})
    assert page.status_code == 403 and "Ventas" not in page.text
    assert ana.get("/reports/queues.csv").status_code == 403


def test_a_client_viewer_sees_only_its_own_company_even_by_tampering(signed_in, day):
    mine = signed_in("cliente")  # tenant A
    queues = _rows(mine.get("/api/v1/reports/queues", params={**DAY, "period": "day"}), "queues")
    assert {r["queue"] for r in queues} == {"Ventas"}
    calls = _rows(mine.get("/api/v1/reports/calls", params=DAY), "calls")
    assert {r["interaction"] for r in calls} == {"A1", "A2", "A3", "A4"}
    tampered = {
        "tenant": day.tenant_b,
        "queue": day.otra,
        "agent": day.users["otra-cliente"],  # not even an agent, and of tenant B
    }
    for name, value in tampered.items():
        for url in ("/api/v1/reports/queues", "/reports/queues", "/reports/calls.csv"):
            answer = mine.get(url, params={**DAY, name: value})
            assert answer.status_code == 404, (url, name)
            assert "Otra" not in answer.text and "B1" not in answer.text
    page = mine.get("/reports/queues", params=DAY, headers={"Accept": "text/html"})
    assert page.status_code == 200 and "Ventas" in page.text and "Otra" not in page.text
    theirs = signed_in("otra-cliente", "otra-password-1")  # tenant B
    calls = _rows(theirs.get("/api/v1/reports/calls", params=DAY), "calls")
    assert [r["interaction"] for r in calls] == ["B1"]
    agents = _rows(theirs.get("/api/v1/reports/agents", params=DAY), "agents")
    assert agents == []
    assert theirs.get("/api/v1/reports/queues", params={"queue": day.ventas}).status_code == 404


def test_each_page_shows_its_figures_in_the_user_s_language(signed_in):
    supervisor = signed_in("supervisora")
    supervisor.post(
        "/language",
        data={
            "lang": "en",
            "csrf_token": re.search(
                r'name="csrf-token" content="([^"]+)"', supervisor.get("/contacts").text
            )[1],
        },
    )
    expected = {
        "queues": ["33.3 %", "50.0 %", "25.0 %", "0:15", "1:30"],
        "agents": ["Ana Restrepo", "2026-03-01 18:00:00", "66.7 %", "45.0 %"],
        "dispositions": ["Sale", "Not interested", "50.0 %"],
        "ivr": ["No data in this range."],
        "lines": ["2026-03-01 18:00"],
        "calls": ["A4", "1–4 of 4", "Short abandon"],
    }
    for kind, texts in expected.items():
        period = "60" if kind == "lines" else "day"
        page = supervisor.get(f"/reports/{kind}", params={**DAY, "period": period})
        assert page.status_code == 200, (kind, page.text)
        for text in texts:
            assert text in page.text, (kind, text)


def test_the_exports_carry_the_same_figures(signed_in):
    from openpyxl import load_workbook
    from pypdf import PdfReader

    supervisor = signed_in("supervisora")
    params = {**DAY, "period": "day"}
    answer = supervisor.get("/reports/queues.csv", params=params)
    assert answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    header, (ventas,) = rows[0], [r for r in rows[1:] if "Ventas" in r]
    figures = dict(zip(header, ventas, strict=True))
    assert figures["Nivel de servicio"] == "0.3333" and figures["TME (ASA)"] == "15.0"
    book = load_workbook(io.BytesIO(supervisor.get("/reports/agents.xlsx", params=params).content))
    sheet = book.worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    column = values[0].index("Ocupación")
    assert values[1][column] == pytest.approx(180 / 270)
    assert sheet.cell(row=2, column=column + 1).number_format == "0.0%"
    pdf = PdfReader(io.BytesIO(supervisor.get("/reports/calls.pdf", params=params).content))
    text = "\n".join(p.extract_text() for p in pdf.pages)
    assert "A4" in text and "Ana Restrepo" in text
