import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

# Make tests/nbfactory.py importable as `nbfactory` wherever pytest is started.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from nbfactory import corpus_absence, corpus_notebooks


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A test marked ``corpus`` runs when ../shared/corpus holds notebooks; without them it
    fails in CI and skips elsewhere, with the reason (nbfactory.corpus_absence)."""
    if item.get_closest_marker("corpus") is None:
        return
    verdict = corpus_absence(_corpus_notebooks(), os.environ)
    if verdict is None:
        return
    action, message = verdict
    if action == "fail":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@functools.cache
def _corpus_notebooks() -> list[Path]:
    return corpus_notebooks()


@pytest.fixture(scope="session")
def pre_commit_env(tmp_path_factory):
    """Environment for running the real pre-commit and git in temporary repositories."""
    pytest.importorskip("pre_commit")
    home = tmp_path_factory.mktemp("pre-commit-home")
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(home),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
        "GIT_CONFIG_NOSYSTEM": "1",
        "HOME": str(home),
    }
    env.pop("PRE_COMMIT", None)
    return env


@pytest.fixture
def git_home(tmp_path, monkeypatch):
    """git isolated from the user's and the system's configuration (a system file of its own
    for `--system`), in a home folder of its own."""
    path = tmp_path / "home"
    path.mkdir()
    for name in ("XDG_CONFIG_HOME", "GIT_DIR", "GIT_WORK_TREE", "GIT_CONFIG_GLOBAL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(path))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_SYSTEM", str(tmp_path / "system-gitconfig"))
    return path


@pytest.fixture
def git_repo(tmp_path, pre_commit_env):
    """An empty git repository."""
    path = tmp_path / "repo"
    path.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=path, check=True, env=pre_commit_env)
    return path


_ROOT = Path(__file__).resolve().parents[1]


def _git(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False)


@pytest.fixture(scope="session")
def snapshot(tmp_path_factory, pre_commit_env):
    """This checkout as it is now (committed or not), as a repository pre-commit can clone,
    like `pre-commit try-repo` makes one; its HEAD is the rev."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=_ROOT,
        capture_output=True,
        check=False,
    )
    if listed.returncode != 0:
        pytest.skip("the checkout is not a git repository")
    path = tmp_path_factory.mktemp("snapshot")
    for name in listed.stdout.decode().split("\0"):
        source = _ROOT / name
        if name and source.is_file():
            (path / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, path / name)
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "snapshot"]):
        assert _git(path, pre_commit_env, *args).returncode == 0
    rev = _git(path, pre_commit_env, "rev-parse", "HEAD").stdout.strip()
    return path, rev
