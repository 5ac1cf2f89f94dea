"""The chart page's own parts, as HTML: the patient header on every printed page, criteria in
clinicians' words, the first-page list of what rules the patient out, and the merged list of
what to collect next.

Every text from a file is escaped: `html.escape` in the page, and a CSS string of hex escapes
in the print stylesheet (`css_string`), so a patient id can neither end the `<style>` element
nor the string it is in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING, NamedTuple

from .collect import ToCollect
from .results import CriterionResult, Screening, Status

if TYPE_CHECKING:  # the profile model is only read, by `about`
    from .patient import PatientProfile

__all__ = ["About", "about", "criteria_tables", "css_string", "failed_summary", "merged_list",
           "page_rules", "status_words"]

_SYMBOL = {Status.PASS: "✓", Status.FAIL: "✗", Status.UNKNOWN: "?"}
_WORDS = {
    "inclusion": {Status.PASS: "met", Status.FAIL: "not met", Status.UNKNOWN: "unknown"},
    "exclusion": {Status.PASS: "absent", Status.FAIL: "present", Status.UNKNOWN: "unknown"},
}
_SECTION = {"inclusion": ("Inclusion criteria", "Met?"),
            "exclusion": ("Exclusion criteria", "Present?")}


class About(NamedTuple):
    """What the header of each printed page says of the patient besides the date."""

    patient_id: str
    age: str = ""      # `58`, `57 or 58` (from an age recorded on another day), or unknown
    sex: str = ""


def about(profile: PatientProfile, as_of: dt.date) -> About:
    """The patient's id, age on `as_of` and sex, as the profile states them."""
    from .observations import Facts

    facts = Facts(profile, as_of)
    age, sex = facts.get("age"), facts.get("sex")
    years = "" if age is None else " or ".join(
        str(value) for value in (age.alternatives or (age.value,)))
    return About(profile.id, years, "" if sex is None else str(sex.value))


def header_line(who: About | None, patient_id: str, as_of: dt.date) -> str:
    """`Patient P001 · 58 years · female · screened 2026-11-02`, leaving out what is unknown."""
    parts = [f"Patient {patient_id}"]
    if who is not None:
        parts += [f"{who.age} years" if who.age else "age not recorded",
                  who.sex or "sex not recorded"]
    return " · ".join([*parts, f"screened {as_of.isoformat()}"])


def css_string(text: str) -> str:
    """`text` as a CSS string literal: letters, digits and spaces as they are, everything else
    as a hex escape, so nothing in it can close the string, the rule or the style element."""
    # The space after each escape ends it and is not part of the string, so a space in the
    # text after an escaped character stays.
    return '"' + "".join(char if char.isascii() and (char.isalnum() or char == " ")
                         else f"\\{ord(char):06x} " for char in text) + '"'


_NOTICE = "A pre-screening aid: confirm every result with the site"


def page_rules(title: str, headers: Sequence[str]) -> str:
    """The print stylesheet's page boxes: `title` at the top of every page and `page N of M`
    at the bottom; patient number i (from 1) has `headers[i - 1]` at the top of each of its
    pages instead (a named page, `patient-i`)."""
    box = "font: 8.5pt system-ui, sans-serif; color: #57606a;"
    rules = ["@page { size: A4; margin: 16mm 14mm 16mm;"
             f" @top-left {{ content: {css_string(title)}; {box} }}"
             f' @bottom-right {{ content: "page " counter(page) " of " counter(pages); {box} }}'
             f" @bottom-left {{ content: {css_string(_NOTICE)}; {box} }} }}"]
    rules += [f"@page patient-{number} {{ @top-left {{ content: {css_string(header)}; {box} }} }}"
              f" #patient-{number} {{ page: patient-{number}; }}"
              for number, header in enumerate(headers, start=1)]
    return "\n".join(rules)


def status_words(kind: str, status: Status) -> str:
    """A criterion's status as a clinician says it: an inclusion is met, not met or unknown; an
    exclusion's condition is absent, present or unknown (a failed exclusion is a present one)."""
    return _WORDS[kind][status]


def _status(kind: str, status: Status) -> str:
    return (f'<span class="status {status}">{_SYMBOL[status]} '
            f"{status_words(kind, status)}</span>")


def _row(result: CriterionResult) -> str:
    criterion = result.criterion
    reading = (f'<div class="reading">Read as: {escape(criterion.reading)}</div>\n'
               if criterion.reading else "")
    return (f"<tr><td><b>{escape(criterion.id)}</b></td>"
            f"<td>{_status(criterion.kind, result.status)}</td><td>{escape(criterion.text)}\n"
            f'{reading}<div class="why {result.status}">→ '
            f"{escape(result.outcome.explanation)}</div></td></tr>")


def criteria_tables(results: Sequence[CriterionResult]) -> str:
    """The inclusion criteria, then the exclusion criteria, each a table in protocol order."""
    parts = []
    for kind, (caption, question) in _SECTION.items():
        rows = [_row(result) for result in results if result.criterion.kind == kind]
        if rows:
            parts.append(f'<table class="criteria {kind}"><caption>{caption}</caption><thead>'
                         f"<tr><th>ID</th><th>{question}</th><th>Criterion (protocol text) and "
                         f"why</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")
    return "\n".join(parts)


def failed_summary(screenings: Sequence[Screening]) -> str:
    """For the first page: each failed criterion of each trial, in words, with its protocol
    text; or a sentence saying that no criterion fails."""
    items = []
    for screening in screenings:
        info = screening.trial.trial
        name = f" ({escape(info.short_name)})" if info.short_name else ""
        for result in screening.with_status(Status.FAIL):
            criterion = result.criterion
            said = ("the patient does not meet inclusion" if criterion.kind == "inclusion"
                    else "the patient has exclusion")
            items.append(f"<li><b>{escape(info.id)}{name}</b>: {said} "
                         f"<b>{escape(criterion.id)}</b>, “{escape(criterion.text)}” "
                         f'<span class="why fail">→ {escape(result.outcome.explanation)}'
                         "</span></li>")
    if not items:
        return ('<h3 class="first">What rules the patient out</h3><p class="none">No '
                "criterion of any trial rules the patient out.</p>")
    return ('<h3 class="first">What rules the patient out</h3><ul class="failed">'
            + "".join(items) + "</ul>")


def merged_list(merged: Sequence[ToCollect]) -> str:
    """The list of what to collect next across trials, ranked, with who provides each item."""
    if not merged:
        return ""
    rows = []
    for number, item in enumerate(merged, start=1):
        places = "; ".join(
            f"{escape(trial)} " + ", ".join(escape(c.id) + ("" if c.decided else "*")
                                            for c in item.criteria if c.trial == trial)
            for trial in item.trials)
        unlocks = ", ".join(escape(trial) for trial in item.unlocks) or "-"
        rows.append(f'<tr><td class="num">{number}</td><td>{escape(item.label)}<div '
                    f'class="reading"><code>{escape(item.fact)}</code></div></td>'
                    f"<td>{escape(item.provided_by or '-')}</td><td>{places}</td>"
                    f"<td>{unlocks}</td></tr>")
    return ('<h3 class="first">Collect next, across trials</h3><p class="meta keep-with-next">'
            "What to collect or ask first: ranked by the trials each item could decide on its "
            "own, then the trials and criteria it touches. * the criterion needs something "
            "else too.</p>"
            '<table class="collect-across"><thead><tr><th class="num">#</th><th>Collect or ask'
            "</th><th>Provided by</th><th>Criteria it settles</th><th>Could decide</th></tr>"
            f"</thead><tbody>{''.join(rows)}</tbody></table>")
