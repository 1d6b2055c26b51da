"""The real pre-commit framework runs nbguard's hooks from this checkout."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from nbfactory import code, dumps, execute_result, make_nb, markdown, pre_commit, stream

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [pytest.mark.e2e, pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")]


@pytest.fixture
def repo(git_repo):
    return git_repo


def test_manifest_is_valid(pre_commit_env):
    proc = pre_commit("validate-manifest", str(ROOT / ".pre-commit-hooks.yaml"), cwd=ROOT, env=pre_commit_env)
    assert proc.returncode == 0, proc.stdout + proc.stderr


DIRTY = make_nb(
    markdown("# Demo", id="m"),
    code("print('hi')", count=1, outputs=[stream("hi\n")], id="c1"),
    code("1 + 1", count=2, outputs=[execute_result({"text/plain": "2"}, count=2)], id="c2"),
)
CLEAN = make_nb(markdown("# Clean", id="m"), code("x = 1", id="c1"))


def test_strip_hook_through_pre_commit(repo, pre_commit_env):
    (repo / "dirty.ipynb").write_text(dumps(DIRTY))
    (repo / "clean.ipynb").write_text(dumps(CLEAN))
    clean_before = (repo / "clean.ipynb").read_bytes()
    clean_mtime = (repo / "clean.ipynb").stat().st_mtime_ns
    subprocess.run(["git", "add", "."], cwd=repo, check=True, env=pre_commit_env)

    first = pre_commit("try-repo", str(ROOT), "nbguard-strip", "--all-files", cwd=repo, env=pre_commit_env)
    assert first.returncode == 1, first.stdout + first.stderr
    assert "files were modified by this hook" in first.stdout
    assert "dirty.ipynb: stripped 2 outputs, 2 execution counts" in first.stdout
    assert "clean.ipynb" not in first.stdout.split("files were modified by this hook")[1]
    stripped = (repo / "dirty.ipynb").read_text()
    assert '"outputs": []' in stripped
    assert '"execution_count": null' in stripped
    assert "hi\\n" not in stripped
    assert (repo / "clean.ipynb").read_bytes() == clean_before
    assert (repo / "clean.ipynb").stat().st_mtime_ns == clean_mtime

    subprocess.run(["git", "add", "."], cwd=repo, check=True, env=pre_commit_env)
    second = pre_commit("try-repo", str(ROOT), "nbguard-strip", "--all-files", cwd=repo, env=pre_commit_env)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "Passed" in second.stdout


def git(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False)


def test_one_line_hook_through_git_commit(repo, pre_commit_env):
    """The headline set-up: `- id: nbguard` in .pre-commit-config.yaml, then `git commit`."""
    import base64
    import struct

    import fake_tokens

    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False)
    if head.returncode != 0:
        pytest.skip("the checkout is not a git repository with commits")
    env = pre_commit_env
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {ROOT}\n    rev: {head.stdout.strip()}\n    hooks:\n      - id: nbguard\n"
    )
    token = fake_tokens.github_classic("e2e")
    header = b"\x89PNG\r\n\x1a\n" + struct.pack(">I4sII", 13, b"IHDR", 2000, 1500)
    big = base64.b64encode(header + bytes(300 * 1024)).decode()
    notebooks = {
        "dirty.ipynb": DIRTY,
        "clean.ipynb": CLEAN,
        "out_of_order.ipynb": make_nb(code("a = 1", count=2, id="c1"), code("b = a", count=1, id="c2")),
        "credential.ipynb": make_nb(code(f'client = Client(token="{token}")', id="c1")),
        "large_image.ipynb": make_nb(
            markdown("![plot](attachment:plot.png)", id="m", attachments={"plot.png": {"image/png": big}})
        ),
    }
    for name, nb in notebooks.items():
        (repo / name).write_text(dumps(nb))
    assert git("add", ".", cwd=repo, env=env).returncode == 0
    install = pre_commit("install", cwd=repo, env=env)
    assert install.returncode == 0, install.stdout + install.stderr

    first = git("commit", "-m", "add notebooks", cwd=repo, env=env)
    output = first.stdout + first.stderr
    assert first.returncode != 0, output
    assert "nbguard (strip, execution order, credentials, personal data, images, committed errors)" in output
    assert "Failed" in output
    for bad in (
        "out_of_order.ipynb:cell 2: NBG10",
        "credential.ipynb:cell 1:line 1: NBG20",
        "large_image.ipynb:cell 1: NBG301",
    ):
        assert bad in output
    assert "dirty.ipynb: stripped 2 outputs, 2 execution counts" in output
    assert "clean.ipynb" not in output
    assert token not in output
    assert '"outputs": []' in (repo / "dirty.ipynb").read_text()
    assert (repo / "credential.ipynb").read_text() == dumps(notebooks["credential.ipynb"]), "evidence is kept"

    assert (
        git(
            "rm", "-q", "-f", "out_of_order.ipynb", "credential.ipynb", "large_image.ipynb", cwd=repo, env=env
        ).returncode
        == 0
    )
    assert git("add", "dirty.ipynb", cwd=repo, env=env).returncode == 0
    second = git("commit", "-m", "add clean notebooks", cwd=repo, env=env)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "Passed" in second.stdout + second.stderr
    assert git("status", "--porcelain", cwd=repo, env=env).stdout == ""


@pytest.mark.parametrize("hooks", [("nbguard-strip", "nbguard-order"), ("nbguard-order", "nbguard-strip")])
def test_out_of_order_notebook_never_gets_in_whatever_the_hook_order(repo, pre_commit_env, snapshot, hooks):
    """Separate hooks in either order: strip leaves a notebook order rejects as it is, so
    the second commit attempt fails as the first did."""
    env = pre_commit_env
    hook_repo, rev = snapshot
    listed = "".join(f"      - id: {hook}\n" for hook in hooks)
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hook_repo}\n    rev: {rev}\n    hooks:\n{listed}"
    )
    nb = make_nb(code("a = 1", count=2, outputs=[stream("x\n")], id="c1"), code("b = a", count=1, id="c2"))
    (repo / "nb.ipynb").write_text(dumps(nb))
    assert git("add", ".", cwd=repo, env=env).returncode == 0
    assert pre_commit("install", cwd=repo, env=env).returncode == 0
    for attempt in (1, 2):
        proc = git("commit", "-m", "add", cwd=repo, env=env)
        output = proc.stdout + proc.stderr
        assert proc.returncode != 0, (attempt, output)
        assert "nb.ipynb:cell 2: NBG101" in output, (attempt, output)
        assert (repo / "nb.ipynb").read_text() == dumps(nb), "the evidence is kept"
        assert git("add", ".", cwd=repo, env=env).returncode == 0
    assert git("rev-parse", "-q", "--verify", "HEAD", cwd=repo, env=env).returncode != 0


def test_zeppelin_notes_reach_the_hook_with_the_documented_override(repo, pre_commit_env, snapshot):
    """docs/checks.md: `types: [file]` and `files: \\.(ipynb|zpln)$` give the hook the notes."""
    import json

    import fake_tokens

    env = pre_commit_env
    hook_repo, rev = snapshot
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hook_repo}\n    rev: {rev}\n    hooks:\n      - id: nbguard\n"
        "        types: [file]\n        files: \\.(ipynb|zpln)$\n"
    )
    token = fake_tokens.github_classic("hook")
    note = {"paragraphs": [{"text": f"%python\ntoken = '{token}'", "results": {}}], "name": "n"}
    (repo / "n.zpln").write_text(json.dumps(note, indent=2))
    assert git("add", ".", cwd=repo, env=env).returncode == 0
    proc = pre_commit("run", "--all-files", cwd=repo, env=env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "n.zpln:cell 1:line 2: NBG201 GitHub personal access token" in proc.stdout
    assert token not in proc.stdout + proc.stderr
