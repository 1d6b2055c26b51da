"""Corpus tests never skip silently in CI: the rule, nbfactory.corpus_absence, that
tests/conftest.py applies to every test marked `corpus`."""

from __future__ import annotations

import pytest

from nbfactory import CORPUS, corpus_absence

SOME = [CORPUS / "a.ipynb"]


@pytest.mark.parametrize(
    "env",
    [{}, {"CI": "true"}, {"NBGUARD_NO_CORPUS": "1"}, {"CI": "true", "NBGUARD_NO_CORPUS": "1"}],
    ids=["developer", "ci", "opt-out", "ci-opt-out"],
)
def test_a_present_corpus_runs_everywhere(env):
    assert corpus_absence(SOME, env) is None


def test_a_missing_corpus_fails_in_ci():
    assert corpus_absence([], {"CI": "true"}) == (
        "fail",
        (
            f"the shared corpus is missing at {CORPUS} and CI=true: corpus tests must run in CI "
            "(set NBGUARD_NO_CORPUS=1 where it is absent by intent)"
        ),
    )


def test_ci_is_read_as_github_and_others_spell_it():
    assert corpus_absence([], {"CI": "True"})[0] == "fail"
    assert corpus_absence([], {"CI": "TRUE"})[0] == "fail"


@pytest.mark.parametrize("value", ["", "false", "0", "1"])
def test_ci_other_than_true_is_a_developer_machine(value):
    assert corpus_absence([], {"CI": value}) == (
        "skip",
        f"no corpus at {CORPUS} (on CI, with CI=true, this fails)",
    )


def test_a_missing_corpus_skips_on_a_developer_machine():
    assert corpus_absence([], {"HOME": "/home/x"}) == (
        "skip",
        f"no corpus at {CORPUS} (on CI, with CI=true, this fails)",
    )


def test_the_opt_out_skips_even_in_ci():
    assert corpus_absence([], {"CI": "true", "NBGUARD_NO_CORPUS": "1"}) == (
        "skip",
        f"no corpus at {CORPUS} (NBGUARD_NO_CORPUS=1: absent by intent)",
    )


def test_only_one_spelling_of_the_opt_out():
    assert corpus_absence([], {"CI": "true", "NBGUARD_NO_CORPUS": "yes"})[0] == "fail"
