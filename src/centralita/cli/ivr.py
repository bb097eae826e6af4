"""`centralita ivr`: check flow files, and try a flow in the terminal without a phone.

`ivr try` runs the very interpreter the phone line runs: prompts print as text, the
tester types keys (`1`, `12345674#`) or words (`uno`, `balance`), an empty line is
silence (the input times out), end of input (Ctrl-D) or `/hangup` hangs up. HTTP nodes
call the real service with the node's timeout.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from pathlib import Path

import typer

from centralita.cli.common import clear_errors
from centralita.clock import utcnow
from centralita.core.ivr import commands as cmd
from centralita.core.ivr.errors import InvalidFlow
from centralita.core.ivr.events import (
    CallerHungUp,
    DigitsReceived,
    HttpCompleted,
    HttpFailed,
    InputTimedOut,
    IvrEvent,
    PlaybackFinished,
    SpeechRecognized,
)
from centralita.core.ivr.flow import Flow
from centralita.core.ivr.records import IvrEnded, IvrNodeVisited
from centralita.core.ivr.session import Caller, IvrSession, Output
from centralita.core.ivr.variables import unset_variables
from centralita.ivr_files import CALENDARS, load_calendars, load_flow

app = typer.Typer(help="IVR flows: check them, try them in the terminal.", no_args_is_help=True)

KEYS = re.compile(r"^[0-9*#]+$")
FilesArgument = typer.Argument(..., help="Flow files (YAML or JSON).")
FileArgument = typer.Argument(..., help="Flow file (YAML or JSON).")
ContactOption = typer.Option(
    [], "--contact", help="A contact-record field, FIELD=VALUE (repeatable)."
)
CacheOption = typer.Option(
    Path("var/prompts"), "--cache", help="Prompt cache directory (default var/prompts)."
)
VarOption = typer.Option(
    [], "--var", help="Override a flow var, NAME=VALUE (repeatable), e.g. a service address."
)


@app.command()
def check(
    files: list[Path] = FilesArgument,
) -> None:
    """Validate flow files; print every problem with its file, node and field."""
    failed = False
    for path in files:
        if path.name == CALENDARS:
            try:
                calendars = load_calendars(path)
            except InvalidFlow as error:
                failed = True
                typer.echo(f"error: {error.message}", err=True)
            else:
                typer.echo(f"ok: {path}: calendars {', '.join(calendars) or 'none'}")
            continue
        try:
            flow = load_flow(path)
        except InvalidFlow as error:
            failed = True
            for problem in error.problems:
                typer.echo(f"error: {problem.message}", err=True)
            continue
        for node, field, name in unset_variables(flow):
            typer.echo(
                f"warning: {path}: node {node}: {field}: variable {name!r} is never set "
                "(a typo? flow vars, save_as, assign and set vars set variables)",
                err=True,
            )
        dnis = ", ".join(flow.dnis) or "none"
        typer.echo(
            f"ok: {path}: flow {flow.id} version {flow.version}, "
            f"{len(flow.nodes)} nodes, start {flow.start}, DNIS {dnis}"
        )
    if failed:
        raise typer.Exit(2)


@app.command()
def prompts(
    file: Path = FileArgument,
    cache: Path = CacheOption,
    sample_rate: int = typer.Option(8000, "--rate", help="8000 (G.711) or 16000 (G.722)."),
) -> None:
    """Synthesise every text prompt of a flow into the prompt cache ahead of calls.

    Prompts with {variables} are synthesised per call and are only counted.
    """
    from centralita.core.ivr.template import template_names
    from centralita.tts import PromptCache

    try:
        flow = load_flow(file)
    except InvalidFlow as error:
        for problem in error.problems:
            typer.echo(f"error: {problem.message}", err=True)
        raise typer.Exit(2) from None
    store = PromptCache(cache)
    texts: dict[tuple[str, str], None] = {}
    per_call = 0
    for node in flow.nodes.values():
        for name in ("prompt", "invalid", "no_input", "voice_prompt"):
            spec = getattr(node, name, None)
            for language, part in spec.parts if spec is not None else ():
                if part.text is None:
                    continue
                if template_names(part.text):
                    per_call += 1
                    continue
                for lang in (language,) if language else flow.languages:
                    texts[(part.text, lang)] = None
    with clear_errors():
        for text, language in texts:
            store.prompt(text, language=language, sample_rate=sample_rate)
    typer.echo(
        f"{len(texts)} prompts in {cache} ({store.misses} synthesised, {store.hits} cached); "
        f"{per_call} with variables are synthesised per call"
    )


def _parse_at(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        at = dt.datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"not an ISO date and time: {value!r}", param_hint="--at"
        ) from None
    if at.tzinfo is None:
        raise typer.BadParameter(
            "give a UTC offset, e.g. 2026-11-23T10:00-05:00", param_hint="--at"
        )
    return at


def _pairs(values: list[str], option: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise typer.BadParameter(f"expected NAME=VALUE, got {item!r}", param_hint=option)
        fields[name] = value
    return fields


@app.command("try")
def try_flow(
    file: Path = FileArgument,
    caller: str = typer.Option("+573001234567", "--caller", help="Caller's number (ANI)."),
    dnis: str = typer.Option("", "--dnis", help="Dialled number (DNIS)."),
    at: str | None = typer.Option(
        None, "--at", help="Pretend it is this time (ISO 8601 with offset); default: now."
    ),
    language: str | None = typer.Option(None, "--language", help="Caller prefers es or en."),
    input_mode: str | None = typer.Option(
        None, "--input", help="Caller prefers keypad or voice (the menus then offer words)."
    ),
    contact: list[str] = ContactOption,
    variables: list[str] = VarOption,
    trace: bool = typer.Option(False, "--trace", help="Print every node visited."),
) -> None:
    """Run a flow in the terminal: prompts as text, type keys or words."""
    if input_mode not in (None, "keypad", "voice"):
        raise typer.BadParameter("expected keypad or voice", param_hint="--input")
    fixed = _parse_at(at)
    try:
        flow = load_flow(file)
    except InvalidFlow as error:
        for problem in error.problems:
            typer.echo(f"error: {problem.message}", err=True)
        raise typer.Exit(2) from None
    record = _pairs(contact, "--contact")
    if language is not None:
        record["language"] = language
    if input_mode is not None:
        record["preferred_input"] = input_mode
    who = Caller.from_contact("try", caller, dnis, record)
    session = IvrSession(flow, who, _pairs(variables, "--var"))
    runner = _Tryout(flow, file, trace)
    outputs = session.start(fixed or utcnow())
    while True:
        event = runner.show(outputs)
        if session.finished or event is None:
            break
        outputs = session.handle(event, fixed or utcnow())
    typer.echo(f"-- outcome: {session.outcome or 'unfinished'}")


class _Tryout:
    """Prints the session's outputs and produces the next event from the tester."""

    def __init__(self, flow: Flow, file: Path, trace: bool) -> None:
        self.flow = flow
        self.base = file.parent
        self.trace = trace

    def show(self, outputs: list[Output]) -> IvrEvent | None:
        event: IvrEvent | None = None
        for out in outputs:
            if isinstance(out, IvrNodeVisited):
                if self.trace:
                    typer.echo(f"   . {out.node} ({out.node_type})")
            elif isinstance(out, IvrEnded):
                typer.echo(f"-- IVR ended at node {out.node}: {out.outcome}")
            elif isinstance(out, cmd.Play):
                typer.echo(f"[play] {self._prompt(out.prompt)}")
                event = PlaybackFinished()
            elif isinstance(out, cmd.Say):
                typer.echo(f"[say] {out.text}")
                event = PlaybackFinished()
            elif isinstance(out, cmd.SetAttributes):
                pairs = ", ".join(f"{k}={v}" for k, v in out.attributes.items())
                typer.echo(f"[set] {pairs}")
            elif isinstance(out, cmd.Collect):
                event = self._collect(out)
            elif isinstance(out, cmd.HttpRequest):
                event = self._http(out)
            elif isinstance(out, cmd.Enqueue):
                typer.echo(f"[queue] {out.queue}: {self._enqueue(out)}")
            elif isinstance(out, cmd.Transfer):
                typer.echo(f"[transfer] {out.number}")
            elif isinstance(out, cmd.Voicemail):
                typer.echo(f"[voicemail] {out.box}")
            elif isinstance(out, cmd.Hangup):
                typer.echo("[hangup]")
        return event

    def _prompt(self, prompt: cmd.Prompt) -> str:
        if prompt.file is not None:
            return f"<recording {self.base / prompt.file}>"
        return prompt.text or ""

    def _collect(self, collect: cmd.Collect) -> IvrEvent:
        for prompt in collect.prompts:
            typer.echo(f"[prompt] {self._prompt(prompt)}")
        keys = f"{collect.max_digits} key" + ("s" if collect.max_digits > 1 else "")
        if collect.terminator:
            keys += f", end with {collect.terminator}"
        hint = f"(up to {keys}"
        if collect.words:
            hint += "; or say: " + ", ".join(collect.words[:12])
            hint += ", ..." if len(collect.words) > 12 else ""
        typer.echo(hint + "; empty line = silence, Ctrl-D = hang up)")
        typer.echo("> ", nl=False)
        sys.stdout.flush()
        line = sys.stdin.readline()
        if line and not sys.stdin.isatty():
            typer.echo(line.rstrip("\n"))  # a piped answer shows in the transcript
        if not line or line.strip() == "/hangup":
            typer.echo("")
            return CallerHungUp()
        text = line.strip()
        if not text:
            return InputTimedOut()
        if KEYS.match(text):
            return DigitsReceived(text)
        return SpeechRecognized(text, 1.0)

    def _http(self, request: cmd.HttpRequest) -> IvrEvent:
        import httpx  # only flows with HTTP nodes pay for the import

        headers = dict(request.headers)
        if request.body is not None:
            headers.setdefault("Content-Type", "application/json")
        try:
            response = httpx.request(
                request.method,
                request.url,
                content=request.body,
                headers=headers,
                timeout=request.timeout,
            )
        except httpx.TimeoutException:
            typer.echo(
                f"[http] {request.method} {request.url} -> timed out after {request.timeout:g}s"
            )
            return HttpFailed("timeout")
        except httpx.HTTPError as exc:
            typer.echo(f"[http] {request.method} {request.url} -> failed: {exc}")
            return HttpFailed(type(exc).__name__)
        typer.echo(f"[http] {request.method} {request.url} -> {response.status_code}")
        return HttpCompleted(response.status_code, response.text)

    def _enqueue(self, enqueue: cmd.Enqueue) -> str:
        parts = [f"language {enqueue.language}"]
        if enqueue.priority is not None:
            parts.append(f"priority {enqueue.priority}")
        if enqueue.segment:
            parts.append(f"segment {enqueue.segment}")
        if enqueue.skills:
            parts.append("skills " + ", ".join(f"{k}:{v}" for k, v in enqueue.skills))
        if enqueue.attributes:
            parts.append(
                "attributes " + ", ".join(f"{k}={v}" for k, v in enqueue.attributes.items())
            )
        if enqueue.callback_after is not None:
            parts.append(
                f"callback offered after {enqueue.callback_after:g}s (key {enqueue.callback_key})"
            )
        return "; ".join(parts)
