"""Data is shown, never obeyed: no rich markup, no terminal escape, no spreadsheet formula.

A rule file and a profile carry a hostile payload in every free-text field they have (ids,
names, titles, protocol text, readings, judgment questions, medication names): rich markup,
CSI and OSC 8 sequences, one-byte C1 controls, a bell, a carriage return, bidirectional
overrides and an emoji code. Every command is run as on a colour terminal, and its output may
hold no control character but a line feed and rich's own colour codes (SGR); the payload is
printed as escapes (`\\x1b[31m`). CSV neutralises formulas as OWASP recommends; JSON stays
lossless. The HTML page is opened in a real browser with script and event-handler payloads.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import shutil
import signal
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from typer.testing import CliRunner, Result

from conftest import TRIAL_INFO, profile, screen_one
from eligibility.cli import app
from eligibility.escapes import csv_cell, json_text, visible
from eligibility.loading import Problem
from eligibility.matrix import render_matrix
from eligibility.render import render_problems, render_screenings, render_trial_page
from eligibility.report import CSV_FIELDS
from eligibility.rules import Trial
from eligibility.source import SourceSpan

ROOT = Path(__file__).parent.parent
RULES = ROOT / "rules"
EXAMPLE = ROOT / "patients" / "example.yaml"
TRIAL = "NCT09999901"
PAYLOAD = ("[/bold][red]x[/] \x1b[31mred\x1b[0m\x1b[2J "
           "\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\ "
           "\x9b31m\x9d0;title\x07 \u202eevil\u202c ok\rFAKE :smile:")
SHOWN = "\\x1b[31mred\\x1b[0m\\x1b[2J"  # how the CSI part must appear
SGR = re.compile(r"\x1b\[[0-9;]*m")
OBEYED = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
COLOUR_TERMINAL = {"TTY_COMPATIBLE": "1", "TTY_INTERACTIVE": "0", "NO_COLOR": None,
                   "FORCE_COLOR": None, "COLUMNS": "100"}


def obeyed(text: str) -> list[str]:
    """Characters a terminal would act on, besides line feeds and rich's colour codes."""
    return OBEYED.findall(SGR.sub("", text))


def invoke(*args: str | Path, **env: str | None) -> Result:
    result = CliRunner().invoke(app, [str(arg) for arg in args],
                                env={**COLOUR_TERMINAL, **env})
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{type(result.exception).__name__}: {result.exception}\n{result.output}")
    assert "Traceback" not in result.output
    return result


def write_yaml(path: Path, value: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(value, allow_unicode=False, sort_keys=False),
                    encoding="utf-8")
    return path


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    """tmp_path with rules/ (one hostile trial) and cohort/ (two hostile profiles)."""
    write_yaml(tmp_path / "rules" / f"{TRIAL}.yaml", {
        "trial": {"id": TRIAL, "title": f"T {PAYLOAD}", "short_name": f"[/]{PAYLOAD[:24]}",
                  "overall_status": "RECRUITING", "sponsor": f"S {PAYLOAD}"},
        "criteria": [
            {"id": "I1", "kind": "inclusion", "text": f"I {PAYLOAD}",
             "reading": f"R {PAYLOAD}", "judgment": f"Q {PAYLOAD}"},
            {"id": "E1", "kind": "exclusion", "text": f"E {PAYLOAD}",
             "has": {"in": "medications", "category": ["anticoagulant"],
                     "status": "current"}},
        ]})
    for number in (1, 2):
        write_yaml(tmp_path / "cohort" / f"p{number}.yaml", {
            "id": f"P{number} {PAYLOAD}", "screening_date": "2026-11-02",
            "medications": [{"name": f"M {PAYLOAD}", "status": "current"}]})
    return tmp_path


COMMANDS = {
    "one-patient": ["screen", "cohort/p1.yaml"],
    "matrix": ["screen", "cohort"],
    "detail": ["screen", "cohort", "--detail"],
    "one-patient-json": ["screen", "cohort/p1.yaml", "--format", "json"],
    "batch-json": ["screen", "cohort", "--format", "json"],
    "jsonl": ["screen", "cohort", "--format", "jsonl"],
    "csv": ["screen", "cohort", "--format", "csv"],
    "show": ["show", TRIAL],
    "show-markdown": ["show", TRIAL, "--format", "markdown"],
    "funnel": ["funnel", TRIAL, "cohort"],
    "funnel-json": ["funnel", TRIAL, "cohort", "--format", "json"],
    "check": ["check", "rules", "cohort", "--coverage"],
}


@pytest.mark.parametrize("command", list(COMMANDS.values()), ids=list(COMMANDS))
def test_no_command_sends_a_control_character_from_the_data_to_the_terminal(
        hostile: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]) -> None:
    monkeypatch.chdir(hostile)
    result = invoke(*command, *(["--rules", "rules"] if command[0] != "check" else []),
                    COLUMNS="1000")
    assert result.exit_code == 0, result.output
    assert obeyed(result.stdout) == [] and obeyed(result.stderr) == []
    if command[0] != "check":
        assert "\\x1b" in result.stdout or "\\u001b" in result.stdout  # shown, escaped


@pytest.mark.parametrize("command", ["one-patient", "matrix", "detail", "show"])
def test_terminal_output_shows_escapes_as_text_and_markup_as_written(
        hostile: Path, monkeypatch: pytest.MonkeyPatch, command: str) -> None:
    monkeypatch.chdir(hostile)
    result = invoke(*COMMANDS[command], "--rules", "rules", COLUMNS="400")
    plain = SGR.sub("", result.stdout)
    assert SHOWN in plain
    assert "[/bold][red]x[/]" in plain
    assert "\\u202eevil\\u202c" in plain
    assert ":smile:" in plain and "😄" not in plain


def test_the_one_patient_tables_show_every_field_with_its_payload(
        hostile: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(hostile)
    result = invoke("screen", "cohort/p1.yaml", "--rules", "rules", COLUMNS="1000")
    lines = SGR.sub("", result.stdout)
    for start in ("Patient P1 [/bold]", f"{TRIAL} ([/][/bold]", "T [/bold]", "I [/bold]",
                  "E [/bold]", "Q [/bold]", "'M [/bold]"):
        assert start in lines, start


# The minimal reproductions of the issue: markup in an id, a short name, a judgment question


@pytest.mark.parametrize("ident", ["[/bold]", "[/]", "[bold]x", "[link=https://x]y[/link]"])
@pytest.mark.parametrize("args", [[], ["--detail"], ["--format", "csv"]],
                         ids=["matrix", "detail", "csv"])
def test_a_patient_id_with_markup_is_printed_as_written(tmp_path: Path, ident: str,
                                                        args: list[str]) -> None:
    for name in ("a", "b"):
        write_yaml(tmp_path / "cohort" / f"{name}.yaml",
                   {"id": f"{ident}{name}", "screening_date": "2026-11-02"})
    result = invoke("screen", tmp_path / "cohort", "--rules", RULES, *args,
                    NO_COLOR="1")
    assert result.exit_code == 0, result.output
    assert f"{ident}a" in result.stdout and f"{ident}b" in result.stdout


@pytest.mark.parametrize("command", [["show", TRIAL], ["screen", "p.yaml"]])
def test_a_short_name_and_a_question_with_markup_are_printed_as_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]) -> None:
    write_yaml(tmp_path / "rules" / f"{TRIAL}.yaml", {
        "trial": {"id": TRIAL, "title": "A trial", "short_name": "[/]",
                  "overall_status": "RECRUITING"},
        "criteria": [{"id": "I1", "kind": "inclusion", "text": "[bold]Consent[/bold]",
                      "judgment": "[/x] able to consent?"}]})
    write_yaml(tmp_path / "p.yaml", {"id": "P1", "screening_date": "2026-11-02"})
    monkeypatch.chdir(tmp_path)
    result = invoke(*command, "--rules", "rules", NO_COLOR="1")
    assert result.exit_code == 0, result.output
    assert f"{TRIAL} ([/])" in result.stdout
    assert "[bold]Consent[/bold]" in result.stdout
    assert "[/x] able to consent?" in result.stdout  # as the rule, or as what to collect


# Messages and file names


def test_a_file_name_with_an_escape_sequence_is_shown_escaped_in_messages(
        tmp_path: Path) -> None:
    name = tmp_path / "p\x1b]8;;https:\x9b2J\x07.yaml"  # no [: it would be a pattern
    result = invoke("screen", name, "--rules", RULES)
    assert result.exit_code == 1
    assert obeyed(result.stderr) == []
    assert "p\\x1b]8;;https:\\x9b2J\\x07.yaml: no such file" in SGR.sub("", result.stderr)


def test_the_wrote_message_shows_an_escaped_output_name(tmp_path: Path) -> None:
    destination = tmp_path / "r\x1b[31m.json"
    result = invoke("screen", EXAMPLE, "--rules",
                    RULES, "--format", "json", "-o", destination)
    assert result.exit_code == 0, result.output
    assert obeyed(result.stderr) == []
    assert SGR.sub("", result.stderr) == f"wrote {tmp_path}/r\\x1b[31m.json\n"
    assert destination.exists()


def test_a_misspelt_key_with_an_escape_is_reported_escaped(tmp_path: Path) -> None:
    bad = write_yaml(tmp_path / "bad.yaml", {"id": "P1", "fvc\x1b[2J": 80})
    result = invoke("screen", bad, "--rules", RULES)
    assert result.exit_code == 1
    assert obeyed(result.stderr) == []
    assert "\\x1b[2J" in result.stderr


# Rendering never obeys its data, whatever the data (a property)

hostile_text = st.text(
    alphabet=st.sampled_from([*"[]/:=@+-\\ abc", "\x1b", "\x9b", "\x07", "\r", "\n", "\t",
                              "\x00", "\x7f", "\u202e", "\u2066", "😄"]),
    min_size=1, max_size=30)


@settings(max_examples=60, deadline=None)
@given(ident=hostile_text, title=hostile_text, short_name=hostile_text, text=hostile_text,
       question=hostile_text, width=st.sampled_from([40, 80, 200]))
def test_rendering_never_emits_a_control_sequence_that_is_not_a_style(
        ident: str, title: str, short_name: str, text: str, question: str,
        width: int) -> None:
    if not ident.strip() or not title.strip():
        return  # ids and titles may not be blank
    trial = Trial.model_validate({
        "trial": {**TRIAL_INFO, "title": title, "short_name": short_name},
        "criteria": [
            {"id": "I1", "kind": "inclusion", "text": text, "judgment": question},
            {"id": "E1", "kind": "exclusion", "text": text,
             "check": {"fact": "fvc.percent_predicted", "op": "at_least", "value": 80}}]})
    patient = profile(id=ident)
    screening = screen_one(patient, trial)
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=True, color_system="truecolor")
    render_screenings(console, [screening, screening], patient_id=ident, as_of=dt.date.today())
    render_matrix(console, [(ident, dt.date.today(), (screening,))])
    render_trial_page(console, trial)
    render_problems(console, [Problem(SourceSpan(ident, 1, 1), text, question)])
    assert obeyed(buffer.getvalue()) == []


@pytest.mark.parametrize(("raw", "shown"), [
    ("\x1b[31m", "\\x1b[31m"), ("\x9b", "\\x9b"), ("a\rb", "a\\rb"), ("\x00", "\\x00"),
    ("\x7f", "\\x7f"), ("\u202e", "\\u202e"), ("\u2069", "\\u2069"), ("a\nb", "a\\nb"),
    ("a\tb", "a\\tb"), ("é ≥ 😄 [x]", "é ≥ 😄 [x]"),
], ids=["csi", "c1", "cr", "nul", "del", "rlo", "pdi", "lf", "tab", "printable"])
def test_visible_writes_each_control_character_as_its_escape(raw: str, shown: str) -> None:
    assert visible(raw) == shown


def test_visible_keeps_line_feeds_and_tabs_in_text() -> None:
    assert visible("a\nb\tc\rd", lines=True) == "a\nb\tc\\rd"


# CSV: formulas and row breaks


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_csv_cell_starting_like_a_formula_gets_a_quote_in_front(start: str) -> None:
    assert csv_cell(f"{start}HYPERLINK(\"https://evil.example\")").startswith("'")


@pytest.mark.parametrize("value", ["P001", "1 fail", "", "a=b", "'quoted"])
def test_an_ordinary_csv_cell_is_left_as_it_is(value: str) -> None:
    assert csv_cell(value) == value


@pytest.mark.parametrize("ident", ['=HYPERLINK("https://evil.example","x")', "+1+1", "-2+3",
                                   "@SUM(A1)", "\tx", "\rx"])
def test_a_formula_in_a_patient_id_reaches_the_csv_as_text(tmp_path: Path,
                                                           ident: str) -> None:
    path = write_yaml(tmp_path / "p.yaml", {"id": ident, "screening_date": "2026-11-02"})
    result = invoke("screen", path, "--rules", RULES, "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout, newline="")))
    assert {row["patient_id"] for row in rows} == {"'" + visible(ident, lines=True)}


def test_a_bare_carriage_return_never_splits_a_csv_row(tmp_path: Path) -> None:
    path = write_yaml(tmp_path / "p.yaml", {"id": "a\rb", "screening_date": "2026-11-02",
                                            "medications": [{"name": "x\ry",
                                                             "status": "current"}]})
    result = invoke("screen", path, "--rules", RULES, "--format", "csv")
    assert result.exit_code == 0, result.output
    assert "\r" not in result.stdout
    rows = list(csv.reader(io.StringIO(result.stdout, newline="")))
    assert {len(row) for row in rows} == {len(CSV_FIELDS)}
    assert {row[0] for row in rows[1:]} == {"a\\rb"}


# JSON: lossless, and safe to print


def test_json_escapes_c1_controls_and_bidi_overrides_and_keeps_the_data() -> None:
    value = {"id": "a\x9b31m\u202eb\u2028c\x7f\x1b"}
    text = json_text(value)
    assert not re.search("[\x00-\x1f\x7f-\x9f\u2028\u202e]", text)
    assert json.loads(text) == value


def test_json_output_of_a_hostile_batch_gives_back_every_id_exactly(
        hostile: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(hostile)
    result = invoke("screen", "cohort", "--rules", "rules", "--format", "json")
    document = json.loads(result.stdout)
    assert [patient["patient_id"] for patient in document["patients"]] == [
        f"P1 {PAYLOAD}", f"P2 {PAYLOAD}"]


# The HTML page in a real browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
HTML_PAYLOAD = ('<script>document.title="pwned"</script><img src=x '
                'onerror="document.body.dataset.pwned=1"><a href="javascript:alert(1)">a</a>'
                '</style></title><iframe src="https://evil.example"></iframe>')


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium or chromium-browser on PATH "
                    "(Debian: apt-get install chromium)")
def test_a_browser_runs_nothing_from_hostile_data_in_the_html_page(tmp_path: Path) -> None:
    write_yaml(tmp_path / "rules" / f"{TRIAL}.yaml", {
        "trial": {"id": TRIAL, "title": f"T {HTML_PAYLOAD}", "short_name": HTML_PAYLOAD,
                  "overall_status": "RECRUITING", "sponsor": HTML_PAYLOAD},
        "criteria": [{"id": "I1", "kind": "inclusion", "text": HTML_PAYLOAD,
                      "reading": HTML_PAYLOAD, "judgment": HTML_PAYLOAD}]})
    for number in (1, 2):
        write_yaml(tmp_path / "cohort" / f"p{number}.yaml", {
            "id": f"P{number}{HTML_PAYLOAD}{PAYLOAD}", "screening_date": "2026-11-02"})
    page = tmp_path / "report.html"
    result = invoke("screen", tmp_path / "cohort", "--rules", tmp_path / "rules",
                    "--format", "html", "-o", page)
    assert result.exit_code == 0, result.output
    assert CHROMIUM is not None
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-background-networking", "--disable-component-update",
               "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}",
               "--virtual-time-budget=2000", "--dump-dom", page.as_uri()]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          start_new_session=True) as browser:
        try:
            dom, _ = browser.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            os.killpg(browser.pid, signal.SIGKILL)
            browser.communicate()
            pytest.fail("chromium did not finish within 120 s")
    parser = _Elements()
    parser.feed(dom.decode("utf-8"))
    tags = {tag for tag, _ in parser.elements}
    assert not tags & {"script", "img", "iframe"}
    assert not [attrs for _, attrs in parser.elements
                if "data-pwned" in attrs or any(name.startswith("on") for name in attrs)
                or (attrs.get("href") or "").startswith("javascript:")]
    assert b"<title>pwned" not in dom
    assert b'<script>document.title="pwned"</script>' not in dom
    assert b"&lt;script&gt;document.title" in dom  # shown as text
