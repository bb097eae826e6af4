"""A directory of flow files kept live: changes load, broken files are refused and the
previous version keeps running."""

from __future__ import annotations

import pytest

from centralita.core.ivr.errors import InvalidFlow
from centralita.ivr_files import FlowRegistry, load_flow


def write(path, version=1, dnis="6015550100", greeting="Hola", flow_id=None):
    path.write_text(
        f"flow: {flow_id or path.stem}\n"
        f"version: {version}\n"
        f"dnis: ['{dnis}']\n"
        "campaigns: [care]\n"
        "start: hello\n"
        "nodes:\n"
        f"  hello: {{type: play, prompt: '{greeting}', next: bye}}\n"
        "  bye: {type: hangup}\n",
        encoding="utf-8",
    )


def greeting(flow):
    return flow.nodes["hello"].prompt.parts[0][1].text


def test_flows_are_found_by_dnis_and_campaign(tmp_path):
    write(tmp_path / "care.yaml")
    write(tmp_path / "sales.yml", dnis="6015550200")
    (tmp_path / "notes.txt").write_text("not a flow", encoding="utf-8")
    registry = FlowRegistry(tmp_path)
    assert registry.reload() == []
    assert sorted(registry.flows) == ["care", "sales"]
    assert registry.for_dnis("6015550200").id == "sales"
    assert registry.for_dnis("999") is None
    assert registry.for_campaign("care").id == "care"


def test_a_broken_change_is_refused_and_the_previous_version_keeps_running(tmp_path):
    path = tmp_path / "care.yaml"
    write(path)
    registry = FlowRegistry(tmp_path)
    registry.reload()
    path.write_text(path.read_text().replace("type: hangup", "type: hang_up") + "\n", "utf-8")
    errors = registry.reload()
    assert [(e.fields["node"], e.fields["field"]) for e in errors] == [("bye", "type")]
    assert registry.for_dnis("6015550100").version == 1
    assert registry.errors[path].code == "invalid-flow"
    assert registry.reload() == []  # the same error is reported once
    write(path, version=2, greeting="Buenos días")
    assert registry.reload() == []
    assert greeting(registry.for_dnis("6015550100")) == "Buenos días"
    assert registry.errors == {}


def test_a_change_must_raise_the_version(tmp_path):
    path = tmp_path / "care.yaml"
    write(path, version=3)
    registry = FlowRegistry(tmp_path)
    registry.reload()
    write(path, version=3, greeting="Otro saludo")
    [error] = registry.reload()
    assert error.fields["field"] == "version"
    assert "running 3, file says 3" in error.message
    assert greeting(registry.flows["care"]) == "Hola"


def test_a_dnis_or_id_already_taken_is_refused(tmp_path):
    write(tmp_path / "a.yaml")
    write(tmp_path / "b.yaml")  # same DNIS as a
    write(tmp_path / "c.yaml", dnis="1", flow_id="a")  # same id as a
    registry = FlowRegistry(tmp_path)
    errors = registry.reload()
    assert [(e.fields["file"], e.fields["field"]) for e in errors] == [
        (str(tmp_path / "b.yaml"), "dnis"),
        (str(tmp_path / "c.yaml"), "flow"),
    ]
    assert list(registry.flows) == ["a"]


def test_removed_files_leave_the_registry(tmp_path):
    path = tmp_path / "care.yaml"
    write(path)
    registry = FlowRegistry(tmp_path)
    registry.reload()
    path.unlink()
    registry.reload()
    assert registry.flows == {}


def test_load_flow_reads_json_too_and_checks_prompt_files_next_to_the_file(tmp_path):
    path = tmp_path / "f.json"
    path.write_text(
        '{"flow": "f", "version": 1, "start": "a", "nodes": {'
        '"a": {"type": "hangup", "prompt": {"file": "prompts/bye.wav"}}}}',
        encoding="utf-8",
    )
    with pytest.raises(InvalidFlow, match=r"prompts/bye\.wav"):
        load_flow(path)
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "bye.wav").write_bytes(b"RIFF")
    assert load_flow(path).start == "a"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(InvalidFlow, match="not valid JSON"):
        load_flow(path)


CALENDARS = """calendars:
  bogota:
    timezone: America/Bogota
    hours: {mon-fri: "07:00-19:00"}
"""


def write_hours_flow(path, version=1, calendar="bogota"):
    path.write_text(
        f"flow: {path.stem}\nversion: {version}\ndnis: ['{path.stem}']\nstart: hours\n"
        "nodes:\n"
        "  hours:\n"
        "    type: condition\n"
        f"    branches: [{{if: {{open: {calendar}}}, goto: open}}]\n"
        "    else: closed\n"
        "  open: {type: queue, queue: care}\n"
        "  closed: {type: hangup, outcome: rejected}\n",
        encoding="utf-8",
    )


def test_site_calendars_are_shared_by_the_flows_beside_them(tmp_path):
    (tmp_path / "calendars.yaml").write_text(CALENDARS, encoding="utf-8")
    write_hours_flow(tmp_path / "care.yaml")
    flow = load_flow(tmp_path / "care.yaml")
    assert flow.calendars["bogota"].timezone == "America/Bogota"
    registry = FlowRegistry(tmp_path)
    assert registry.reload() == []
    assert list(registry.flows) == ["care"]  # calendars.yaml is not a flow
    assert registry.flows["care"].calendars["bogota"].week[5] == ()


def test_a_calendar_change_revalidates_flows_and_a_broken_one_is_refused(tmp_path):
    calendars = tmp_path / "calendars.yaml"
    calendars.write_text(CALENDARS, encoding="utf-8")
    write_hours_flow(tmp_path / "care.yaml")
    registry = FlowRegistry(tmp_path)
    registry.reload()
    calendars.write_text(CALENDARS.replace("mon-fri", "mon-sat"), encoding="utf-8")
    assert registry.reload() == []  # same flow file, same version: accepted
    assert registry.flows["care"].calendars["bogota"].week[5] == ((420, 1140),)
    calendars.write_text(CALENDARS.replace("America/Bogota", "Mars/Olympus"), encoding="utf-8")
    [error] = registry.reload()
    assert (error.fields["file"], error.fields["field"]) == (
        str(calendars),
        "calendars.bogota.timezone",
    )
    assert registry.calendars["bogota"].timezone == "America/Bogota"  # the previous one
    calendars.write_text("calendars: {}\n", encoding="utf-8")
    [error] = registry.reload()  # the flow names a calendar that is gone: it keeps running
    assert (error.fields["node"], error.fields["field"]) == ("hours", "branches[0].if.open")
    assert registry.for_dnis("care").calendars["bogota"].week[5] == ((420, 1140),)


def test_a_flows_own_calendar_wins_over_a_shared_one(tmp_path):
    (tmp_path / "calendars.yaml").write_text(CALENDARS, encoding="utf-8")
    path = tmp_path / "care.yaml"
    write_hours_flow(path)
    own = '  bogota: {timezone: UTC, hours: {daily: "00:00-24:00"}}\n'
    path.write_text(path.read_text() + "calendars:\n" + own, encoding="utf-8")
    assert load_flow(path).calendars["bogota"].timezone == "UTC"
