"""Zeppelin notes (.zpln): stripped as nbstripout --mode zeppelin strips them (tests/test_peers.py),
and read by every other check but order, through their Jupyter view; folders are searched for
them unless the mode setting is jupyter."""

from __future__ import annotations

import json

import pytest

import fake_tokens as ft
from nbguard import cli, notebook
from nbguard.checks.secrets import fingerprint

TOKEN = ft.github_classic("zeppelin")


def note(*paragraphs: dict) -> dict:
    return {"paragraphs": list(paragraphs), "name": "n", "id": "2ABC", "config": {}}


def paragraph(text, *messages, code="SUCCESS", **extra) -> dict:
    return {"text": text, "results": {"code": code, "msg": list(messages)}, "id": "p", **extra}


NOTE = note(
    paragraph("%md\n# Notes", {"type": "HTML", "data": "<h1>Notes</h1>"}),
    paragraph(
        f"%python\ntoken = '{TOKEN}'\nprint(open('/home/alice/data.csv').read())",
        {"type": "TEXT", "data": "read /home/alice/data.csv\n"},
    ),
    paragraph(
        "%python\n1/0", {"type": "TEXT", "data": "ZeroDivisionError: division by zero\n"}, code="ERROR"
    ),
)


def test_the_view_is_a_cell_per_paragraph_with_its_results_as_outputs():
    odd = note(
        {"text": "%python\nplot()", "results": {"msg": [{"type": "IMG", "data": "iVBOR"}, "bare"]}},
        {"results": []},  # no text, results not an object
        {"text": 3, "results": {"msg": "not a list"}},
    )
    assert notebook.zeppelin_view(NOTE)["cells"] == [
        {"cell_type": "markdown", "source": "%md\n# Notes", "metadata": {}},
        {
            "cell_type": "code",
            "source": f"%python\ntoken = '{TOKEN}'\nprint(open('/home/alice/data.csv').read())",
            "metadata": {},
            "execution_count": None,
            "outputs": [{"output_type": "stream", "name": "stdout", "text": "read /home/alice/data.csv\n"}],
        },
        {
            "cell_type": "code",
            "source": "%python\n1/0",
            "metadata": {},
            "execution_count": None,
            "outputs": [
                {
                    "output_type": "error",
                    "ename": "Error",
                    "evalue": "ZeroDivisionError: division by zero",
                    "traceback": ["ZeroDivisionError: division by zero"],
                }
            ],
        },
    ]
    assert [cell.get("outputs") for cell in notebook.zeppelin_view(odd)["cells"]] == [
        [
            {"output_type": "display_data", "data": {"image/png": "iVBOR"}, "metadata": {}},
            {"output_type": "stream", "name": "stdout", "text": "bare"},
        ],
        [],
        [],
    ]
    notebook.check_structure(notebook.zeppelin_view(odd))  # a notebook every check can read


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "n.zpln").write_text(json.dumps(NOTE, indent=2))
    return tmp_path / "d"


SECRET_LINE = (
    f"d/n.zpln:cell 2:line 2: NBG201 GitHub personal access token in source (ghp_… 40 characters, "
    f"fingerprint {fingerprint(TOKEN)}); "
    "revoke it: https://github.com/settings/tokens\n"
)


def test_check_reads_a_folders_note_and_keeps_it_unstripped_when_it_fails(folder, capsys):
    before = (folder / "n.zpln").read_bytes()
    assert cli.main(["check", "--fix", "--isolated", "d"]) == 1
    assert capsys.readouterr().out == SECRET_LINE + "1 notebook checked, 1 finding (secrets 1; NBG201 1)\n"
    assert (folder / "n.zpln").read_bytes() == before  # the evidence stays


def test_with_results_kept_every_check_but_order_reports_on_the_note(folder, capsys):
    assert cli.main(["check", "--isolated", "--no-strip", "d"]) == 1
    assert capsys.readouterr().out == (
        SECRET_LINE + "d/n.zpln:cell 2:line 1: NBG501 a home directory that names a user (/home/a***) in "
        "output 1 stream (fingerprint 2bd806c97f0e)\n"
        "d/n.zpln:cell 3: NBG601 output 1 is an error (Error); fix the cell and re-run\n"
        "1 notebook checked, 3 findings (errors 1, privacy 1, secrets 1; NBG201 1, NBG501 1, NBG601 1)\n"
    )


def test_a_clean_note_is_stripped_by_check_fix(folder, capsys):
    clean = note(paragraph("%python\nprint(1)", {"type": "TEXT", "data": "1\n"}))
    (folder / "n.zpln").write_text(json.dumps(clean, indent=2))
    assert cli.main(["check", "--fix", "--isolated", "d"]) == 0
    assert capsys.readouterr().out == "d/n.zpln: stripped results of 1 paragraph\n"
    assert json.loads((folder / "n.zpln").read_text())["paragraphs"][0]["results"] == {}


def test_a_baseline_names_a_notes_findings(folder, capsys):
    assert cli.main(["baseline", "--isolated", "d"]) == 0
    capsys.readouterr()
    assert cli.main(["check", "--isolated", "--baseline", ".nbguard-baseline.json", "d"]) == 1
    assert capsys.readouterr().out == (
        "d/n.zpln: NBG401 would be stripped (results of 3 paragraphs)\n"
        "1 notebook checked, 1 finding (strip 1; NBG401 1)\n"
    )


def test_sarif_places_a_notes_findings_on_its_first_line(folder, capsys):
    assert cli.main(["secrets", "--isolated", "--format", "sarif", "d"]) == 1
    (result,) = json.loads(capsys.readouterr().out)["runs"][0]["results"]
    assert result["ruleId"] == "NBG201"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 1


def test_mode_jupyter_leaves_a_folders_notes_out_and_reads_a_named_one_as_a_notebook(folder, capsys):
    (folder.parent / "pyproject.toml").write_text('[tool.nbguard]\nmode = "jupyter"\n')
    assert cli.main(["strip", "--check", "d"]) == 0
    assert capsys.readouterr().out == ""
    assert cli.main(["strip", "--check", "d/n.zpln"]) == 1
    assert capsys.readouterr().out == "d/n.zpln: NBG001 not a notebook: no 'cells' list\n"
