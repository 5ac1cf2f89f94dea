"""Every example profile in patients/, pinned: its verdict and the statuses it demonstrates.

The examples are documentation a reader runs (`eligibility screen patients/FILE`), so what they
demonstrate must stay true. Any change to a rule, the vocabulary or the engine that moves a
status shows up here as a one-line diff to review. Each profile is screened on its own
`screening_date`, through the public API only.

The twenty examples written for the two seed trials are pinned criterion by criterion against
both (PINNED): they screen exactly as they did before the rule language grew. The examples
written for the trials encoded since are pinned against the trials they were written for, on
the verdict and the criteria they demonstrate (PINNED_NEW); every example is also screened
against every trial, to hold the laws that need no pin.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import NamedTuple

import pytest

from eligibility import Screening, Status, Trial, Verdict, load_patient, load_trials, screen

ROOT = Path(__file__).resolve().parents[1]
PATIENTS = ROOT / "patients"
RULES = ROOT / "rules"

STR04 = "NCT06910384"
ALLORX = "NCT05003921"
TALAMPANEL = "NCT00696332"
AB19001 = "NCT03127267"
ORARIALS = "NCT03491462"
JETALS = "NCT03548311"
CALORIC = "NCT04172792"
SEED_TRIALS = (STR04, ALLORX)
TRIAL_IDS = (STR04, ALLORX, TALAMPANEL, AB19001, ORARIALS, JETALS, CALORIC)


class Pinned(NamedTuple):
    """What screening one profile against one trial must give: the verdict and every status."""

    verdict: str
    statuses: dict[str, str]


# profile file -> trial id -> verdict and {criterion id: status}, criteria in rule-file order.
# The comment above each profile says what is not a plain pass, and why.
# fmt: off
PINNED: dict[str, dict[str, Pinned]] = {
    # Screened on his 75th birthday: 75 in completed years, inside STR04's 18 to 75.
    "75th-birthday.yaml": {
        STR04: Pinned("eligible", {
            "I1": "pass", "I2": "pass", "I3": "pass", "I4": "pass", "I5": "pass", "I6": "pass",
            "E1": "pass", "E2": "pass", "E3": "pass", "E4": "pass", "E5": "pass", "E6": "pass",
            "E7": "pass", "E8": "pass", "E9": "pass", "E10": "pass", "E11": "pass", "S1": "pass",
            "S2": "pass",
        }),
        ALLORX: Pinned("eligible", {
            "I1": "pass", "I2": "pass", "E1": "pass", "E2": "pass", "E3": "pass", "E4": "pass",
            "E5": "pass", "E6": "pass", "E7": "pass", "E8": "pass", "E9": "pass", "E10": "pass",
            "E11": "pass", "S1": "pass",
        }),
    },
    # Same patient born a year earlier: 76, so STR04 I6 and S1 fail; AlloRx has no age limit.
    "76th-birthday.yaml": {
        STR04: Pinned("ineligible", {
            "I1": "pass", "I2": "pass", "I3": "pass", "I4": "pass", "I5": "pass", "I6": "fail",
            "E1": "pass", "E2": "pass", "E3": "pass", "E4": "pass", "E5": "pass", "E6": "pass",
            "E7": "pass", "E8": "pass", "E9": "pass", "E10": "pass", "E11": "pass", "S1": "fail",
            "S2": "pass",
        }),
        ALLORX: Pinned("eligible", {
            "I1": "pass", "I2": "pass", "E1": "pass", "E2": "pass", "E3": "pass", "E4": "pass",
            "E5": "pass", "E6": "pass", "E7": "pass", "E8": "pass", "E9": "pass", "E10": "pass",
            "E11": "pass", "S1": "pass",
        }),
    },
    # Apixaban by its brand name, Eliquis, with no category: still recognised, AlloRx E5 fails.
    "anticoagulant-brand-name.yaml": {
        STR04: Pinned("eligible", {
            "I1": "pass", "I2": "pass", "I3": "pass", "I4": "pass", "I5": "pass", "I6": "pass",
            "E1": "pass", "E2": "pass", "E3": "pass", "E4": "pass", "E5": "pass", "E6": "pass",
            "E7": "pass", "E8": "pass", "E9": "pass", "E10": "pass", "E11": "pass", "S1": "pass",
            "S2": "pass",
        }),
        ALLORX: Pinned("ineligible", {
            "I1": "pass", "I2": "pass", "E1": "pass", "E2": "pass", "E3": "pass", "E4": "pass",
            "E5": "fail", "E6": "pass", "E7": "pass", "E8": "pass", "E9": "pass", "E10": "pass",
            "E11": "pass", "S1": "pass",
        }),
    },
    # Apixaban by its generic name: AlloRx E5 fails. STR04 has no anticoagulant criterion.
    "anticoagulant.yaml": {
        STR04: Pinned("eligible", {
            "I1": "pass", "I2": "pass", "I3": "pass", "I4": "pass", "I5": "pass", "I6": "pass",
            "E1": "pass", "E2": "pass", "E3": "pass", "E4": "pass", "E5": "pass", "E6": "pass",
            "E7": "pass", "E8": "pass", "E9": "pass", "E10": "pass", "E11": "pass", "S1": "pass",
            "S2": "pass",
        }),
        ALLORX: Pinned("ineligible", {
            "I1": "pass", "I2": "pass", "E1": "pass", "E2": "pass", "E3": "pass", "E4": "pass",
            "E5": "fail", "E6": "pass", "E7": "pass", "E8": "pass", "E9": "pass", "E10": "pass",
            "E11": "pass", "S1": "pass",
        }),
    },
    # Every AlloRx criterion passes. Advanced ALS fails STR04 I2 to I5; a mild amoxicillin rash
    # fails STR04 E4; no STR04 E5 assessment was recorded.
    "eligible-allorx.yaml": {
        STR04: Pinned("ineligible", {
            "I1": "pass", "I2": "fail", "I3": "fail", "I4": "fail", "I5": "fail", "I6": "pass",
            "E1": "pass", "E2": "pass", "E3": "pass", "E4": "fail", "E5": "unknown", "E6": "pass",
            "E7": "pass", "E8": "pass", "E9": "pass", "E10": "pass", "E11": "pass", "S1": "pass",
            "S2": "pass",
        }),
        ALLORX: Pinned("eligible", {
            "I1": "pass", "I2": "pass", "E1": "pass", "E2": "pass", "E3": "pass", "E4": "pass",
            "E5": "pass", "E6": "pass", "E7": "pass", "E8": "pass", "E9": "pass", "E10": "pass",
            "E11": "pass", "S1": "pass",
        }),
    },
    # Every STR04 criterion passes, on recorded negatives (status: absent). AlloRx's own
    # exclusions stay open: its judgments are unanswered and the lists are not complete.
    "eligible-str04.yaml": {
        STR04: Pinned("eligible", {
            "I1": "pass", "I2": "pass", "I3": "pass", "I4": "pass", "I5": "pass", "I6": "pass",
            "E1": "pass", "E2": "pass", "E3": "pass", "E4": "pass", "E5": "pass", "E6": "pass",
            "E7": "pass", "E8": "pass", "E9": "pass", "E10": "pass", "E11": "pass", "S1": "pass",
            "S2": "pass",
        }),
        ALLORX: Pinned("needs_review", {
            "I1": "pass", "I2": "pass", "E1": "unknown", "E2": "pass", "E3": "unknown",
            "E4": "pass", "E5": "unknown", "E6": "unknown", "E7": "unknown", "E8": "unknown",
            "E9": "pass", "E10": "unknown", "E11": "pass", "S1": "pass",
        }),
    },
    # The README's example: a moderate penicillin allergy fails STR04 E4; much is unrecorded.
    "example.yaml": {
        STR04: Pinned("ineligible", {
            "I1": "pass", "I2": "pass", "I3": "pass", "I4": "pass", "I5": "pass", "I6": "pass",
            "E1": "unknown", "E2": "unknown", "E3": "unknown", "E4": "fail", "E5": "unknown",
            "E6": "unknown", "E7": "pass", "E8": "unknown", "E9": "pass", "E10": "pass",
            "E11": "pass", "S1": "pass", "S2": "pass",
        }),
        ALLORX: Pinned("needs_review", {
            "I1": "pass", "I2": "pass", "E1": "unknown", "E2": "unknown", "E3": "unknown",
            "E4": "pass", "E5": "unknown", "E6": "unknown", "E7": "unknown", "E8": "unknown",
            "E9": "unknown", "E10": "unknown", "E11": "pass", "S1": "pass",
        }),
    },
    # FVC exactly 80 %: STR04 I5 passes. AlloRx waits only on its two judgments.
    "fvc-exactly-80.yaml": {
        STR04: Pinned("eligible", {
            "I1": "pass", "I2": "pass", "I3": "pass", "I4": "pass", "I5": "pass", "I6": "pass",
            "E1": "pass", "E2": "pass", "E3": "pass", "E4": "pass", "E5": "pass", "E6": "pass",
            "E7": "pass", "E8": "pass", "E9": "pass", "E10": "pass", "E11": "pass", "S1": "pass",
            "S2": "pass",
        }),
        ALLORX: Pinned("needs_review", {
            "I1": "pass", "I2": "pass", "E1": "pass", "E2": "pass", "E3": "pass", "E4": "pass",
            "E5": "pass", "E6": "unknown", "E7": "unknown", "E8": "pass", "E9": "pass",
            "E10": "pass", "E11": "pass", "S1": "pass",
        }),
    },
    # Chronic hepatitis B (current): STR04 E1 and AlloRx E1 both fail.
    "hepatitis-b.yaml": {
        STR04: Pinned("ineligible", {
            "I1": "pass", "I2": "pass", "I3": "pass", "I4": "pass", "I5": "pass", "I6": "pass",
            "E1": "fail", "E2": "pass", "E3": "pass", "E4": "pass", "E5": "pass", "E6": "pass",
            "E7": "pass", "E8": "pass", "E9": "pass", "E10": "pass", "E11": "pass", "S1": "pass",
            "S2": "pass",
        }),
        ALLORX: Pinned("ineligible", {
            "I1": "pass", "I2": "pass", "E1": "fail", "E2": "pass", "E3": "pass", "E4": "pass",
            "E5": "pass", "E6": "pass", "E7": "pass", "E8": "pass", "E9": "pass", "E10": "pass",
            "E11": "pass", "S1": "pass",
        }),
    },
    # Platelets 138 below the lab's lower limit 150: STR04 E2 fails. AlloRx leaves labs to the
    # investigator (E6), who judged it not significant.
    "low-blood-counts.yaml": {
        STR04: Pinned("ineligible", {
            "I1": "pass", "I2": "pass", "I3": "pass", "I4": "pass", "I5": "pass", "I6": "pass",
            "E1": "pass", "E2": "fail", "E3": "pass", "E4": "pass", "E5": "pass", "E6": "pass",
            "E7": "pass", "E8": "pass", "E9": "pass", "E10": "pass", "E11": "pass", "S1": "pass",
            "S2": "pass",
        }),
        ALLORX: Pinned("eligible", {
            "I1": "pass", "I2": "pass", "E1": "pass", "E2": "pass", "E3": "pass", "E4": "pass",
            "E5": "pass", "E6": "pass", "E7": "pass", "E8": "pass", "E9": "pass", "E10": "pass",
            "E11": "pass", "S1": "pass",
        }),
    },
    # His partner plans a pregnancy: STR04 E11 fails; AlloRx asks nothing of men.
    "male-partner-plans-pregnancy.yaml": {
        STR04: Pinned("ineligible", {
            "I1": "pass", "I2": "pass", "I3": "pass", "I4": "pass", "I5": "pass", "I6": "pass",
            "E1": "pass", "E2": "pass", "E3": "pass", "E4": "pass", "E5": "pass", "E6": "pass",
            "E7": "pass", "E8": "pass", "E9": "pass", "E10": "pass", "E11": "fail", "S1": "pass",
            "S2": "pass",
        }),
        ALLORX: Pinned("eligible", {
            "I1": "pass", "I2": "pass", "E1": "pass", "E2": "pass", "E3": "pass", "E4": "pass",
            "E5": "pass", "E6": "pass", "E7": "pass", "E8": "pass", "E9": "pass", "E10": "pass",
            "E11": "pass", "S1": "pass",
        }),
    },
    # An incomplete referral: many unknowns, nothing fails, so both trials need review.
    "missing-data.yaml": {
        STR04: Pinned("needs_review", {
            "I1": "unknown", "I2": "pass", "I3": "unknown", "I4": "pass", "I5": "unknown",
            "I6": "pass", "E1": "unknown", "E2": "unknown", "E3": "unknown", "E4": "unknown",
            "E5": "unknown", "E6": "unknown", "E7": "unknown", "E8": "unknown", "E9": "unknown",
            "E10": "pass", "E11": "unknown", "S1": "pass", "S2": "pass",
        }),
        ALLORX: Pinned("needs_review", {
            "I1": "pass", "I2": "unknown", "E1": "unknown", "E2": "unknown", "E3": "unknown",
            "E4": "pass", "E5": "unknown", "E6": "unknown", "E7": "unknown", "E8": "unknown",
            "E9": "unknown", "E10": "unknown", "E11": "pass", "S1": "pass",
        }),
    },
    # Onset 2 years and 1 day before screening: STR04 I4 fails.
    "onset-2-years-and-a-day.yaml": {
        STR04: Pinned("ineligible", {
            "I1": "pass", "I2": "pass", "I3": "pass", "I4": "fail", "I5": "pass", "I6": "pass",
            "E1": "pass", "E2": "pass", "E3": "pass", "E4": "pass", "E5": "pass", "E6": "pass",
            "E7": "pass", "E8": "pass", "E9": "pass", "E10": "pass", "E11": "pass", "S1": "pass",
            "S2": "pass",
        }),
        ALLORX: Pinned("eligible", {
            "I1": "pass", "I2": "pass", "E1": "pass", "E2": "pass", "E3": "pass", "E4": "pass",
            "E5": "pass", "E6": "pass", "E7": "pass", "E8": "pass", "E9": "pass", "E10": "pass",
            "E11": "pass", "S1": "pass",
        }),
    },
    # Onset exactly 2 years before screening: STR04 I4 passes (inclusive).
    "onset-exactly-2-years.yaml": {
        STR04: Pinned("eligible", {
            "I1": "pass", "I2": "pass", "I3": "pass", "I4": "pass", "I5": "pass", "I6": "pass",
            "E1": "pass", "E2": "pass", "E3": "pass", "E4": "pass", "E5": "pass", "E6": "pass",
            "E7": "pass", "E8": "pass", "E9": "pass", "E10": "pass", "E11": "pass", "S1": "pass",
            "S2": "pass",
        }),
        ALLORX: Pinned("eligible", {
            "I1": "pass", "I2": "pass", "E1": "pass", "E2": "pass", "E3": "pass", "E4": "pass",
            "E5": "pass", "E6": "pass", "E7": "pass", "E8": "pass", "E9": "pass", "E10": "pass",
            "E11": "pass", "S1": "pass",
        }),
    },
    # Treated prostate cancer (past): STR04 E3 'history of cancer' fails; AlloRx E2 'active' passes.
    "past-cancer.yaml": {
        STR04: Pinned("ineligible", {
            "I1": "pass", "I2": "pass", "I3": "pass", "I4": "pass", "I5": "pass", "I6": "pass",
            "E1": "pass", "E2": "pass", "E3": "fail", "E4": "pass", "E5": "pass", "E6": "pass",
            "E7": "pass", "E8": "pass", "E9": "pass", "E10": "pass", "E11": "pass", "S1": "pass",
            "S2": "pass",
        }),
        ALLORX: Pinned("eligible", {
            "I1": "pass", "I2": "pass", "E1": "pass", "E2": "pass", "E3": "pass", "E4": "pass",
            "E5": "pass", "E6": "pass", "E7": "pass", "E8": "pass", "E9": "pass", "E10": "pass",
            "E11": "pass", "S1": "pass",
        }),
    },
    # Premenopausal, no contraception: AlloRx E11 fails; STR04 does not ask.
    "premenopausal-no-contraception.yaml": {
        STR04: Pinned("eligible", {
            "I1": "pass", "I2": "pass", "I3": "pass", "I4": "pass", "I5": "pass", "I6": "pass",
            "E1": "pass", "E2": "pass", "E3": "pass", "E4": "pass", "E5": "pass", "E6": "pass",
            "E7": "pass", "E8": "pass", "E9": "pass", "E10": "pass", "E11": "pass", "S1": "pass",
            "S2": "pass",
        }),
        ALLORX: Pinned("ineligible", {
            "I1": "pass", "I2": "pass", "E1": "pass", "E2": "pass", "E3": "pass", "E4": "pass",
            "E5": "pass", "E6": "pass", "E7": "pass", "E8": "pass", "E9": "pass", "E10": "pass",
            "E11": "fail", "S1": "pass",
        }),
    },
    # El Escorial 'probable, laboratory-supported' is neither named nor ruled out by STR04: I1
    # goes to the investigator (unknown until an assessment is recorded).
    "probable-laboratory-supported.yaml": {
        STR04: Pinned("needs_review", {
            "I1": "unknown", "I2": "pass", "I3": "pass", "I4": "pass", "I5": "pass",
            "I6": "pass", "E1": "pass", "E2": "pass", "E3": "pass", "E4": "pass", "E5": "pass",
            "E6": "pass", "E7": "pass", "E8": "pass", "E9": "pass", "E10": "pass",
            "E11": "pass", "S1": "pass", "S2": "pass",
        }),
        ALLORX: Pinned("needs_review", {
            "I1": "pass", "I2": "pass", "E1": "pass", "E2": "pass", "E3": "pass", "E4": "pass",
            "E5": "pass", "E6": "unknown", "E7": "unknown", "E8": "pass", "E9": "pass",
            "E10": "pass", "E11": "pass", "S1": "pass",
        }),
    },
    # Prior tofersen (an antisense oligonucleotide): whether it counts as gene therapy is asked
    # of the investigator, so STR04 E8 is unknown until an assessment is recorded.
    "sod1-tofersen.yaml": {
        STR04: Pinned("needs_review", {
            "I1": "pass", "I2": "pass", "I3": "pass", "I4": "pass", "I5": "pass", "I6": "pass",
            "E1": "pass", "E2": "pass", "E3": "pass", "E4": "pass", "E5": "pass", "E6": "pass",
            "E7": "pass", "E8": "unknown", "E9": "pass", "E10": "pass", "E11": "pass",
            "S1": "pass", "S2": "pass",
        }),
        ALLORX: Pinned("needs_review", {
            "I1": "pass", "I2": "pass", "E1": "pass", "E2": "pass", "E3": "pass", "E4": "pass",
            "E5": "pass", "E6": "unknown", "E7": "unknown", "E8": "pass", "E9": "pass",
            "E10": "pass", "E11": "pass", "S1": "pass",
        }),
    },
    # ALSFRS-R and Japan grade 159 days old: STR04 I2 and I3 are unknown (stale, 90 days).
    "stale-alsfrs.yaml": {
        STR04: Pinned("needs_review", {
            "I1": "pass", "I2": "unknown", "I3": "unknown", "I4": "pass", "I5": "pass",
            "I6": "pass", "E1": "pass", "E2": "pass", "E3": "pass", "E4": "pass", "E5": "pass",
            "E6": "pass", "E7": "pass", "E8": "pass", "E9": "pass", "E10": "pass",
            "E11": "pass", "S1": "pass", "S2": "pass",
        }),
        ALLORX: Pinned("needs_review", {
            "I1": "pass", "I2": "pass", "E1": "pass", "E2": "pass", "E3": "pass", "E4": "pass",
            "E5": "pass", "E6": "unknown", "E7": "unknown", "E8": "pass", "E9": "pass",
            "E10": "pass", "E11": "pass", "S1": "pass",
        }),
    },
    # FVC 127 days old, beyond the 90 allowed: STR04 I5 unknown, nothing else open.
    "stale-fvc.yaml": {
        STR04: Pinned("needs_review", {
            "I1": "pass", "I2": "pass", "I3": "pass", "I4": "pass", "I5": "unknown", "I6": "pass",
            "E1": "pass", "E2": "pass", "E3": "pass", "E4": "pass", "E5": "pass", "E6": "pass",
            "E7": "pass", "E8": "pass", "E9": "pass", "E10": "pass", "E11": "pass", "S1": "pass",
            "S2": "pass",
        }),
        ALLORX: Pinned("needs_review", {
            "I1": "pass", "I2": "pass", "E1": "pass", "E2": "pass", "E3": "pass", "E4": "pass",
            "E5": "pass", "E6": "unknown", "E7": "unknown", "E8": "pass", "E9": "pass",
            "E10": "pass", "E11": "pass", "S1": "pass",
        }),
    },
}
# fmt: on

# The examples for the trials encoded since: the verdict, and the statuses each demonstrates
# (a criterion not listed is not pinned). An eligible verdict pins every criterion as a pass.
# fmt: off
PINNED_NEW: dict[str, dict[str, Pinned]] = {
    "eligible-talampanel.yaml": {TALAMPANEL: Pinned("eligible", {})},
    # The current riluzole dose began exactly 8 weeks before screening: stable enough.
    "riluzole-stable-exactly-8-weeks.yaml": {
        TALAMPANEL: Pinned("needs_review", {"I5": "pass"}),
        CALORIC: Pinned("needs_review", {"I3": "pass"}),
    },
    # Changed 7 weeks before screening to 100 mg/day. AB19001's 12-week run-in may still make
    # it 12 weeks stable at baseline: unknown until baseline is dated, not a fail.
    "riluzole-dose-changed-7-weeks-ago.yaml": {
        TALAMPANEL: Pinned("ineligible", {"I5": "fail"}),
        AB19001: Pinned("needs_review", {"I4": "unknown"}),
        JETALS: Pinned("ineligible", {"E7": "fail"}),
        CALORIC: Pinned("needs_review", {"I3": "pass"}),
    },
    "svc-exactly-70.yaml": {
        TALAMPANEL: Pinned("needs_review", {"I3": "pass"}),
        ORARIALS: Pinned("needs_review", {"I3": "pass"}),
        JETALS: Pinned("needs_review", {"E3": "pass"}),
    },
    # No procedure recorded; ALSFRS-R item 5 scored on form 5b: a gastrostomy.
    "gastrostomy-by-alsfrs-5b.yaml": {
        TALAMPANEL: Pinned("ineligible", {"E2": "fail", "I4": "pass"}),
        AB19001: Pinned("ineligible", {"I6": "fail"}),
    },
    "niv-3-waking-hours.yaml": {
        ORARIALS: Pinned("ineligible", {"E1": "fail"}),
        TALAMPANEL: Pinned("ineligible", {"E1": "fail"}),
        JETALS: Pinned("ineligible", {"E2": "fail"}),
        CALORIC: Pinned("needs_review", {"E3": "unknown"}),
    },
    "niv-2-waking-hours.yaml": {
        ORARIALS: Pinned("needs_review", {"E1": "pass"}),
        TALAMPANEL: Pinned("ineligible", {"E1": "fail"}),
    },
    "eligible-orarials.yaml": {
        ORARIALS: Pinned("eligible", {}),
        JETALS: Pinned("ineligible", {"I1": "fail"}),
    },
    "masitinib-run-in-decline.yaml": {
        AB19001: Pinned("eligible", {}),
        STR04: Pinned("ineligible", {"I3": "fail", "I5": "fail"}),
    },
    "masitinib-no-decline.yaml": {
        AB19001: Pinned("ineligible", {"I5": "fail", "I3": "pass"}),
        ORARIALS: Pinned("ineligible", {"I2": "fail"}),
        JETALS: Pinned("ineligible", {"I3": "fail"}),
    },
    # ΔFS exactly 0.25: (48 - 44) / 16 months.
    "delta-fs-exactly-0.25.yaml": {
        CALORIC: Pinned("ineligible", {"I2": "fail"}),
        AB19001: Pinned("ineligible", {"I5": "fail"}),
    },
    "jetals-eligible.yaml": {
        JETALS: Pinned("eligible", {}),
        CALORIC: Pinned("ineligible", {"I3": "fail"}),
    },
    "jetals-decline-3-points.yaml": {JETALS: Pinned("ineligible", {"I3": "fail"})},
    "edaravone-stopped-exactly-4-weeks-ago.yaml": {
        JETALS: Pinned("ineligible", {"E6": "fail"}),
    },
    "eligible-high-caloric.yaml": {
        CALORIC: Pinned("eligible", {}),
        JETALS: Pinned("ineligible", {"E7": "fail", "E6": "pass"}),
    },
    # A current meningioma and a later "no intracranial lesion": unknown, not either.
    "contradicting-negative.yaml": {STR04: Pinned("needs_review", {"E6": "unknown"})},
}
# fmt: on

CASES = [(profile, trial_id) for profile, trials in PINNED.items() for trial_id in trials]
NEW_CASES = [(profile, trial_id) for profile, trials in PINNED_NEW.items()
             for trial_id in trials]


@functools.cache
def _trials() -> dict[str, Trial]:
    return {trial.id: trial for trial in load_trials(RULES)}


@functools.cache
def _screening(profile_file: str, trial_id: str) -> Screening:
    """The profile screened against the trial on the profile's own screening date."""
    profile = load_patient(PATIENTS / profile_file)
    assert profile.screening_date is not None, (
        f"{profile_file} needs a screening_date so its results do not change with the clock"
    )
    return screen(profile, _trials()[trial_id], as_of=profile.screening_date)


def _example_files() -> list[str]:
    return sorted(path.name for pattern in ("*.yaml", "*.yml") for path in PATIENTS.glob(pattern))


def _why(screening: Screening, pinned: Pinned) -> str:
    """The explanation of each criterion whose status moved, to show in a failure."""
    lines = [f"{screening.patient_id} against {screening.trial.id} on {screening.as_of}:"]
    for result in screening.results:
        expected = pinned.statuses.get(result.criterion.id)
        if expected != str(result.status):
            lines.append(f"  {result.criterion.id}: pinned {expected}, got {result.status}: "
                         f"{result.outcome.explanation}")
    return "\n".join(lines)


@pytest.mark.parametrize(
    ("profile_file", "trial_id"),
    CASES,
    ids=[f"{profile.removesuffix('.yaml')}-{trial_id}" for profile, trial_id in CASES],
)
def test_example_screens_to_its_pinned_statuses_and_verdict(
    profile_file: str, trial_id: str
) -> None:
    screening = _screening(profile_file, trial_id)
    pinned = PINNED[profile_file][trial_id]
    statuses = {result.criterion.id: str(result.status) for result in screening.results}
    assert statuses == pinned.statuses, _why(screening, pinned)
    assert str(screening.verdict) == pinned.verdict


@pytest.mark.parametrize(
    ("profile_file", "trial_id"),
    NEW_CASES,
    ids=[f"{profile.removesuffix('.yaml')}-{trial_id}" for profile, trial_id in NEW_CASES],
)
def test_new_example_demonstrates_its_pinned_statuses_and_verdict(
    profile_file: str, trial_id: str
) -> None:
    screening = _screening(profile_file, trial_id)
    pinned = PINNED_NEW[profile_file][trial_id]
    statuses = {result.criterion.id: str(result.status) for result in screening.results}
    expected = ({ident: "pass" for ident in statuses} if pinned.verdict == "eligible"
                else pinned.statuses)
    assert {ident: statuses[ident] for ident in expected} == expected, _why(
        screening, Pinned(pinned.verdict, {**statuses, **expected}))
    assert str(screening.verdict) == pinned.verdict


def test_every_example_in_patients_is_pinned() -> None:
    assert _example_files() == sorted([*PINNED, *PINNED_NEW]), (
        "pin every profile in patients/ in PINNED or PINNED_NEW (and remove rows for deleted "
        "ones)"
    )


@pytest.mark.parametrize("profile_file", sorted(PINNED))
def test_each_seed_example_is_pinned_against_both_seed_trials(profile_file: str) -> None:
    assert sorted(PINNED[profile_file]) == sorted(SEED_TRIALS)


def test_the_pinned_trials_are_the_trials_in_rules() -> None:
    assert sorted(_trials()) == sorted(TRIAL_IDS)


@pytest.mark.parametrize("profile_file", _example_files())
def test_every_example_screens_against_every_trial_under_the_laws(profile_file: str) -> None:
    """No pin needed: a verdict follows its statuses, and an unknown is never eligible."""
    for trial_id in TRIAL_IDS:
        screening = _screening(profile_file, trial_id)
        statuses = {result.status for result in screening.results}
        assert (screening.verdict is Verdict.ELIGIBLE) == (statuses == {Status.PASS})
        assert (screening.verdict is Verdict.INELIGIBLE) == (Status.FAIL in statuses)


@pytest.mark.parametrize("trial_id", TRIAL_IDS)
def test_the_examples_between_them_reach_every_verdict(trial_id: str) -> None:
    reached = {_screening(profile, trial_id).verdict for profile in _example_files()}
    assert reached == set(Verdict), f"{trial_id} is never {set(Verdict) - reached}"


@pytest.mark.parametrize(("medications", "status"), [
    # Stable 7 weeks at screening: AB19001's 12-week run-in may complete the 12 weeks before
    # baseline. It was a fail, taking the patient out of a trial they could enter.
    ("[{name: riluzole, status: current, dose: 50, unit: mg, frequency: bid, "
     "dose_since: 2026-09-14}]", Status.UNKNOWN),
    ("[{name: riluzole, status: current, dose: 50, unit: mg, frequency: bid, "
     "dose_since: 2026-08-10}]", Status.PASS),
    ("{complete: true, reviewed: 2026-11-02, items: []}", Status.FAIL),
])
def test_ab19001_riluzole_before_baseline_passes_early_but_fails_only_without_riluzole(
        tmp_path: Path, medications: str, status: Status) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(f"id: P\nscreening_date: 2026-11-02\nmedications: {medications}\n",
                    encoding="utf-8")
    profile = load_patient(path)
    assert profile.screening_date is not None
    found = screen(profile, _trials()[AB19001], as_of=profile.screening_date)
    assert {result.criterion.id: result.status for result in found.results}["I4"] is status
