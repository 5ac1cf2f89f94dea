"""Kleene's strong three-valued logic: truth tables and the laws the evaluator relies on."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eligibility.logic import Truth, all_of, any_of, negate, truth_of
from strategies import truths

F, U, T = Truth.FALSE, Truth.UNKNOWN, Truth.TRUE

# Kleene's tables written out cell by cell, not derived from the ordering the code uses.
AND = {
    (F, F): F, (F, U): F, (F, T): F,
    (U, F): F, (U, U): U, (U, T): U,
    (T, F): F, (T, U): U, (T, T): T,
}
OR = {
    (F, F): F, (F, U): U, (F, T): T,
    (U, F): U, (U, U): U, (U, T): T,
    (T, F): T, (T, U): T, (T, T): T,
}
NOT = {F: T, U: U, T: F}

PAIRS = sorted(AND, key=lambda pair: (pair[0].value, pair[1].value))
PAIR_IDS = [f"{a}-{b}" for a, b in PAIRS]


@pytest.mark.parametrize(("a", "b"), PAIRS, ids=PAIR_IDS)
def test_all_of_two_truths_follows_the_kleene_and_table(a, b):
    assert all_of([a, b]) is AND[a, b]


@pytest.mark.parametrize(("a", "b"), PAIRS, ids=PAIR_IDS)
def test_any_of_two_truths_follows_the_kleene_or_table(a, b):
    assert any_of([a, b]) is OR[a, b]


@pytest.mark.parametrize(("a", "expected"), list(NOT.items()), ids=[str(a) for a in NOT])
def test_negate_follows_the_kleene_not_table(a, expected):
    assert negate(a) is expected


@pytest.mark.parametrize(("answer", "expected"), [(True, T), (False, F)], ids=["yes", "no"])
def test_truth_of_a_plain_answer_is_true_or_false_never_unknown(answer, expected):
    assert truth_of(answer) is expected


def test_all_of_nothing_is_true_the_identity_of_and():
    assert all_of([]) is T


def test_any_of_nothing_is_false_the_identity_of_or():
    assert any_of([]) is F


def test_all_of_and_any_of_accept_a_one_shot_iterator():
    assert all_of(iter([T, U])) is U
    assert any_of(truth for truth in [F, U]) is U


@given(st.lists(truths))
def test_all_of_a_list_is_the_table_folded_from_true(parts):
    expected = T
    for part in parts:
        expected = AND[expected, part]
    assert all_of(parts) is expected


@given(st.lists(truths))
def test_any_of_a_list_is_the_table_folded_from_false(parts):
    expected = F
    for part in parts:
        expected = OR[expected, part]
    assert any_of(parts) is expected


@given(st.lists(truths))
def test_all_of_is_false_iff_a_part_is_false_and_true_iff_every_part_is_true(parts):
    assert (all_of(parts) is F) == (F in parts)
    assert (all_of(parts) is T) == all(part is T for part in parts)


@given(st.lists(truths))
def test_any_of_is_true_iff_a_part_is_true_and_false_iff_every_part_is_false(parts):
    assert (any_of(parts) is T) == (T in parts)
    assert (any_of(parts) is F) == all(part is F for part in parts)


@given(st.lists(truths), st.randoms(use_true_random=False))
def test_order_of_parts_does_not_matter(parts, random):
    shuffled = list(parts)
    random.shuffle(shuffled)
    assert all_of(shuffled) is all_of(parts)
    assert any_of(shuffled) is any_of(parts)


@pytest.mark.parametrize(("a", "b", "c"), list(itertools.product([F, U, T], repeat=3)))
def test_and_and_or_are_associative(a, b, c):
    assert all_of([all_of([a, b]), c]) is all_of([a, all_of([b, c])]) is all_of([a, b, c])
    assert any_of([any_of([a, b]), c]) is any_of([a, any_of([b, c])]) is any_of([a, b, c])


@given(truths)
def test_true_is_the_identity_of_all_of_and_false_of_any_of(a):
    assert all_of([a, T]) is a
    assert any_of([a, F]) is a


@given(truths)
def test_false_annihilates_all_of_and_true_annihilates_any_of(a):
    assert all_of([a, F]) is F
    assert any_of([a, T]) is T


@given(truths)
def test_and_and_or_are_idempotent(a):
    assert all_of([a, a]) is a
    assert any_of([a, a]) is a


@given(st.lists(truths), st.lists(truths))
def test_splitting_the_parts_into_groups_gives_the_same_truth(left, right):
    assert all_of([all_of(left), all_of(right)]) is all_of(left + right)
    assert any_of([any_of(left), any_of(right)]) is any_of(left + right)


@given(st.lists(truths))
def test_de_morgan_not_all_is_any_not(parts):
    assert negate(all_of(parts)) is any_of(negate(part) for part in parts)


@given(st.lists(truths))
def test_de_morgan_not_any_is_all_not(parts):
    assert negate(any_of(parts)) is all_of(negate(part) for part in parts)


@given(truths)
def test_negating_twice_is_the_identity(a):
    assert negate(negate(a)) is a


@pytest.mark.parametrize(("a", "b"), PAIRS, ids=PAIR_IDS)
def test_absorption(a, b):
    assert all_of([a, any_of([a, b])]) is a
    assert any_of([a, all_of([a, b])]) is a


@pytest.mark.parametrize(("a", "b", "c"), list(itertools.product([F, U, T], repeat=3)))
def test_and_distributes_over_or_and_or_over_and(a, b, c):
    assert all_of([a, any_of([b, c])]) is any_of([all_of([a, b]), all_of([a, c])])
    assert any_of([a, all_of([b, c])]) is all_of([any_of([a, b]), any_of([a, c])])


def test_excluded_middle_does_not_hold_for_unknown():
    # The one law of two-valued logic Kleene logic gives up: it is why silence stays unknown.
    assert any_of([U, negate(U)]) is U
    assert all_of([U, negate(U)]) is U


@given(truths, st.sampled_from([F, T]))
def test_settling_an_unknown_part_never_flips_a_decided_whole(other, settled):
    # The law screening relies on: filling in a missing fact cannot change a decided result.
    for connective in (all_of, any_of):
        before = connective([U, other])
        if before is not U:
            assert connective([settled, other]) is before


def test_truth_prints_in_lower_case_and_is_ordered_false_unknown_true():
    assert [str(truth) for truth in Truth] == ["false", "unknown", "true"]
    assert [truth.value for truth in Truth] == [0, 1, 2]
