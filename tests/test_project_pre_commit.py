"""The project's own .pre-commit-config.yaml: ruff at the pinned version, and the local
hooks (mypy, nbguard on the repository's notebooks) run through the real pre-commit."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nbfactory import pre_commit

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
PRE_COMMIT_CONFIG = ROOT / ".pre-commit-config.yaml"


def _pinned(name: str) -> str:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (pin,) = [
        req for req in project["project"]["optional-dependencies"]["test"] if req.startswith(f"{name}==")
    ]
    return pin.split("==")[1]


def test_ruff_hook_is_the_ruff_the_tests_pin():
    yaml = pytest.importorskip("yaml")
    remote, local = yaml.safe_load(PRE_COMMIT_CONFIG.read_text(encoding="utf-8"))["repos"]
    assert remote["repo"] == "https://github.com/astral-sh/ruff-pre-commit"
    assert remote["rev"] == f"v{_pinned('ruff')}"
    assert [hook["id"] for hook in remote["hooks"]] == ["ruff-check", "ruff-format"]
    assert local["repo"] == "local"
    assert [(h["id"], h["entry"], h["language"]) for h in local["hooks"]] == [
        ("mypy", "mypy", "system"),
        ("nbguard", "nbguard check", "system"),
    ]


@pytest.mark.e2e
def test_pre_commit_config_is_valid(pre_commit_env):
    proc = pre_commit("validate-config", str(PRE_COMMIT_CONFIG), cwd=ROOT, env=pre_commit_env)
    assert (proc.returncode, proc.stdout + proc.stderr) == (0, "")


@pytest.fixture
def project_copy(tmp_path, pre_commit_env):
    """A new git repository holding this checkout's files (tracked, and new ones not ignored),
    and an environment whose PATH starts with this interpreter's scripts (mypy, nbguard), as
    in an activated venv: the local hooks are `language: system`."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if shutil.which("git") is None or listed.returncode != 0:
        pytest.skip("the checkout is not a git repository")
    copy = tmp_path / "project"
    for name in filter(None, listed.stdout.split("\0")):
        if (ROOT / name).is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(ROOT / name, copy / name)
    env = {
        **pre_commit_env,
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), pre_commit_env.get("PATH", "")]),
        "MYPY_CACHE_DIR": str(tmp_path / "mypy-cache"),
    }
    subprocess.run(["git", "init", "-q"], cwd=copy, check=True, env=env)
    return copy, env, _local_hooks_config(tmp_path)


def _local_hooks_config(tmp_path: Path) -> str:
    """The project's config with its local hooks only: `pre-commit run HOOK` installs every
    repository of the config first, and ruff's needs the network, which tests do not have."""
    yaml = pytest.importorskip("yaml")
    config = yaml.safe_load(PRE_COMMIT_CONFIG.read_text(encoding="utf-8"))
    config["repos"] = [repo for repo in config["repos"] if repo["repo"] == "local"]
    path = tmp_path / "local-hooks.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return str(path)


def _add_all(repo: Path, env: dict[str, str]) -> None:
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True, env=env)


@pytest.mark.e2e
def test_nbguard_hook_checks_the_notebooks_outside_examples(project_copy):
    repo, env, config = project_copy
    dirty = (ROOT / "examples" / "dirty_outputs.ipynb").read_bytes()
    (repo / "notebooks").mkdir()
    (repo / "notebooks" / "analysis.ipynb").write_bytes(dirty)
    shutil.copyfile(ROOT / "examples" / "clean.ipynb", repo / "notebooks" / "clean.ipynb")
    _add_all(repo, env)
    failed = pre_commit("run", "nbguard", "--all-files", "--config", config, cwd=repo, env=env)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    report = failed.stdout.splitlines()
    assert "notebooks/analysis.ipynb: NBG401 would be stripped (2 outputs, 2 execution counts)" in report
    assert [line for line in report if line.startswith("notebooks/")] == [
        "notebooks/analysis.ipynb: NBG401 would be stripped (2 outputs, 2 execution counts)"
    ]  # examples/ left out
    assert not [line for line in report if "checked" in line]  # no summary per pre-commit batch
    assert (repo / "notebooks" / "analysis.ipynb").read_bytes() == dirty  # read-only

    (repo / "notebooks" / "analysis.ipynb").unlink()
    _add_all(repo, env)
    passed = pre_commit("run", "nbguard", "--all-files", "--config", config, cwd=repo, env=env)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert passed.stdout.startswith("nbguard check (the repository's notebooks)....")
    assert passed.stdout.rstrip().endswith("Passed")


@pytest.mark.e2e
def test_mypy_hook_passes_on_the_package(project_copy):
    repo, env, config = project_copy
    _add_all(repo, env)
    proc = pre_commit("run", "mypy", "--all-files", "--config", config, cwd=repo, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("mypy (strict, hooks/nbguard)....")
    assert proc.stdout.rstrip().endswith("Passed")
