"""The reference in docs/ names everything the code offers, so the two cannot drift apart."""

from __future__ import annotations

import datetime as dt
import re
import types
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from eligibility.forecast import attach, forecast_all
from eligibility.loading import Problem, load_patient, load_trials, screening_date
from eligibility.operators import OPERATORS
from eligibility.patient import profile_model
from eligibility.report import batch_report, report
from eligibility.screening import screen_all
from eligibility.source import SourceSpan
from eligibility.vocabulary import COLLECTIONS, DEFAULT, FACTS

ROOT = Path(__file__).parent.parent
DOCS = ROOT / "docs"


def _code_spans(page: str) -> set[str]:
    """Every `code span` and every word inside one: `als.onset_date` gives the whole name and
    its parts, so a field documented inside a path counts as documented."""
    text = (DOCS / page).read_text(encoding="utf-8")
    spans = set(re.findall(r"`([^`\n]+)`", text))
    words = {word for span in spans for word in re.findall(r"[A-Za-z0-9_]+", span)}
    return spans | words


def _headings(page: str) -> set[str]:
    text = (DOCS / page).read_text(encoding="utf-8")
    return {line.lstrip("#").strip().strip("`") for line in text.splitlines()
            if line.startswith("#")}


@pytest.mark.parametrize("name", sorted(OPERATORS))
def test_every_operator_has_a_heading_in_the_rule_reference(name: str) -> None:
    assert name in _headings("rules.md"), f"docs/rules.md has no '### `{name}`' section"


@pytest.mark.parametrize("name", sorted(OPERATORS))
def test_every_operator_is_named_in_code_in_the_rule_reference(name: str) -> None:
    assert name in _code_spans("rules.md")


@pytest.mark.parametrize("name", sorted(FACTS))
def test_every_fact_is_in_the_vocabulary_reference(name: str) -> None:
    assert name in _code_spans("vocabulary.md"), f"docs/vocabulary.md does not list `{name}`"


def test_the_vocabulary_reference_is_generated_from_the_vocabulary_files() -> None:
    from eligibility.reference import vocabulary_markdown
    from eligibility.vocabulary import DEFAULT

    assert (DOCS / "vocabulary.md").read_text(encoding="utf-8") == vocabulary_markdown(
        DEFAULT), ("docs/vocabulary.md is stale: regenerate it with `eligibility vocabulary "
                   "--format markdown > docs/vocabulary.md`")


@pytest.mark.parametrize(
    ("collection", "category"),
    sorted((collection.name, category) for collection in COLLECTIONS.values()
           for category in collection.categories),
)
def test_every_collection_category_is_in_the_vocabulary_reference(collection: str,
                                                                  category: str) -> None:
    assert category in _code_spans("vocabulary.md"), (
        f"docs/vocabulary.md does not list the {collection} category `{category}`")


def _models(annotation: Any) -> Iterator[type[BaseModel]]:
    """The pydantic models an annotation mentions: through Optional, unions, tuples, lists,
    generics such as History[ConditionEntry], and Annotated."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        return
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        yield from _models(typing.get_args(annotation)[0])
        return
    if origin in (typing.Union, types.UnionType) or origin is not None:
        for argument in typing.get_args(annotation):
            yield from _models(argument)


def _profile_fields() -> set[str]:
    """The name of every field a profile may contain, at any depth."""
    seen: set[type[BaseModel]] = set()
    fields: set[str] = set()
    pending: list[type[BaseModel]] = [profile_model(DEFAULT)]
    while pending:
        model = pending.pop()
        if model in seen:
            continue
        seen.add(model)
        for name, info in model.model_fields.items():
            fields.add(info.alias or name)
            pending.extend(_models(info.annotation))
    return fields


def test_the_profile_walk_reaches_nested_models() -> None:
    fields = _profile_fields()
    assert {"onset_date", "respiratory_insufficiency", "reference_range", "low", "complete",
            "controlled", "severity", "reaction", "signed_date", "answer"} <= fields


@pytest.mark.parametrize("field", sorted(_profile_fields()))
def test_every_profile_field_is_in_the_profile_reference(field: str) -> None:
    assert field in _code_spans("patient-profile.md"), (
        f"docs/patient-profile.md does not mention the profile field `{field}`")


def _example_report() -> dict[str, Any]:
    profile = load_patient(ROOT / "patients" / "example.yaml")
    trials = load_trials(ROOT / "rules")
    on = screening_date(profile, None, dt.date.today())
    screenings = attach(screen_all(profile, trials, as_of=on),
                        forecast_all(profile, trials, as_of=on))
    return report(screenings, patient_id=profile.id, as_of=on)


def _report_keys() -> set[str]:
    document = _example_report()
    trial = document["trials"][0]
    criteria = [criterion for each in document["trials"] for criterion in each["criteria"]]
    evidence = [item for criterion in criteria for item in criterion["facts_read"]]
    keys = set(document) | set(document["engine"]) | set(trial) | set(trial["rule_file"])
    keys |= set(trial["counts"])
    keys |= {key for criterion in criteria for key in criterion}
    keys |= {key for item in evidence for key in item}
    forecasts = [each["forecast"] for each in document["trials"]]
    keys |= {key for forecast in forecasts for key in forecast}
    keys |= {key for forecast in forecasts for window in forecast["windows"] for key in window}
    changes = [change for forecast in forecasts for change in forecast["changes"]]
    keys |= {key for change in changes for key in change}
    keys |= {key for change in changes for item in change["criteria"] for key in item}
    return keys


def test_the_example_report_reads_some_facts() -> None:
    assert {"facts_read", "fact", "state"} <= _report_keys()


@pytest.mark.parametrize("key", sorted(_report_keys()))
def test_every_json_key_is_in_the_json_reference(key: str) -> None:
    assert key in _code_spans("json-output.md"), (
        f"docs/json-output.md does not describe the key `{key}`")


def test_the_documented_schema_version_is_the_real_one() -> None:
    version = _example_report()["schema_version"]
    text = (DOCS / "json-output.md").read_text(encoding="utf-8")
    assert f'"schema_version": "{version}"' in text


def _batch_keys() -> set[str]:
    """The keys a several-patient document adds: its top level and a failed file's."""
    profile = load_patient(ROOT / "patients" / "example.yaml")
    on = screening_date(profile, None, dt.date.today())
    screened = [(profile.id, on, screen_all(profile, load_trials(ROOT / "rules"), as_of=on))]
    problem = Problem(SourceSpan("bad.yaml", 2, 6), "sex", "expected one of 'female' or 'male'")
    document = batch_report(screened, [problem])
    return set(document) | set(document["patients"][0]) | set(document["failed_files"][0])


@pytest.mark.parametrize("key", sorted(_batch_keys()))
def test_every_key_of_the_several_patient_document_is_in_the_json_reference(key: str) -> None:
    assert key in _code_spans("json-output.md"), (
        f"docs/json-output.md does not describe the key `{key}`")


def test_the_readme_example_is_what_screen_prints_at_80_columns() -> None:
    from typer.testing import CliRunner

    from eligibility.cli import app

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("```\nPatient P001-example")[1].split("```")[0]
    shown = ["Patient P001-example" + block.splitlines()[0],
             *[line for line in block.splitlines()[1:] if line and line.strip() != "..."]]
    result = CliRunner().invoke(app, ["screen", str(ROOT / "patients" / "example.yaml"),
                                      "--rules", str(ROOT / "rules")],
                                env={"COLUMNS": "80", "NO_COLOR": "1"})
    printed = result.stdout.splitlines()
    for line in shown:
        wanted = line.removesuffix(" ...").removesuffix("; ...").rstrip()
        assert any(wanted in out for out in printed), f"not printed: {line!r}"
