"""`eligibility screen --format html`: one self-contained, printable page for the chart.

The page is read back with `html.parser` (structure: no scripts, nothing fetched from the
network, a print stylesheet, every verdict and status as symbol and word, the rule files'
sha256) and compared with the JSON of the same screening. Two tests open it in a real browser
(Debian's `chromium`, headless): the rendered DOM must show every verdict, and printing to PDF
must work. They are skipped when no chromium binary is on PATH.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
from collections import Counter
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

from eligibility import __version__, cohort, html_report, load_patient, load_trial, screen
from eligibility.chart import css_string
from eligibility.cli import app
from eligibility.html_report import _funnel

HERE = Path(__file__).parent
REPO = HERE.parent
RULES = REPO / "rules"
PATIENTS = REPO / "patients"
EXAMPLE = PATIENTS / "example.yaml"
STALE_FVC = PATIENTS / "stale-fvc.yaml"
BAD = HERE / "data" / "bad"
AS_OF = "2026-11-02"

TERMINAL_VARIABLES = ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE",
                      "COLUMNS", "LINES", "JUPYTER_COLUMNS", "JUPYTER_LINES")
VERDICTS = {"eligible": "✓ Eligible", "ineligible": "✗ Ineligible",
            "needs_review": "? Needs review"}
STATUSES = {("inclusion", "pass"): "✓ met", ("inclusion", "fail"): "✗ not met",
            ("inclusion", "unknown"): "? unknown", ("exclusion", "pass"): "✓ absent",
            ("exclusion", "fail"): "✗ present", ("exclusion", "unknown"): "? unknown"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
URL_ATTRIBUTES = {"src", "href", "action", "formaction", "poster", "srcset", "data", "background",
                  "cite", "longdesc", "xlink:href"}
EXTERNAL = re.compile(r"^\s*(https?:)?//", re.IGNORECASE)
CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]*)", re.IGNORECASE)
CSS_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
PRINT_MEDIA = re.compile(r"@media print\s*\{((?:[^{}]*\{[^{}]*\})*)\s*\}")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PDFTOTEXT = shutil.which("pdftotext")
BROWSER_SECONDS = 120

needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium or chromium-browser binary on PATH (Debian: "
    "apt-get install chromium); the page's structure is still checked with html.parser")
needs_pdftotext = pytest.mark.skipif(
    PDFTOTEXT is None, reason="no pdftotext binary on PATH (Debian: apt-get install poppler-utils)")


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""

    @property
    def classes(self) -> list[str]:
        return self.attrs.get("class", "").split()


class Page(HTMLParser):
    """Every element of a page with its attributes and its text; the CSS apart."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self.styles: list[str] = []  # <style> contents and style attributes
        self._open: list[Element] = []
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {name: value or "" for name, value in attrs})
        self.elements.append(element)
        if "style" in element.attrs:
            self.styles.append(element.attrs["style"])
        if tag not in VOID:
            self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            if self._open.pop().tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._open and self._open[-1].tag == "style":
            self.styles.append(data)
            return
        for element in self._open:
            element.text += data
        self._text.append(data)

    @property
    def text(self) -> str:
        return " ".join("".join(self._text).split())

    def all(self, tag: str, css_class: str | None = None) -> list[Element]:
        return [element for element in self.elements if element.tag == tag
                and (css_class is None or css_class in element.classes)]

    def words(self, tag: str, css_class: str) -> Counter[str]:
        return Counter(" ".join(element.text.split()) for element in self.all(tag, css_class))


def squeeze(text: str) -> str:
    return " ".join(text.split())


def table_after(page: Page, heading: str, number: int = 1) -> list[list[str]]:
    """The cell texts, row by row, of the `number`th table after the h2 or h3 reading
    `heading` (and before the next heading)."""
    start = next(index for index, element in enumerate(page.elements)
                 if element.tag in ("h2", "h3") and squeeze(element.text) == heading)
    rows: list[list[str]] = []
    tables = 0
    for element in page.elements[start + 1:]:
        tables += element.tag == "table"
        if tables > number or element.tag in ("h2", "h3"):
            break
        if tables < number:
            continue
        if element.tag == "tr":
            rows.append([])
        elif element.tag in ("td", "th") and rows:
            rows[-1].append(squeeze(element.text))
    return rows


def print_rules(page: Page) -> dict[str, dict[str, str]]:
    """The page's `@media print` rules: each selector (split at commas) with its declarations."""
    (body,) = PRINT_MEDIA.findall("\n".join(page.styles))
    rules: dict[str, dict[str, str]] = {}
    for selectors, declarations in CSS_RULE.findall(body):
        found = [part.split(":", 1) for part in declarations.split(";") if ":" in part]
        for selector in selectors.split(","):
            rules.setdefault(squeeze(selector), {}).update(
                {name.strip(): value.strip() for name, value in found})
    return rules


def trial_headings(page: Page) -> list[Element]:
    """The h3 of each trial's section (the first part's own headings left out)."""
    return [h for h in page.all("h3") if "first" not in h.classes]


def items(page: Page, listing: Element) -> list[Element]:
    """The li elements of a list, up to the next heading, table or section."""
    start = page.elements.index(listing)
    found = []
    for element in page.elements[start + 1:]:
        if element.tag in ("h2", "h3", "table", "section", "ul"):
            break
        if element.tag == "li":
            found.append(element)
    return found


def ranked(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The trials of a one-patient document in the order the page ranks them."""
    order = {"eligible": 0, "needs_review": 1, "ineligible": 2}
    deciding = {"eligible": "pass", "needs_review": "unknown", "ineligible": "fail"}
    return sorted(document["trials"], key=lambda t: (order[t["verdict"]],
                                                     t["counts"][deciding[t["verdict"]]]))


def parse(text: str) -> Page:
    page = Page()
    page.feed(text)
    page.close()
    return page


def invoke(*args: str | Path) -> Result:
    clean: dict[str, str | None] = dict.fromkeys(TERMINAL_VARIABLES)
    clean.update(COLUMNS="80")
    return CliRunner().invoke(app, [str(arg) for arg in args], env=clean, terminal_width=80)


def html_and_json(tmp_path: Path, *args: str | Path, exit_code: int = 0) -> tuple[
        Path, Page, dict[str, Any]]:
    """Write the HTML report of `screen *args` and return it parsed, with the same run's JSON."""
    destination = tmp_path / "report.html"
    written = invoke("screen", *args, "--format", "html", "--output", destination)
    assert written.exit_code == exit_code, written.output
    machine = invoke("screen", *args, "--format", "json")
    assert machine.exit_code == exit_code, machine.output
    return destination, parse(destination.read_text(encoding="utf-8")), json.loads(
        machine.stdout)


def assert_self_contained(page: Page) -> None:
    """No script, no event handler, nothing fetched from the network; a print stylesheet."""
    assert page.all("script") == []
    for element in page.elements:
        assert not [name for name in element.attrs if name.startswith("on")], element
        for name, value in element.attrs.items():
            if name in URL_ATTRIBUTES:
                assert not EXTERNAL.search(value) and not value.lower().startswith(
                    "javascript:"), element
    css = "\n".join(page.styles)
    assert not [url for url in CSS_URL.findall(css) if EXTERNAL.search(url)]
    assert "@import" not in css
    assert len(page.all("style")) >= 1
    assert "@media print" in css


def funnel_json(trial_id: str) -> dict[str, Any]:
    """`eligibility funnel` of the example patients, as JSON: what the page's funnel shows."""
    result = invoke("funnel", trial_id, PATIENTS, "--rules", RULES, "--as-of", AS_OF,
                    "--format", "json")
    assert result.exit_code == 0, result.output
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def rule_hashes(folder: Path = RULES) -> dict[str, str]:
    return {path.stem: hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.glob("*.yaml"))}


def expected_statuses(patients: list[dict[str, Any]]) -> Counter[str]:
    return Counter(STATUSES[criterion["kind"], criterion["status"]] for patient in patients
                   for trial in patient["trials"] for criterion in trial["criteria"])


def expected_verdicts(patients: list[dict[str, Any]], times: int) -> Counter[str]:
    counts = Counter(VERDICTS[trial["verdict"]] for patient in patients
                     for trial in patient["trials"])
    return Counter({word: count * times for word, count in counts.items()})


# One patient


def test_one_patient_page_is_self_contained_and_holds_the_whole_screening(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)  # the default --rules folder, rules/
    _, page, document = html_and_json(tmp_path, "patients/example.yaml")
    assert_self_contained(page)
    patients = [document]
    text = page.text
    assert page.all("title")[0].text == "Screening of patient P001-example"
    assert [" ".join(h.text.split()) for h in page.all("h2")] == ["Patient P001-example",
                                                                  "Rule files"]
    assert f"Screened as of {AS_OF}" in text
    assert f"eligibility {__version__}" in text
    for trial_id, sha256 in rule_hashes().items():
        assert f"rules/{trial_id}.yaml" in text
        assert sha256 in [element.text for element in page.all("td", "hash")]
    # every verdict twice (summary and the trial's section), every criterion's status once
    assert page.words("span", "verdict") == expected_verdicts(patients, times=2)
    assert page.words("span", "status") == expected_statuses(patients)
    for trial in document["trials"]:
        assert any(" ".join(h.text.split()).startswith(trial["id"]) for h in page.all("h3"))
        for criterion in trial["criteria"]:
            assert " ".join(criterion["explanation"].split()) in text
            assert " ".join(criterion["text"].split()) in text
        if trial["verdict"] == "needs_review":
            items = {" ".join(li.text.split()) for li in page.all("li")}
            assert {" ".join(item.split()) for item in trial["collect_next"]} <= items
            assert trial["collect_next"], "the example should have something to collect"


def test_one_patient_page_ranks_trials_as_the_summary_does(tmp_path: Path) -> None:
    _, page, document = html_and_json(tmp_path, EXAMPLE, "--rules", RULES)
    order = {"eligible": 0, "needs_review": 1, "ineligible": 2}
    ranked = sorted(document["trials"], key=lambda t: (order[t["verdict"]], t["counts"][
        {"eligible": "pass", "needs_review": "unknown", "ineligible": "fail"}[t["verdict"]]]))
    headings = [" ".join(h.text.split()).split()[0] for h in trial_headings(page)]
    assert headings == [trial["id"] for trial in ranked]


def test_one_patient_page_explains_what_each_status_means_before_any_result(
        tmp_path: Path) -> None:
    _, page, _ = html_and_json(tmp_path, EXAMPLE, "--rules", RULES)
    (legend,) = page.all("p", "legend")
    assert "an exclusion does not apply" in legend.text
    assert page.elements.index(legend) < page.elements.index(page.all("section", "patient")[0])


def test_patient_summary_gives_each_trials_counts_and_registry_status(tmp_path: Path) -> None:
    _, page, document = html_and_json(tmp_path, EXAMPLE, "--rules", RULES)
    header, *rows = table_after(page, "Patient P001-example", 2)  # after who the patient is
    assert header == ["Trial", "Name", "Verdict", "✓ pass", "✗ fail", "? unknown", "Registry",
                      "Deciding criteria"]
    by_id = {row[0]: row for row in rows}
    assert len(by_id) == len(document["trials"])
    for trial in document["trials"]:
        counts = trial["counts"]
        assert by_id[trial["id"]][3:7] == [str(counts["pass"]), str(counts["fail"]),
                                           str(counts["unknown"]), trial["overall_status"]]


def test_inclusion_and_exclusion_criteria_are_apart_each_with_its_text_reading_then_why(
        tmp_path: Path) -> None:
    _, page, document = html_and_json(tmp_path, EXAMPLE, "--rules", RULES)
    headings = [squeeze(h.text) for h in trial_headings(page)]
    for trial in document["trials"]:
        heading = next(h for h in headings if h.startswith(f"{trial['id']} "))
        for number, (kind, question) in enumerate(
                [("inclusion", "Met?"), ("exclusion", "Present?")], start=1):
            header, *rows = table_after(page, heading, number)
            assert header == ["ID", question, "Criterion (protocol text) and why"]
            criteria = [c for c in trial["criteria"] if c["kind"] == kind]
            assert [row[:2] for row in rows] == [
                [c["id"], STATUSES[kind, c["status"]]] for c in criteria]
            assert [row[2] for row in rows] == [
                squeeze(f"{criterion['text']} "
                        + (f"Read as: {criterion['reading']} " if criterion["reading"] else "")
                        + f"→ {criterion['explanation']}")
                for criterion in criteria]
    assert any(c["reading"] for trial in document["trials"] for c in trial["criteria"])


def test_a_failed_exclusion_is_present_and_a_failed_inclusion_not_met(tmp_path: Path) -> None:
    _, page, _ = html_and_json(tmp_path, EXAMPLE, "--rules", RULES)
    str04 = next(squeeze(h.text) for h in trial_headings(page) if h.text.startswith("NCT0691"))
    _, *exclusions = table_after(page, str04, 2)
    assert ["E4", "✗ present"] in [row[:2] for row in exclusions]  # an allergy to penicillin
    orarials = next(squeeze(h.text) for h in trial_headings(page)
                    if h.text.startswith("NCT03491462"))
    _, *exclusions = table_after(page, orarials, 2)
    assert ["E2", "✓ absent"] in [row[:2] for row in exclusions]  # not pregnant
    jetals = next(squeeze(h.text) for h in trial_headings(page) if h.text.startswith("NCT0354"))
    _, *inclusions = table_after(page, jetals, 1)
    assert ["I1", "✗ not met"] in [row[:2] for row in inclusions]


def test_the_first_part_names_each_failed_criterion_in_words(tmp_path: Path) -> None:
    _, page, document = html_and_json(tmp_path, EXAMPLE, "--rules", RULES)
    failed = [squeeze(li.text) for li in items(page, page.all("ul", "failed")[0])]
    expected = [(trial, c) for trial in document["trials"] for c in trial["criteria"]
                if c["status"] == "fail"]
    assert len(failed) == len(expected) == 2
    words = {"inclusion": "the patient does not meet inclusion",
             "exclusion": "the patient has exclusion"}
    for line, (trial, criterion) in zip(failed, sorted(
            expected, key=lambda pair: [t["id"] for t in ranked(document)].index(
                pair[0]["id"])), strict=True):
        assert line.startswith(f"{trial['id']} ({trial['short_name']}): "
                               f"{words[criterion['kind']]} {criterion['id']}, ")
        assert squeeze(criterion["text"]) in line and squeeze(criterion["explanation"]) in line
    patient = page.elements.index(page.all("section", "patient")[0])
    first_trial = page.elements.index(page.all("section", "trial")[0])
    assert patient < page.elements.index(page.all("ul", "failed")[0]) < first_trial


def test_the_merged_collect_next_list_is_on_the_first_part_as_in_the_json(
        tmp_path: Path) -> None:
    _, page, document = html_and_json(tmp_path, STALE_FVC, "--rules", RULES)
    header, *rows = table_after(page, "Collect next, across trials")
    assert header == ["#", "Collect or ask", "Provided by", "Criteria it settles",
                      "Could decide"]
    merged = document["collect_across_trials"]
    assert [row[0] for row in rows] == [str(n) for n in range(1, len(merged) + 1)]
    assert [row[1] for row in rows] == [f"{item['label']}{item['fact']}" for item in merged]
    assert [row[2] for row in rows] == [item["provided_by"] for item in merged]
    assert rows[0][4] == "NCT06910384"  # the FVC settles STR04 on its own


def test_the_patient_is_named_with_age_sex_and_screening_date(tmp_path: Path) -> None:
    _, page, _ = html_and_json(tmp_path, EXAMPLE, "--rules", RULES)
    (about,) = page.all("table", "about")
    cells = [squeeze(cell.text) for cell in page.elements[page.elements.index(about):]
             if cell.tag in ("th", "td")][:8]
    assert cells == ["Patient", "P001-example", "Age", "58 years", "Sex", "female",
                     "Screening date", AS_OF]
    header = "Patient P001-example · 58 years · female · screened 2026-11-02"
    assert f"@top-left {{ content: {css_string(header)};" in "\n".join(page.styles)


def test_an_ineligible_trial_says_which_criteria_it_fails(tmp_path: Path) -> None:
    _, page, document = html_and_json(tmp_path, EXAMPLE, "--rules", RULES)
    ineligible = [trial for trial in document["trials"] if trial["verdict"] == "ineligible"]
    assert ineligible, "the example should be ineligible for a trial"
    for trial in ineligible:
        failing = [c["id"] for c in trial["criteria"] if c["status"] == "fail"]
        assert f"Fails {', '.join(failing)}." in page.text


def test_the_rule_files_come_last_after_the_screenings(tmp_path: Path) -> None:
    _, page, _ = html_and_json(tmp_path, EXAMPLE, "--rules", RULES)
    assert squeeze(page.all("h2")[-1].text) == "Rule files"
    first_hash = page.elements.index(page.all("td", "hash")[0])
    assert all(page.elements.index(span) < first_hash for span in page.all("span", "status"))


def test_markup_in_a_patient_id_is_shown_as_text_not_run(tmp_path: Path) -> None:
    ident = 'P-<script>alert(1)</script>&"x"'
    profile = tmp_path / "odd.yaml"
    profile.write_text(EXAMPLE.read_text(encoding="utf-8").replace(
        "id: P001-example", f"id: '{ident}'"), encoding="utf-8")
    (tmp_path / "out").mkdir()
    _, page, _ = html_and_json(tmp_path / "out", profile, "--rules", RULES)
    assert page.all("script") == []
    assert f"Patient {ident}" in page.text


def test_a_closed_trial_without_a_last_update_date_does_not_say_none(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "NCT00000031.yaml").write_text(
        "trial:\n  id: NCT00000031\n  title: A closed trial\n  overall_status: COMPLETED\n"
        "criteria:\n  - id: I1\n    kind: inclusion\n    text: '%FVC of 80% or more.'\n"
        "    check: {fact: fvc.percent_predicted, op: at_least, value: 80}\n", encoding="utf-8")
    _, page, _ = html_and_json(tmp_path, EXAMPLE, "--rules", rules)
    (warning,) = page.all("p", "warning")
    assert "COMPLETED" in warning.text
    assert "None" not in warning.text


# A batch


def test_batch_page_has_the_matrix_the_funnels_and_a_section_per_patient(tmp_path: Path) -> None:
    _, page, document = html_and_json(tmp_path, PATIENTS, "--rules", RULES, "--as-of", AS_OF)
    assert_self_contained(page)
    patients = document["patients"]
    text = page.text
    assert page.all("title")[0].text == f"Screening of {len(patients)} patients"
    assert "Summary" in [h.text for h in page.all("h2")]
    assert len(page.all("section", "patient")) == len(patients)
    for patient in patients:
        assert f"Patient {patient['patient_id']}" in [" ".join(h.text.split())
                                                      for h in page.all("h2")]
    for sha256 in rule_hashes().values():
        assert sha256 in text
    # each verdict: once in the matrix, twice in the patient's section
    assert page.words("span", "verdict") == expected_verdicts(patients, times=3)
    assert set(page.words("span", "verdict")) == set(VERDICTS.values())
    assert page.words("span", "status") == expected_statuses(patients)
    assert set(page.words("span", "status")) == set(STATUSES.values())
    widths = [int(re.search(r"width:\s*(\d+)%", bar.attrs["style"])[1])  # type: ignore[index]
              for bar in page.all("span", "bar")]
    expected = []
    for trial_id in rule_hashes():
        result = invoke("funnel", trial_id, PATIENTS, "--rules", RULES, "--as-of", AS_OF,
                        "--format", "json")
        funnel = json.loads(result.stdout)
        assert f"Funnel {trial_id} " in text
        assert f" · {funnel['patients']} patients" in text
        expected += [100] + [round(100 * step["remaining"] / funnel["patients"])
                             for step in funnel["steps"]]
    assert widths == expected


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Page, dict[str, Any]]:
    """The example patients screened on one date: the page and the same run's JSON."""
    return html_and_json(tmp_path_factory.mktemp("batch"), PATIENTS, "--rules", RULES,
                         "--as-of", AS_OF)


def test_batch_funnel_starts_with_every_patient_and_gives_each_criterion_its_kind(
        batch: tuple[Path, Page, dict[str, Any]]) -> None:
    _, page, _ = batch
    for trial_id in rule_hashes():
        funnel = funnel_json(trial_id)
        heading = next(squeeze(h.text) for h in page.all("h3")
                       if squeeze(h.text).startswith(f"Funnel {trial_id} "))
        assert heading.endswith(f" · {funnel['patients']} patients")
        header, start, *steps = table_after(page, heading)
        assert header == ["Criterion", "Kind", "✓ pass", "✗ fail", "? unknown", "Remaining", ""]
        assert start == ["start", "", "", "", "", str(funnel["patients"]), ""]
        assert steps == [[step["id"], step["kind"], str(step["pass"]), str(step["fail"]),
                          str(step["unknown"]), str(step["remaining"]), ""]
                         for step in funnel["steps"]]


def test_batch_funnel_ends_with_the_verdict_totals_and_the_criteria_that_exclude_most(
        batch: tuple[Path, Page, dict[str, Any]]) -> None:
    _, page, _ = batch
    expected = []
    for trial_id in rule_hashes():
        funnel = funnel_json(trial_id)
        verdicts = " · ".join(f"{funnel['verdicts'][verdict]} {verdict.replace('_', ' ')}"
                              for verdict in ("eligible", "ineligible", "needs_review"))
        failed = {step["id"]: step["fail"] for step in funnel["steps"]}
        top = ", ".join(f"{ident} ({failed[ident]})" for ident in funnel["top_excluders"])
        expected.append(f"Verdicts: {verdicts}" + (f" Excludes the most: {top}" if top else ""))
    assert any("Excludes the most" in line for line in expected)
    assert [squeeze(p.text) for p in page.all("p", "funnel-totals")] == expected


def test_a_funnel_of_one_patient_says_patient_not_patients() -> None:
    # The CLI shows funnels only for several patients, so build one section directly.
    trial = load_trial(RULES / "NCT06910384.yaml")
    screening = screen(load_patient(EXAMPLE), trial, as_of=dt.date.fromisoformat(AS_OF))
    (heading,) = parse(_funnel(cohort.funnel(trial, [screening]))).all("h3")
    assert squeeze(heading.text) == "Funnel NCT06910384 (STR04) · 1 patient"


def test_a_batch_screened_on_one_date_gives_it_once_above_the_matrix(
        batch: tuple[Path, Page, dict[str, Any]]) -> None:
    _, page, document = batch
    count = len(document["patients"])
    assert f"{count} patients · as of {AS_OF}" in [squeeze(p.text) for p in page.all("p", "meta")]
    assert "As of" not in table_after(page, "Summary")[0]


def test_a_batch_screened_on_several_dates_gives_each_patient_its_date(tmp_path: Path) -> None:
    _, page, document = html_and_json(tmp_path, PATIENTS, "--rules", RULES)
    patients = document["patients"]
    assert len({patient["as_of"] for patient in patients}) > 1, "examples carry their own dates"
    header, *rows, _ = table_after(page, "Summary")
    assert header[:2] == ["Patient", "As of"]
    assert [row[:2] for row in rows] == [[p["patient_id"], p["as_of"]] for p in patients]


def test_the_matrix_ends_with_each_trials_verdict_totals(
        batch: tuple[Path, Page, dict[str, Any]]) -> None:
    _, page, document = batch
    totals = table_after(page, "Summary")[-1]
    expected = ["All patients"]
    for index in range(len(rule_hashes())):
        verdicts = Counter(patient["trials"][index]["verdict"] for patient in document["patients"])
        expected.append(" ".join(f"{verdicts[verdict]} {verdict.replace('_', ' ')}"
                                 for verdict in ("eligible", "ineligible", "needs_review")))
    assert totals == expected


def test_each_matrix_row_links_to_its_patients_section(
        batch: tuple[Path, Page, dict[str, Any]]) -> None:
    _, page, document = batch
    sections = {}
    for index, element in enumerate(page.elements):
        if element.tag == "section" and "patient" in element.classes:
            heading = next(e for e in page.elements[index:] if e.tag == "h2")
            sections[f"#{element.attrs['id']}"] = squeeze(heading.text)
    links = [(a.attrs["href"], squeeze(a.text)) for a in page.all("a")]
    assert [name for _, name in links] == [p["patient_id"] for p in document["patients"]]
    assert [sections[href] for href, _ in links] == [f"Patient {name}" for _, name in links]


def test_printing_breaks_a_page_before_each_patient_but_the_first(
        batch: tuple[Path, Page, dict[str, Any]]) -> None:
    _, page, _ = batch
    rules = print_rules(page)
    breaking = {selector for selector, declarations in rules.items()
                if declarations.get("break-before") == "page"}
    assert breaking == {"section.cohort + section.patient", "section.patient + section.patient"}


def test_printing_lets_a_long_trial_table_break_but_not_a_row_or_after_a_heading(
        batch: tuple[Path, Page, dict[str, Any]]) -> None:
    _, page, _ = batch
    rules = print_rules(page)
    assert "break-inside" not in rules.get("section.trial", {})
    assert rules["tr"]["break-inside"] == "avoid"
    assert rules["h3"]["break-after"] == "avoid"
    assert rules["caption"]["break-after"] == rules["thead"]["break-after"] == "avoid"


def test_batch_page_lists_a_profile_that_could_not_be_used(tmp_path: Path) -> None:
    folder = tmp_path / "cohort"
    folder.mkdir()
    shutil.copy(EXAMPLE, folder / "example.yaml")
    shutil.copy(PATIENTS / "stale-fvc.yaml", folder / "stale-fvc.yaml")
    bad = Path(shutil.copy(BAD / "patient-fvc-text.yaml", folder / "broken.yaml"))
    _, page, document = html_and_json(tmp_path, folder, "--rules", RULES, exit_code=1)
    assert "Files that could not be used" in [h.text for h in page.all("h2")]
    assert (f"{bad}:4:26: fvc.percent_predicted: expected a number, got 'eighty'"
            in [" ".join(code.text.split()) for code in page.all("code")])
    assert len(page.all("section", "patient")) == len(document["patients"]) == 2


# In a real browser


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    """Run headless chromium with no network side traffic; kill it all after a time limit."""
    assert CHROMIUM is not None
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
               "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync",
               f"--user-data-dir={tmp_path / 'chromium-profile'}", *args]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          start_new_session=True) as process:
        try:
            stdout, stderr = process.communicate(timeout=BROWSER_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            pytest.fail(f"chromium did not finish within {BROWSER_SECONDS} s: {command}")
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


@needs_chromium
def test_a_browser_renders_every_verdict_of_a_batch(tmp_path: Path) -> None:
    report, _, document = html_and_json(tmp_path, PATIENTS, "--rules", RULES, "--as-of", AS_OF)
    rendered = chromium(tmp_path, "--dump-dom", report.as_uri())
    assert rendered.returncode == 0, rendered.stderr.decode(errors="replace")[-2000:]
    page = parse(rendered.stdout.decode("utf-8"))
    for word in VERDICTS.values():
        assert word in page.text
    for patient in document["patients"]:
        assert f"Patient {patient['patient_id']}" in page.text
    assert page.all("script") == []


@needs_chromium
def test_a_browser_prints_the_page_to_pdf(tmp_path: Path) -> None:
    report, _, _ = html_and_json(tmp_path, EXAMPLE, "--rules", RULES)
    pdf = tmp_path / "report.pdf"
    printed = chromium(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}",
                       report.as_uri())
    assert printed.returncode == 0, printed.stderr.decode(errors="replace")[-2000:]
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    assert len(data) > 20_000
    assert data.rstrip().endswith(b"%%EOF")


@needs_chromium
@needs_pdftotext
def test_the_first_printed_page_shows_the_patient_and_their_best_trial(tmp_path: Path) -> None:
    report, page, _ = html_and_json(tmp_path, EXAMPLE, "--rules", RULES)
    pdf = tmp_path / "report.pdf"
    printed = chromium(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}",
                       report.as_uri())
    assert printed.returncode == 0, printed.stderr.decode(errors="replace")[-2000:]
    assert PDFTOTEXT is not None
    first = squeeze(subprocess.run([PDFTOTEXT, "-f", "1", "-l", "1", str(pdf), "-"],
                                   capture_output=True, check=True, timeout=60).stdout.decode())
    best = squeeze(trial_headings(page)[0].text)
    assert "Patient P001-example · 58 years · female · screened 2026-11-02" in first
    assert "Patient P001-example Age 58 years Sex female Screening date 2026-11-02" in first
    assert best.split()[0] in first
    assert "What rules the patient out" in first and "page 1 of " in first
    assert squeeze(page.all("ul", "failed")[0].text)[:60] in first


def test_a_folder_of_one_profile_is_a_batch_page_as_in_the_terminal(tmp_path: Path) -> None:
    folder = tmp_path / "cohort"
    folder.mkdir()
    shutil.copy(EXAMPLE, folder / "example.yaml")
    _, page, _ = html_and_json(tmp_path, str(folder))
    assert page.all("title")[0].text == "Screening of 1 patient"
    assert "Funnels" in [squeeze(h.text) for h in page.all("h2")]


def test_the_page_says_when_it_was_made_as_people_read_a_time() -> None:
    moment = dt.datetime(2026, 12, 4, 14, 19, 42, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert html_report._when(moment) == "2026-12-04 14:19 UTC+01:00"
    assert html_report._when(moment.astimezone(dt.UTC)) == "2026-12-04 13:19 UTC"
    assert html_report._when(moment.replace(tzinfo=None)) == "2026-12-04 14:19"


def pdf_pages(tmp_path: Path, report: Path) -> list[str]:
    """The text of each page of `report` printed by chromium, squeezed."""
    pdf = tmp_path / "report.pdf"
    printed = chromium(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}",
                       report.as_uri())
    assert printed.returncode == 0, printed.stderr.decode(errors="replace")[-2000:]
    assert PDFTOTEXT is not None
    text = subprocess.run([PDFTOTEXT, "-layout", str(pdf), "-"], capture_output=True,
                          check=True, timeout=60).stdout.decode()
    return [squeeze(page) for page in text.split("\f") if page.strip()]


@needs_chromium
@needs_pdftotext
def test_every_printed_page_has_the_patient_header_and_its_number(tmp_path: Path) -> None:
    report, _, _ = html_and_json(tmp_path, EXAMPLE, "--rules", RULES)
    pages = pdf_pages(tmp_path, report)
    assert len(pages) > 3
    for number, page in enumerate(pages, start=1):
        assert page.startswith("Patient P001-example · 58 years · female · screened "
                               "2026-11-02 "), page[:120]
        assert page.endswith(f"page {number} of {len(pages)}"), page[-120:]


@needs_chromium
@needs_pdftotext
def test_in_a_printed_batch_each_patients_pages_carry_their_own_header(tmp_path: Path) -> None:
    folder = tmp_path / "cohort"
    folder.mkdir()
    for name in ("example", "stale-fvc"):
        shutil.copy(PATIENTS / f"{name}.yaml", folder)
    report, _, _ = html_and_json(tmp_path, folder, "--rules", RULES, "--trial", "NCT06910384")
    pages = pdf_pages(tmp_path, report)
    header = re.compile(r"Screening of 2 patients|Patient \S+ · [^·]+ · [^·]+ · screened "
                        r"\d{4}-\d{2}-\d{2}")
    headers = [header.match(page)[0] for page in pages]  # type: ignore[index]
    runs = [heading for number, heading in enumerate(headers)
            if number == 0 or headers[number - 1] != heading]
    assert runs == ["Screening of 2 patients",  # the matrix and the funnels
                    "Patient P001-example · 58 years · female · screened 2026-11-02",
                    "Patient P008-stale-fvc · 57 years · male · screened 2026-07-27",
                    "Screening of 2 patients"]  # the rule files
    assert all(page.endswith(f"page {n} of {len(pages)}") for n, page in enumerate(pages, 1))


@given(text=st.text(max_size=40))
def test_a_css_string_can_hold_any_text_and_end_nothing(text: str) -> None:
    quoted = css_string(text)
    assert re.fullmatch(r'"(?:[A-Za-z0-9 ]|\\[0-9a-f]{6} )*"', quoted)
    unescaped = re.sub(r"\\([0-9a-f]{6}) ", lambda m: chr(int(m[1], 16)), quoted[1:-1])
    assert unescaped == text


def test_a_patient_id_cannot_end_the_print_stylesheet(tmp_path: Path) -> None:
    ident = 'P-</style><script>alert(1)</script>"}@page{'
    profile = tmp_path / "odd.yaml"
    profile.write_text(EXAMPLE.read_text(encoding="utf-8").replace(
        "id: P001-example", f"id: '{ident}'"), encoding="utf-8")
    (tmp_path / "out").mkdir()
    _, page, _ = html_and_json(tmp_path / "out", profile, "--rules", RULES)
    assert page.all("script") == []
    assert len(page.all("style")) == 1
    assert f"Patient {ident}" in page.text


def test_a_filtered_batch_page_holds_only_the_patients_shown(tmp_path: Path) -> None:
    _, page, document = html_and_json(tmp_path, PATIENTS, "--rules", RULES, "--as-of", AS_OF,
                                      "--verdict", "eligible", "--sort", "best")
    shown = [squeeze(h.text) for h in page.all("h2") if h.text.startswith("Patient ")]
    assert shown == [f"Patient {p['patient_id']}" for p in document["patients"]]
    assert 0 < len(shown) < len(list(PATIENTS.glob("*.yaml")))
    assert all(any(t["verdict"] == "eligible" for t in p["trials"])
               for p in document["patients"])
