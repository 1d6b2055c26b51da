"""The GitHub Action (action.yml): its structure, and its scripts run here with bash in a
temporary repository, with the variables GitHub would set (all but the upload step)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import fake_tokens as ft
from nbfactory import code, make_nb, write_nb

yaml = pytest.importorskip("yaml")
ROOT = Path(__file__).resolve().parents[1]
ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
EXPRESSION = re.compile(r"\$\{\{\s*(.+?)\s*\}\}")


def test_the_action_is_composite_and_uses_only_inputs_it_declares():
    assert ACTION["runs"]["using"] == "composite"
    steps = ACTION["runs"]["steps"]
    for step in steps:
        assert ("run" in step) != ("uses" in step), step["name"]
        if "run" in step:
            assert step["shell"] == "bash"
    used = set(re.findall(r"inputs\.([\w-]+)", (ROOT / "action.yml").read_text(encoding="utf-8")))
    assert used == set(ACTION["inputs"])
    assert all(value.get("description") for value in ACTION["inputs"].values())
    upload = next(step for step in steps if "uses" in step)
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert "${{ github.action_path }}" in steps[0]["env"].values()


def _run_scripts(repo: Path, context: dict[str, str], tmp_path: Path) -> tuple[dict[str, str], int]:
    """Every run step but the install (nbguard is installed here), as GitHub runs them (bash -eo pipefail)."""
    outputs: dict[str, str] = {}
    code_ = 0
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    wrapper = bin_dir / "python3"  # the suite's interpreter, which has nbguard
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n', encoding="utf-8")
    wrapper.chmod(0o755)
    for step in ACTION["runs"]["steps"][1:]:
        if "run" not in step:
            continue
        values = {**context, **{f"steps.{k}": v for k, v in outputs.items()}}
        env = {
            key: EXPRESSION.sub(lambda m, values=values: values[m.group(1)], str(value))
            for key, value in step["env"].items()
        }
        github_output = tmp_path / "output.txt"
        github_output.write_text("", encoding="utf-8")
        env = {
            **os.environ,
            **env,
            "GITHUB_OUTPUT": str(github_output),
            "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        }
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=repo,
            env=env,
            check=False,
        )
        code_ = proc.returncode
        for line in github_output.read_text(encoding="utf-8").splitlines():
            key, _, value = line.partition("=")
            outputs[f"{step.get('id', '')}.outputs.{key}"] = value
    return outputs, code_


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def _new_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty repository on branch main, with an author, and no git variables inherited."""
    for name in ("GIT_DIR", "GIT_WORK_TREE"):
        monkeypatch.delenv(name, raising=False)
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "config", "user.email", "t@example.com")
    _git(repo, "config", "user.name", "t")
    return repo


@pytest.mark.skipif(shutil.which("bash") is None or shutil.which("git") is None, reason="needs bash and git")
@pytest.mark.parametrize("event", ["pull_request", "push"])
def test_the_scripts_check_the_changed_notebooks_of_a_pull_request(event, tmp_path, monkeypatch):
    repo = _new_repo(tmp_path, monkeypatch)
    write_nb(repo / "old.ipynb", make_nb(code("a = 1", count=2)))  # out of order, but not changed
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "base")
    base = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    )
    _git(repo, "checkout", "-q", "-b", "feature")
    token = ft.github_classic("action")
    write_nb(repo / "new notebook.ipynb", make_nb(code(f'token = "{token}"')))
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "change")
    inputs = {f"inputs.{name}": str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()}
    context = {
        **inputs,
        "inputs.args": "--isolated",
        "github.event_name": event,
        "github.event.pull_request.base.sha": base.stdout.strip() if event == "pull_request" else "",
        "github.base_ref": "main" if event == "pull_request" else "",
        "runner.temp": str(tmp_path),
    }
    outputs, exit_code = _run_scripts(repo, context, tmp_path)
    assert exit_code == 1  # the last step fails the job on findings
    assert outputs["run.outputs.exit-code"] == "1"
    sarif_text = (repo / "nbguard.sarif").read_text(encoding="utf-8")
    assert token not in sarif_text
    results = json.loads(sarif_text)["runs"][0]["results"]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    if event == "pull_request":
        assert outputs["select.outputs.scope"] == "changed"
        assert uris == {"new notebook.ipynb"}
    else:
        assert outputs["select.outputs.scope"] == "all"
        assert uris == {"new notebook.ipynb", "old.ipynb"}


@pytest.mark.skipif(shutil.which("bash") is None or shutil.which("git") is None, reason="needs bash and git")
def test_a_pull_request_without_notebooks_writes_an_empty_report(tmp_path, monkeypatch):
    repo = _new_repo(tmp_path, monkeypatch)
    _git(repo, "commit", "-q", "--allow-empty", "-m", "base")
    inputs: dict[str, Any] = {f"inputs.{n}": str(s.get("default", "")) for n, s in ACTION["inputs"].items()}
    context = {
        **inputs,
        "github.event_name": "pull_request",
        "github.event.pull_request.base.sha": "HEAD",
        "github.base_ref": "main",
        "runner.temp": str(tmp_path),
    }
    outputs, exit_code = _run_scripts(repo, context, tmp_path)
    assert (exit_code, outputs["run.outputs.exit-code"]) == (0, "0")
    assert json.loads((repo / "nbguard.sarif").read_text(encoding="utf-8"))["runs"][0]["results"] == []
