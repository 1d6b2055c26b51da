import os
import subprocess
import sys
from pathlib import Path

import pytest

# Make tests/nbfactory.py importable as `nbfactory` wherever pytest is started.
sys.path.insert(0, str(Path(__file__).resolve().parent))


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
