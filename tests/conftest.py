import functools
import os
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
def git_repo(tmp_path, pre_commit_env):
    """An empty git repository."""
    path = tmp_path / "repo"
    path.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=path, check=True, env=pre_commit_env)
    return path
