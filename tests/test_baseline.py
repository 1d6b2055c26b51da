"""report.baseline on its own: entries, reading a baseline file, and splitting findings
into new ones and the entries they matched (the command is tested in test_check.py)."""

from __future__ import annotations

import json

import pytest

from nbfactory import code, make_nb
from nbguard.report import baseline as B
from nbguard.report.finding import Finding

NB = make_nb(code("x = 1", id="first"), code("y = 2"))


def test_a_cell_with_an_id_is_keyed_by_it_and_its_content_is_its_source():
    entry = B.entry_for("a/./nb.ipynb", NB, Finding("NBG101", "ran as [2] after [2]", cell=1))
    assert entry == B.Entry("a/nb.ipynb", "NBG101", "id:first", B.short_hash("x = 1"))


def test_a_cell_without_an_id_is_keyed_by_a_hash_of_its_source():
    entry = B.entry_for("nb.ipynb", NB, Finding("NBG101", "m", cell=2))
    assert entry.cell == f"source:{B.short_hash('y = 2')}"


def test_a_cell_number_past_the_last_cell_is_kept_as_a_number_and_hashes_the_message():
    entry = B.entry_for("nb.ipynb", NB, Finding("NBG301", "too big", cell=3))
    assert (entry.cell, entry.content) == ("cell:3", B.short_hash("too big"))


def test_a_finding_of_the_whole_notebook_has_no_cell_and_hashes_the_message():
    entry = B.entry_for("nb.ipynb", NB, Finding("NBG302", "total 3 MiB"))
    assert (entry.cell, entry.content) == ("", B.short_hash("total 3 MiB"))


def test_a_credential_is_identified_by_its_fingerprint():
    entry = B.entry_for("nb.ipynb", NB, Finding("NBG201", "GitHub Token", cell=1, fingerprint="3fa9c2e1b7d0"))
    assert (entry.cell, entry.content) == ("id:first", "3fa9c2e1b7d0")


def test_split_keeps_new_findings_and_returns_the_matched_entries():
    known_finding = Finding("NBG101", "ran as [2] after [2]", cell=1)
    new_finding = Finding("NBG101", "ran as [2] after [2]", cell=2)
    known = frozenset({B.entry_for("nb.ipynb", NB, known_finding)})
    new, matched = B.split("nb.ipynb", NB, [known_finding, new_finding], known)
    assert new == [new_finding]
    assert matched == set(known)


def test_dumps_and_load_round_trip(tmp_path):
    entries = [B.Entry("b.ipynb", "NBG101", "id:x", "1"), B.Entry("a.ipynb", "NBG201", "", "2")]
    path = tmp_path / "baseline.json"
    path.write_text(B.dumps(entries), encoding="utf-8")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert list(data["findings"]) == ["a.ipynb", "b.ipynb"]
    assert B.load(str(path)) == B.Baseline(frozenset(entries), str(path))
    assert B.load(str(path)).for_file("./b.ipynb") == {entries[0]}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "{",
            "cannot read baseline: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
        ),
        ('{"version": 2, "findings": {}}', "unsupported baseline version 2"),
        ('{"version": 1}', "malformed baseline ('findings')"),
        ('{"version": 1, "findings": []}', "malformed baseline ('list' object has no attribute 'items')"),
        ('{"version": 1, "findings": {"a.ipynb": [{"code": "X"}]}}', "malformed baseline ('cell')"),
    ],
    ids=["invalid-json", "other-version", "no-findings", "findings-not-an-object", "entry-without-cell"],
)
def test_a_bad_baseline_is_a_baseline_error_naming_the_file(tmp_path, text, message):
    path = tmp_path / "baseline.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(B.BaselineError) as raised:
        B.load(str(path))
    assert str(raised.value) == f"{path}: {message}"


def test_a_missing_baseline_says_how_to_create_one(tmp_path):
    path = tmp_path / "none.json"
    with pytest.raises(B.BaselineError) as raised:
        B.load(str(path))
    assert str(raised.value) == f"{path}: baseline file not found (create it with 'nbguard baseline')"
