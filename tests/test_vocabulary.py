"""The vocabulary as data: the package's files, a folder's vocabulary files, a rule file's own
facts, and the messages when any of them is wrong."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml

from eligibility import Status, Verdict, load_patient, load_trials, screen
from eligibility.expressions import ExpressionError, parse
from eligibility.loading import check_vocabulary, trials_vocabulary
from eligibility.vocabulary import DEFAULT, HERE, PACKAGE_FILES, Vocabulary, VocabularyError
from eligibility.vocabulary.files import VocabularyFile
from test_cli import invoke

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "docs" / "examples" / "heart-failure"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


# The package's own files


@pytest.mark.parametrize("name", PACKAGE_FILES)
def test_each_package_file_is_a_valid_vocabulary_file(name: str) -> None:
    VocabularyFile.model_validate(yaml.safe_load((HERE / name).read_text(encoding="utf-8")))


def test_every_derived_fact_of_the_package_compiles_to_an_expression() -> None:
    derived = [fact for fact in DEFAULT.facts.values() if fact.derive is not None]
    assert {fact.name for fact in derived} >= {"alsfrs_r.total", "als.delta_fs", "bmi",
                                               "alsfrs_r.bulbar", "als.diagnosed"}
    assert all(not isinstance(fact.derive, str) for fact in derived)


def test_every_known_name_of_a_list_falls_in_a_category_of_that_list() -> None:
    for collection in DEFAULT.collections.values():
        for concept in collection.concepts.values():
            assert set(concept.categories) <= set(collection.categories), concept.name


# Expressions: what a vocabulary author is told


@pytest.mark.parametrize(("text", "message"), [
    ("fvc.percent_predicted + weight.kg", "cannot add '% predicted' and 'kg'"),
    ("als.onset_date - 1", "is a date: arithmetic on dates is written days_between"),
    ("fvc.percent_predictd * 2", "unknown fact 'fvc.percent_predictd' (did you mean"),
    ("alsfrs_r.items", "is a group of facts: use sum(alsfrs_r.items)"),
    ("min(fvc.percent_predicted, svc.percent_predicted)", ""),
    ("max(weight.kg)", "max takes two or more values, such as max(a, b)"),
    ("weight.kg ** 2", "the operator in 'weight.kg ** 2' is not allowed"),
    ("__import__('os')", "unknown function '__import__'"),
    ("weight.kg.__class__", "unknown fact"),
    ("(weight.kg", "cannot read the expression"),
])
def test_an_expression_is_checked_and_never_run(text: str, message: str) -> None:
    if not message:
        assert parse(text, DEFAULT).kind == "number"
        return
    with pytest.raises(ExpressionError, match=message.replace("(", r"\(").replace(")", r"\)")
                       .replace("*", r"\*")):
        parse(text, DEFAULT)


def test_a_fact_derived_from_itself_is_refused() -> None:
    file = VocabularyFile.model_validate({"vocabulary": {"name": "loop"}, "facts": {
        "x.one": {"kind": "number", "label": "one", "derive": "x.two + 1"},
        "x.two": {"kind": "number", "label": "two", "derive": "x.one * 2"}}})
    with pytest.raises(VocabularyError, match="derived, through other facts, from itself"):
        DEFAULT.extended(file, "loop")


def test_a_derivation_of_the_wrong_kind_is_refused() -> None:
    file = VocabularyFile.model_validate({"vocabulary": {"name": "kinds"}, "facts": {
        "x.flag": {"kind": "boolean", "label": "flag", "derive": "weight.kg * 2"}}})
    with pytest.raises(VocabularyError, match=r"gives a number, but 'x\.flag' is a boolean"):
        DEFAULT.extended(file, "kinds")


def test_a_fact_defined_twice_differently_is_refused() -> None:
    first = VocabularyFile.model_validate({"vocabulary": {"name": "a"}, "facts": {
        "mip.cm_h2o": {"kind": "number", "label": "MIP", "unit": "cmH2O"}}})
    second = VocabularyFile.model_validate({"vocabulary": {"name": "b"}, "facts": {
        "mip.cm_h2o": {"kind": "number", "label": "MIP", "unit": "kPa"}}})
    with pytest.raises(VocabularyError, match="already defined in a, differently"):
        Vocabulary([*DEFAULT.files, ("a", first), ("b", second)])


def _with_site_file(collections: dict[str, object]) -> Vocabulary:
    site = VocabularyFile.model_validate({"vocabulary": {"name": "site"},
                                          "collections": collections})
    return Vocabulary([*DEFAULT.files, ("site", site)])


def test_a_known_name_named_again_by_a_later_file_gains_its_categories_and_keeps_its_own(
        ) -> None:
    medications = _with_site_file({"medications": {
        "categories": {"psychiatric_drug": {}, "trial_drug": {}},
        "concepts": {"sertraline": {"synonyms": ["Zoloft"], "categories": ["psychiatric_drug"]},
                     "apixaban": {"categories": ["trial_drug"]}}}}).collections["medications"]
    assert medications.categories_of("Zoloft", ()) == {"psychiatric_drug"}  # no longer other
    assert medications.categories_of("apixaban", ()) == {"anticoagulant", "trial_drug"}
    assert medications.categories_of("Eliquis", ()) == {"anticoagulant", "trial_drug"}
    assert medications.concepts["eliquis"] is medications.concepts["apixaban"]


# A vocabulary file beside the rule files


VOCABULARY_FILE = """\
    vocabulary:
      name: respiratory
    facts:
      mip.cm_h2o:
        kind: number
        label: MIP
        description: Maximal inspiratory pressure.
        unit: cmH2O
        range: [0, 200]
    """

RULE_FILE = """\
    trial: {id: NCT00000003, title: A test, overall_status: RECRUITING}
    criteria:
      - id: I1
        kind: inclusion
        text: MIP of at least 60 cmH2O.
        check: {fact: mip.cm_h2o, op: at_least, value: 60, measured_within_days: 90}
    """


def test_a_vocabulary_file_beside_the_rule_files_adds_facts_a_profile_can_state(
        tmp_path: Path) -> None:
    write(tmp_path / "rules" / "respiratory.yaml", VOCABULARY_FILE)
    write(tmp_path / "rules" / "NCT00000003.yaml", RULE_FILE)
    patient = write(tmp_path / "p.yaml", """\
        id: P1
        screening_date: 2026-11-02
        mip: {cm_h2o: 72, date: 2026-10-20}
        """)
    (trial,) = load_trials(tmp_path / "rules")
    profile = load_patient(patient, vocabulary=trials_vocabulary([trial]))
    (result,) = screen(profile, trial, as_of=profile.screening_date).results
    assert result.status is Status.PASS
    assert result.outcome.explanation == "MIP 72 cmH2O on 2026-10-20 is at least 60 cmH2O"


def test_without_the_vocabulary_the_same_profile_field_is_unknown(tmp_path: Path) -> None:
    patient = write(tmp_path / "p.yaml", "id: P1\nmip: {cm_h2o: 72, date: 2026-10-20}\n")
    result = invoke("check", patient, "--format", "json")
    assert result.exit_code == 1
    assert "unknown field 'mip'" in result.stdout


def test_a_broken_vocabulary_file_is_reported_at_its_line_and_its_rule_files_left_unread(
        tmp_path: Path) -> None:
    write(tmp_path / "rules" / "respiratory.yaml", VOCABULARY_FILE.replace(
        "kind: number", "kind: numbr"))
    write(tmp_path / "rules" / "NCT00000003.yaml", RULE_FILE)
    result = invoke("check", tmp_path / "rules")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == (f"{tmp_path}/rules/NCT00000003.yaml: not read: a vocabulary file beside "
                        "it has errors, and its facts may be the ones this file needs (fix "
                        "that first)")
    assert lines[1] == (f"{tmp_path}/rules/respiratory.yaml:5:11: facts.mip.cm_h2o.kind: "
                        "expected one of 'number', 'integer', 'boolean', 'category', 'date' or "
                        "'lab', got 'numbr' (did you mean 'number'?)")


def test_a_derivation_error_points_at_its_derive_line(tmp_path: Path) -> None:
    path = write(tmp_path / "v.yaml", """\
        vocabulary: {name: broken}
        facts:
          x.ratio:
            kind: number
            label: ratio
            derive: weight.kg + fvc.percent_predicted
        """)
    vocabulary, problems = check_vocabulary(path)
    assert vocabulary is None
    assert [str(problem) for problem in problems] == [
        f"{path}:6:13: facts.x.ratio.derive: cannot add 'kg' and '% predicted' in "
        "'weight.kg + fvc.percent_predicted'"]


def test_an_empty_range_misplaced_categories_or_a_lab_without_unit_is_refused(
        tmp_path: Path) -> None:
    path = write(tmp_path / "v.yaml", """\
        vocabulary: {name: skin}
        facts:
          tan.score:
            kind: integer
            label: Tan score
            range: [10, 0]
          tan.grade:
            kind: number
            label: Tan grade
            categories: [light, deep]
          labs.tan_index:
            kind: lab
            label: Tan index
        """)
    assert [str(problem) for problem in check_vocabulary(path)[1]] == [
        f"{path}:6:12: facts.tan.score.range: the range [10, 0] is empty: low is above high",
        f"{path}:10:17: facts.tan.grade.categories: categories are only for a category fact, "
        "not a number fact",
        f"{path}:12:5: facts.labs.tan_index: a lab fact needs its unit, the one a result must "
        "be given in (unit: U/L; a ratio such as the INR has unit: ratio)"]


@pytest.mark.parametrize(
    ("derive", "message"),
    [("weight.kg / (height.cm * height.cm)",
      "the expression gives 'kg/cm^2', but 'x.bmi' is in 'kg/m2'"),
     ("weight.kg * height.cm", "the expression gives 'kg*cm', but 'x.bmi' is in 'kg/m2'"),
     ("weight.kg / ((height.cm / 100) * (height.cm / 100))", None),
     ("weight.kg / (height.cm * height.cm) * 10000", None)],
    ids=["cm-squared-for-m-squared", "times-for-per", "scaled-to-metres", "scaled-after"],
)
def test_a_compound_unit_must_be_the_one_declared_unless_scaled_by_a_number(
        tmp_path: Path, derive: str, message: str | None) -> None:
    path = write(tmp_path / "v.yaml", f"""\
        vocabulary: {{name: body}}
        facts:
          x.bmi: {{kind: number, label: BMI, unit: kg/m2, derive: "{derive}"}}
        """)
    assert [problem.message for problem in check_vocabulary(path)[1]] == (
        [message] if message else [])


@pytest.mark.parametrize(
    ("provider", "message"),
    [("spirometyr", "unknown provider 'spirometyr' (did you mean 'spirometry'?)"),
     ("echo lab", "unknown provider 'echo lab' (declare it under providers: in a vocabulary "
                  "file)")],
    ids=["misspelt", "not-declared"],
)
def test_a_provider_must_be_declared(tmp_path: Path, provider: str, message: str) -> None:
    path = write(tmp_path / "v.yaml", f"""\
        vocabulary: {{name: respiratory}}
        facts:
          mip.cm_h2o:
            kind: number
            label: MIP
            provided_by: {provider}
        """)
    vocabulary, problems = check_vocabulary(path)
    assert vocabulary is None
    assert [str(problem) for problem in problems] == [
        f"{path}:6:18: facts.mip.cm_h2o.provided_by: {message}"]


@pytest.mark.parametrize(
    ("written", "expected"),
    [("codes: {snomed: 95320005}",
      ["5:32: collections.conditions.categories.keloid.codes.snomed: expected text, got the "
       "number 95320005 (YAML reads unquoted digits as a number, so 003 becomes 3 and 010 "
       "becomes 8: put the value in quotes exactly as written, like snomed: \"003\")"]),
     ("codes: {icd10: [L91.0, 701.4]}",
      ["5:39: collections.conditions.categories.keloid.codes.icd10[1]: expected text, got "
       "the number 701.4 (YAML reads unquoted digits as a number, so 003 becomes 3 and 010 "
       "becomes 8: put the value in quotes exactly as written, like \"003\")"])],
    ids=["one-code-unquoted", "a-list-with-one-code-unquoted"],
)
def test_a_code_or_a_list_of_codes_gives_one_message_about_what_was_written(
        tmp_path: Path, written: str, expected: list[str]) -> None:
    path = write(tmp_path / "v.yaml", f"""\
        vocabulary: {{name: skin}}
        collections:
          conditions:
            categories:
              keloid: {{{written}}}
        """)
    assert [str(problem) for problem in check_vocabulary(path)[1]] == [
        f"{path}:{line}" for line in expected]


def test_a_group_slot_gives_one_message_about_the_shape_written(tmp_path: Path) -> None:
    path = write(tmp_path / "v.yaml", """\
        vocabulary: {name: dlqi}
        facts:
          dlqi.items.symptoms: {kind: integer, label: symptoms, range: [0, 3]}
          dlqi.items.shopping: {kind: integer, label: shopping, range: [0, 3]}
        groups:
          dlqi.items:
            label: DLQI items
            slots:
              - {name: item 1, member: [symptoms]}
              - Shopping
        """)
    assert [str(problem) for problem in check_vocabulary(path)[1]] == [
        f"{path}:9:9: groups.dlqi.items.slots[0].members: missing required field 'members'",
        f"{path}:9:24: groups.dlqi.items.slots[0].member: unknown field 'member' (did you mean "
        "'members'?)",
        f"{path}:10:9: groups.dlqi.items.slots[1]: expected a name in lower case: a letter, "
        "then letters, digits or '_', got 'Shopping'"]


def test_a_file_may_declare_its_own_providers(tmp_path: Path) -> None:
    path = write(tmp_path / "v.yaml", """\
        vocabulary: {name: respiratory}
        providers:
          respiratory therapist: {description: the respiratory therapist}
        facts:
          mip.cm_h2o: {kind: number, label: MIP, provided_by: respiratory therapist}
        """)
    vocabulary, problems = check_vocabulary(path)
    assert not problems and vocabulary is not None
    assert vocabulary.provider("mip.cm_h2o") == "respiratory therapist"
    assert vocabulary.provider("assessment:NCT00000001:E1") == "clinician"  # from core.yaml


def test_only_one_provider_answers_the_clinician_questions(tmp_path: Path) -> None:
    path = write(tmp_path / "v.yaml", """\
        vocabulary: {name: other}
        providers:
          investigator: {description: the investigator, answers: [assessments]}
        """)
    vocabulary, problems = check_vocabulary(path)
    assert vocabulary is None
    assert [str(problem) for problem in problems] == [
        f"{path}:3:58: providers.investigator.answers: assessments are already answered by "
        "'clinician'"]


# A rule file's own facts


def test_a_rule_file_may_declare_the_facts_it_needs(tmp_path: Path) -> None:
    write(tmp_path / "rules" / "NCT00000003.yaml", """\
        trial: {id: NCT00000003, title: A test, overall_status: RECRUITING}
        facts:
          mip.cm_h2o: {kind: number, label: MIP, unit: cmH2O, range: [0, 200]}
        criteria:
          - id: I1
            kind: inclusion
            text: MIP of at least 60 cmH2O.
            check: {fact: mip.cm_h2o, op: at_least, value: 60}
        """)
    patient = write(tmp_path / "p.yaml", "id: P1\nmip: {cm_h2o: 50, date: 2026-10-20}\n")
    result = invoke("screen", patient, "--rules", tmp_path / "rules", "--format", "json",
                    "--as-of", "2026-11-02")
    assert result.exit_code == 0, result.output
    assert '"verdict": "ineligible"' in result.stdout


def test_a_rule_file_may_not_redefine_a_fact_of_the_vocabulary(tmp_path: Path) -> None:
    write(tmp_path / "rules" / "NCT00000003.yaml", """\
        trial: {id: NCT00000003, title: A test, overall_status: RECRUITING}
        facts:
          fvc.percent_predicted: {kind: number, label: FVC}
        criteria:
          - {id: I1, kind: inclusion, text: x, check: {fact: age, op: at_least, value: 18}}
        """)
    result = invoke("check", tmp_path / "rules")
    assert result.exit_code == 1
    assert ("facts.fvc.percent_predicted: fact 'fvc.percent_predicted' is already in the "
            "vocabulary (als): use it as it is, or give this one another name") in result.stdout


def test_the_vocabulary_command_lists_what_a_folder_adds(tmp_path: Path) -> None:
    write(tmp_path / "rules" / "respiratory.yaml", VOCABULARY_FILE)
    write(tmp_path / "rules" / "NCT00000003.yaml", RULE_FILE)
    result = invoke("vocabulary", "mip", "--rules", tmp_path / "rules")
    assert result.exit_code == 0, result.output
    assert "mip.cm_h2o" in result.stdout and "cmH2O" in result.stdout
    assert "mip.cm_h2o" not in invoke("vocabulary", "mip").stdout


# The example in docs/: a trial in another disease, by data files only


def test_the_heart_failure_example_screens_eligible_with_its_vocabulary_file() -> None:
    trials = load_trials(EXAMPLE / "rules")
    profile = load_patient(EXAMPLE / "patients" / "hf-patient.yaml",
                           vocabulary=trials_vocabulary(trials))
    (screening,) = [screen(profile, trial, as_of=profile.screening_date) for trial in trials]
    assert screening.verdict is Verdict.ELIGIBLE
    explanations = {result.criterion.id: result.outcome.explanation
                    for result in screening.results}
    assert explanations["I1"] == "LVEF 32 % on 2026-07-14 is at most 40 %"
    assert explanations["E2"] == ("No current medication in category arni: the medications "
                                  "list is marked complete")


def test_the_heart_failure_example_passes_check_with_no_warning() -> None:
    result = invoke("check", EXAMPLE / "rules", EXAMPLE / "patients")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().endswith("0 errors, 0 warnings")


@pytest.mark.parametrize(("search", "found"), [
    ("fvc_percent", "fvc.percent_predicted"),   # underscores and dots read alike
    ("FVC percent", "fvc.percent_predicted"),
    ("anticoag", "medications: anticoagulant"),
])
def test_the_vocabulary_command_finds_a_fact_however_its_name_is_spelt(search: str,
                                                                       found: str) -> None:
    result = invoke("vocabulary", search)
    assert result.exit_code == 0, result.output
    assert found in result.stdout


def test_the_vocabulary_command_says_when_nothing_matches() -> None:
    # It printed an empty table titled "Facts (0)".
    result = invoke("vocabulary", "spirometry_fev6")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "No fact, list or known name matches 'spirometry_fev6'"


@pytest.mark.parametrize(("search", "found"), [
    ("Rilutek", "riluzole in medications (als_therapy); also Rilutek, Tiglutik, Exservan,"),
    ("edavarone", "No fact, list or known name matches 'edavarone' (did you mean "
                  "'edaravone'?)"),
])
def test_the_vocabulary_command_says_whether_a_medicine_name_is_known(search: str,
                                                                      found: str) -> None:
    # A coordinator asking whether 'Rilutek' needs a category got "No fact or list matches":
    # known names were only in docs/vocabulary.md.
    result = invoke("vocabulary", search)
    assert result.exit_code == 0, result.output
    assert found in " ".join(result.stdout.split())
