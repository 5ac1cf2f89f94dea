"""`eligibility screen --format html`: one self-contained, printable page for the chart.

The page is read back with `html.parser` (structure: no scripts, nothing fetched from the
network, a print stylesheet, every verdict and status as symbol and word, the rule files'
sha256) and compared with the JSON of the same screening. Two tests open it in a real browser
(Debian's `chromium`, headless): the rendered DOM must show every verdict, and printing to PDF
must work. They are skipped when no chromium binary is on PATH.
"""

from __future__ import annotations

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
from typer.testing import CliRunner, Result

from eligibility import __version__
from eligibility.cli import app

HERE = Path(__file__).parent
REPO = HERE.parent
RULES = REPO / "rules"
PATIENTS = REPO / "patients"
EXAMPLE = PATIENTS / "example.yaml"
BAD = HERE / "data" / "bad"
AS_OF = "2026-11-02"

TERMINAL_VARIABLES = ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE",
                      "COLUMNS", "LINES", "JUPYTER_COLUMNS", "JUPYTER_LINES")
VERDICTS = {"eligible": "✓ Eligible", "ineligible": "✗ Ineligible",
            "needs_review": "? Needs review"}
STATUSES = {"pass": "✓ pass", "fail": "✗ fail", "unknown": "? unknown"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
URL_ATTRIBUTES = {"src", "href", "action", "formaction", "poster", "srcset", "data", "background",
                  "cite", "longdesc", "xlink:href"}
EXTERNAL = re.compile(r"^\s*(https?:)?//", re.IGNORECASE)
CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]*)", re.IGNORECASE)
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
BROWSER_SECONDS = 120

needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium or chromium-browser binary on PATH (Debian: "
    "apt-get install chromium); the page's structure is still checked with html.parser")


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


def rule_hashes(folder: Path = RULES) -> dict[str, str]:
    return {path.stem: hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.glob("*.yaml"))}


def expected_statuses(patients: list[dict[str, Any]]) -> Counter[str]:
    return Counter(STATUSES[criterion["status"]] for patient in patients
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
    assert [" ".join(h.text.split()) for h in page.all("h2")] == ["Patient P001-example"]
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
    headings = [" ".join(h.text.split()).split()[0] for h in page.all("h3")]
    assert headings == [trial["id"] for trial in ranked]


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
        assert f"Funnel: {trial_id} ({funnel['patients']} patients)" in text
        expected += [round(100 * step["remaining"] / funnel["patients"])
                     for step in funnel["steps"]]
    assert widths == expected


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
