"""nbguard migrate on real repositories: git config, attributes, .pre-commit-config.yaml,
pyproject sections and a detect-secrets baseline, as the peers' own docs write them; the
settings it writes strip as the peer did (run side by side), and pre-commit accepts its file."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import fake_tokens as ft
from nbfactory import code, dumps, make_nb, markdown, stream
from nbguard import __version__, cli

pytestmark = pytest.mark.e2e


@pytest.fixture
def repo(tmp_path, git_home, monkeypatch):
    path = tmp_path / "repo"
    path.mkdir()
    monkeypatch.chdir(path)
    git("init", "-q")
    return path


def git(*args: str) -> str:
    return subprocess.run(["git", *args], capture_output=True, text=True, check=True).stdout


NBSTRIPOUT_PRE_COMMIT = """\
repos:
- repo: https://github.com/kynan/nbstripout
  rev: 0.9.1
  hooks:
  - id: nbstripout
    args: [--keep-count, --drop-empty-cells, --extra-keys, metadata.kernelspec cell.metadata.tags]
- repo: https://github.com/pre-commit/pre-commit-hooks
  rev: v4.6.0
  hooks:
  - id: end-of-file-fixer
"""


def test_dry_run_prints_everything_and_writes_nothing(repo, capsys):
    (repo / ".pre-commit-config.yaml").write_text(NBSTRIPOUT_PRE_COMMIT)
    git("config", "filter.nbstripout.clean", "'/usr/bin/python3' -m nbstripout --keep-output")
    git("config", "filter.nbstripout.extrakeys", "metadata.widgets cell.metadata.foo")
    (repo / ".gitattributes").write_text(
        "*.ipynb filter=nbstripout\n*.zpln filter=nbstripout\n*.ipynb diff=ipynb\n"
    )
    before = {p.name: p.read_bytes() for p in repo.iterdir() if p.is_file()}
    assert cli.main(["migrate"]) == 0
    assert capsys.readouterr().out == (
        "nbguard migrate: a dry run; --write makes these changes\n"
        "read: git config filter.nbstripout.clean = '/usr/bin/python3' -m nbstripout --keep-output\n"
        "read: git config filter.nbstripout.extrakeys = metadata.widgets cell.metadata.foo\n"
        "read: .pre-commit-config.yaml: hook nbstripout --keep-count --drop-empty-cells --extra-keys "
        "'metadata.kernelspec cell.metadata.tags'\n"
        "settings:\n"
        "  [tool.nbguard]\n"
        "  keep-output = true\n"
        '  id-action = "sequential"\n'
        '  extra-keys = ["metadata.widgets", "cell.metadata.foo", "metadata.kernelspec", "cell.metadata.tags"]\n'
        "  keep-count = true\n"
        "  drop-empty-cells = true\n"
        "would write pyproject.toml: [tool.nbguard] with 5 keys\n"
        "would write .pre-commit-config.yaml: the nbguard hook in place of nbstripout\n"
        "would write .gitattributes: filter= and diff= name nbguard (run `nbguard install`)\n"
        "to do: git's nbstripout filter: run `nbguard install` (add --python PATH for a shared clone), "
        "then `nbstripout --uninstall`\n"
    )
    assert {p.name: p.read_bytes() for p in repo.iterdir() if p.is_file()} == before


def test_the_example_in_docs_migrating_is_this_output(repo, capsys):
    test_dry_run_prints_everything_and_writes_nothing(repo, capsys)
    cli.main(["migrate"])
    out = capsys.readouterr().out
    doc = (Path(__file__).resolve().parents[1] / "docs" / "migrating.md").read_text()
    example = doc.split("$ nbguard migrate\n", 1)[1].split("```", 1)[0]
    assert example == out


NBCONFIG = """\
nbstripout_fast:
  keep_count: true
  keep_output: false
  drop_empty_cells: true
  extra_keys: [cell.metadata.foo]
  keep_keys: [cell.metadata.collapsed]
"""


def test_nbstripout_fast_config_is_translated(repo, capsys):
    (repo / ".git-nbconfig.yaml").write_text(NBCONFIG)
    assert cli.main(["migrate"]) == 0
    assert capsys.readouterr().out == (
        "nbguard migrate: a dry run; --write makes these changes\n"
        "read: .git-nbconfig.yaml: nbstripout-fast's settings\n"
        "settings:\n"
        "  [tool.nbguard]\n"
        "  keep-count = true\n"
        "  drop-empty-cells = true\n"
        '  extra-keys = ["metadata.vscode", "cell.metadata.foo"]\n'
        '  keep-metadata-keys = ["cell.metadata.collapsed"]\n'
        "would write pyproject.toml: [tool.nbguard] with 4 keys\n"
    )


def test_nbstripout_fast_config_migrated_strips_as_nbstripout_fast_does(repo, capsys):
    (repo / ".git-nbconfig.yaml").write_text(NBCONFIG)
    assert cli.main(["migrate", "--write"]) == 0
    capsys.readouterr()
    (repo / "ours.ipynb").write_text(dumps(DIRTY))
    (repo / "theirs.ipynb").write_text(dumps(DIRTY))
    exe = shutil.which("nbstripout-fast", path=str(Path(sys.executable).parent))
    subprocess.run([exe, "theirs.ipynb"], check=True, capture_output=True)  # reads .git-nbconfig.yaml
    assert cli.main(["strip", "ours.ipynb"]) == 0
    theirs = json.loads((repo / "theirs.ipynb").read_bytes())
    assert theirs["cells"][0]["metadata"] == {"collapsed": True, "tags": ["t"]}  # it read the file
    assert json.loads((repo / "ours.ipynb").read_bytes()) == theirs


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (
            "nbstripout_fast:\n  keep_cont: true\n",
            "nbstripout_fast.keep_cont = True: not an nbstripout-fast setting",
        ),
        ("other: 1\n", "no nbstripout_fast table: nothing to translate"),
        ("nbstripout_fast: [\n", "not read (ParserError)"),
    ],
)
def test_a_git_nbconfig_that_does_not_translate_says_why(repo, capsys, text, line):
    (repo / ".git-nbconfig.yaml").write_text(text)
    assert cli.main(["migrate"]) == 0
    assert f"no equivalent: .git-nbconfig.yaml: {line}\n" in capsys.readouterr().out


def test_nothing_to_migrate(repo, capsys):
    assert cli.main(["migrate", "--write"]) == 0
    assert capsys.readouterr().out == (
        "nothing to migrate: no nbstripout, nb-clean, nbwipers, nbstripout-fast or detect-secrets\n"
    )
    assert sorted(p.name for p in repo.iterdir()) == [".git"]


DIRTY = make_nb(
    code(
        "import os",
        count=1,
        outputs=[stream("x\n")],
        metadata={"tags": ["t"], "collapsed": True, "foo": 1},
        id="a",
    ),
    code("  ", count=2, id="b"),
    markdown("# t", id="c"),
    metadata={
        "kernelspec": {"name": "python3", "display_name": "P"},
        "language_info": {"name": "python", "version": "3.11"},
    },
)


@pytest.mark.parametrize(
    ("hook", "args", "peer_argv"),
    [
        pytest.param(
            "nbstripout",
            ["--keep-count", "--extra-keys", "metadata.kernelspec"],
            ["nbstripout", "--keep-count", "--extra-keys", "metadata.kernelspec"],
            id="nbstripout",
        ),
        pytest.param(
            "nbstripout",
            ["--keep-id", "--drop-empty-cells"],
            ["nbstripout", "--keep-id", "--drop-empty-cells"],
            id="nbstripout-keep-id",
        ),
        pytest.param(
            "nb-clean",
            ["--preserve-cell-metadata-field", "tags"],
            ["nb-clean", "clean", "--preserve-cell-metadata-field", "tags"],
            id="nb-clean",
        ),
        pytest.param("nb-clean", ["-M", "-c"], ["nb-clean", "clean", "-M", "-c"], id="nb-clean-M"),
        pytest.param(
            "nbstripout-fast",
            ["--keep-output", "--strip-regex", "x"],
            ["nbstripout-fast", "--keep-output", "--strip-regex", "x"],
            id="nbstripout-fast",
        ),
    ],
)
def test_written_settings_strip_as_the_peer_did(repo, capsys, hook, args, peer_argv):
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: https://example.invalid/{hook}\n  rev: v1\n  hooks:\n  - id: {hook}\n    args: {json.dumps(args)}\n"
    )
    (repo / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert cli.main(["migrate", "--write"]) == 0
    capsys.readouterr()
    assert (repo / "pyproject.toml").read_text().startswith('[project]\nname = "x"\n\n[tool.nbguard]\n')
    (repo / "ours.ipynb").write_text(dumps(DIRTY))
    (repo / "theirs.ipynb").write_text(dumps(DIRTY))
    exe = shutil.which(peer_argv[0], path=str(Path(sys.executable).parent))
    subprocess.run([exe, *peer_argv[1:], "theirs.ipynb"], check=True, capture_output=True)
    assert cli.main(["strip", "ours.ipynb"]) == 0
    ours, theirs = (repo / "ours.ipynb").read_bytes(), (repo / "theirs.ipynb").read_bytes()
    if hook == "nbstripout" and os.linesep == "\r\n":  # it writes os.linesep; nbguard keeps LF
        theirs = theirs.replace(b"\r\n", b"\n")
    if hook == "nbstripout-fast":  # it keeps the input's key order, scrambled by removals
        assert json.loads(ours) == json.loads(theirs)
    else:
        assert ours == theirs


def test_written_pre_commit_config_is_valid_and_keeps_other_hooks(repo, capsys):
    (repo / ".pre-commit-config.yaml").write_text(NBSTRIPOUT_PRE_COMMIT)
    assert cli.main(["migrate", "--write"]) == 0
    out = capsys.readouterr().out
    assert "wrote .pre-commit-config.yaml: the nbguard hook in place of nbstripout\n" in out
    text = (repo / ".pre-commit-config.yaml").read_text()
    assert "kynan/nbstripout" not in text
    assert "end-of-file-fixer" in text
    assert text.endswith(
        f"- repo: https://github.com/nbguard/nbguard\n  rev: v{__version__}\n  hooks:\n  - id: nbguard\n"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-config", ".pre-commit-config.yaml"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert cli.main(["config", "a.ipynb"]) == 0
    assert 'extra-keys = ["metadata.kernelspec", "cell.metadata.tags"]' in capsys.readouterr().out


def test_a_commented_pre_commit_config_is_not_rewritten(repo, capsys):
    text = "# the hooks\n" + NBSTRIPOUT_PRE_COMMIT
    (repo / ".pre-commit-config.yaml").write_text(text)
    assert cli.main(["migrate", "--write"]) == 1
    out = capsys.readouterr().out
    assert (
        "not written .pre-commit-config.yaml: it has comments, which rewriting would lose; replace nbstripout by hand with:\n- repo: https://github.com/nbguard/nbguard\n"
        in out
    )
    assert (repo / ".pre-commit-config.yaml").read_text() == text
    assert "wrote pyproject.toml: [tool.nbguard] with 4 keys\n" in out


def test_existing_nbguard_table_is_left_alone(repo, capsys):
    (repo / ".pre-commit-config.yaml").write_text(
        NBSTRIPOUT_PRE_COMMIT.replace("end-of-file-fixer", "trailing-whitespace")
    )
    (repo / "pyproject.toml").write_text("[tool.nbguard]\nkeep-output = true\n")
    assert cli.main(["migrate", "--write"]) == 1
    assert (
        "not written pyproject.toml: it has [tool.nbguard] already; merge by hand:\n[tool.nbguard]\n"
        in capsys.readouterr().out
    )
    assert (repo / "pyproject.toml").read_text() == "[tool.nbguard]\nkeep-output = true\n"


def test_nbwipers_and_nb_clean_sections_and_detect_secrets(repo, capsys):
    (repo / "pyproject.toml").write_text(
        '[tool.nbwipers]\nstrip-kernel-info = true\nid-action = "drop"\nexclude = ["docs/**"]\nkeep-keys = ["cell.metadata.scrolled"]\nmystery = 1\n'
        "[tool.nb-clean]\nremove-empty-cells = true\n"
    )
    (repo / ".pre-commit-config.yaml").write_text(
        "repos:\n- repo: https://github.com/Yelp/detect-secrets\n  rev: v1.5.0\n  hooks:\n  - id: detect-secrets\n    args: [--baseline, .secrets.baseline]\n"
    )
    token = ft.github_classic("migrate")
    (repo / ".secrets.baseline").write_text(
        json.dumps(
            {"results": {"a.ipynb": [{"hashed_secret": "0" * 40, "type": "GitHub Token"}], "b.py": [{}, {}]}}
        )
    )
    nb = make_nb(code(f'key = "{token}"  # pragma: allowlist secret'))
    (repo / "a.ipynb").write_text(dumps(nb))
    assert cli.main(["migrate"]) == 0
    out = capsys.readouterr().out
    assert token not in out
    assert out.splitlines()[1:] == [
        "read: .pre-commit-config.yaml: hook detect-secrets --baseline .secrets.baseline",
        "read: pyproject.toml: [tool.nbwipers]",
        "read: pyproject.toml: [tool.nb-clean]",
        "read: .secrets.baseline: 1 entry in notebooks, 2 entries in other files",
        "read: notebooks: 1 lines with `# pragma: allowlist secret`, honoured as they are",
        "settings:",
        "  [tool.nbguard]",
        '  extra-keys = ["metadata.kernelspec", "metadata.language_info.version"]',
        '  id-action = "drop"',
        '  exclude = ["docs/**"]',
        '  keep-metadata-keys = ["cell.metadata.scrolled"]',
        "  remove-cell-metadata = true",
        "  drop-empty-cells = true",
        "would write pyproject.toml: [tool.nbguard] with 6 keys",
        "would write .pre-commit-config.yaml: the nbguard hook added",
        "no equivalent: pyproject.toml nbwipers: mystery = 1: no nbguard equivalent",
        "no equivalent: pyproject.toml [tool.nb-clean]: --remove-empty-cells keeps whitespace-only cells; nbguard's drop-empty-cells drops them too (nbstripout's rule)",
        "no equivalent: pyproject.toml [tool.nb-clean]: nb-clean strips cells tagged keep_output; nbguard keeps their outputs",
        "no equivalent: .secrets.baseline: 1 entry in notebooks: detect-secrets keeps a SHA-1 of each secret, which cannot become nbguard's fingerprint (a SHA-256); record them with `nbguard baseline`",
        "to do: detect-secrets: keep it for files other than notebooks (nbguard secrets scans notebooks with detect-secrets' own plugins and honours `# pragma: allowlist secret`)",
    ]


from nbguard.commands import migrate as M  # noqa: E402 - the translations, table-driven below

TRANSLATIONS = [
    (
        M.from_nbstripout,
        [
            "--max-size",
            "10k",
            "--keep-output-type",
            "stream",
            "error",
            "--drop-output-type",
            "display_data",
            "--keep-id",
            "-f",
            "--bogus",
        ],
        {
            "max-size": "10k",
            "keep-output-type": ["stream", "error"],
            "drop-output-type": ["display_data"],
            "id-action": "keep",
        },
        [
            "nbstripout --bogus: no nbguard equivalent",
            "s: --force: nbguard reads what it is given, whatever its name",
        ],
    ),
    (
        M.from_nbstripout,
        ["--max-size"],
        {},
        ["nbstripout --max-size: cannot read its arguments (argument --max-size: expected one argument)"],
    ),
    (
        M.from_nbstripout,
        [
            "--drop-tagged-cells",
            "a b",
            "--keep-metadata-keys",
            "cell.metadata.scrolled",
            "--strip-init-cells",
            "--unix-newlines",
        ],
        {
            "strip-init-cells": True,
            "unix-newlines": True,
            "keep-metadata-keys": ["cell.metadata.scrolled"],
            "drop-tagged-cells": ["a", "b"],
            "id-action": "sequential",
        },
        [],
    ),
    (
        M.from_nbstripout_fast,
        ["--drop-empty-cells", "-k", "cell.metadata.scrolled", "-e", "metadata.a", "--keep-count"],
        {
            "keep-count": True,
            "drop-empty-cells": True,
            "extra-keys": ["metadata.vscode", "metadata.a"],
            "keep-metadata-keys": ["cell.metadata.scrolled"],
        },
        [],
    ),
    (
        M.from_nbstripout_fast,
        ["--strip-regex"],
        {},
        [
            "nbstripout-fast --strip-regex: cannot read its arguments (argument --strip-regex: expected one argument)"
        ],
    ),
    (
        M.from_nb_clean,
        ["clean", "-o", "-n", "--preserve-cell-metadata", "tags", "slideshow", "--"],
        {"preserve-cell-metadata": ["tags", "slideshow"], "keep-output": True},
        ["s: nb-clean strips cells tagged keep_output; nbguard keeps their outputs"],
    ),
    (
        M.from_nb_clean,
        ["-m", "-n"],
        {
            "keep-metadata-keys": [
                "cell.metadata.collapsed",
                "cell.metadata.ExecuteTime",
                "cell.metadata.execution",
                "cell.metadata.heading_collapsed",
                "cell.metadata.hidden",
                "cell.metadata.scrolled",
            ]
        },
        ["s: nb-clean strips cells tagged keep_output; nbguard keeps their outputs"],
    ),
    (
        M.from_nb_clean,
        ["--preserve-cell-metadata-field"],
        {},
        [
            "nb-clean --preserve-cell-metadata-field: cannot read its arguments (argument --preserve-cell-metadata-field: expected one argument)"
        ],
    ),
    (
        lambda args, m, source: M.from_nbwipers(M._nbwipers_args(args), m, source),
        [
            "clean-all",
            "--keep-output",
            "--drop-count",
            "--extra-keys",
            "metadata.a,cell.metadata.b",
            "--id-action=sequential",
            "-y",
            "--keep-count",
        ],
        {
            "keep-output": True,
            "keep-count": False,
            "extra-keys": ["metadata.a", "cell.metadata.b"],
            "id-action": "sequential",
        },
        ["s: keep-count = true conflicts with keep-count = false found first; kept the first"],
    ),
    (
        lambda args, m, source: M.from_nbwipers(dict(args), m, source),
        [
            ("keep-output", False),
            ("drop-empty-cells", False),
            ("strip-kernel-info", False),
            ("id-action", "odd"),
            ("sequential-id", True),
        ],
        {"id-action": "sequential"},
        ['s: id-action = "odd": no nbguard equivalent'],
    ),
]


@pytest.mark.parametrize(("translate", "args", "settings", "unmapped"), TRANSLATIONS)
def test_translations(translate, args, settings, unmapped):
    m = M.Migration()
    translate(args, m, "s")
    assert m.settings == settings
    assert m.unmapped == unmapped


def test_unreadable_files_are_reported_and_the_rest_migrated(repo, capsys):
    (repo / ".pre-commit-config.yaml").write_text("repos: [\n")
    (repo / "pyproject.toml").write_text("[tool.nbwipers\n")
    (repo / ".nbwipers.toml").write_text("keep-count = true\n")
    (repo / ".secrets.baseline").write_text("[]")
    assert cli.main(["migrate"]) == 1  # a pyproject.toml it cannot parse is not appended to
    out = capsys.readouterr().out
    assert "not written pyproject.toml: pyproject.toml: invalid TOML: Expected ']'" in out
    assert "no equivalent: .pre-commit-config.yaml: not read: ParserError\n" in out
    assert "no equivalent: pyproject.toml: invalid TOML: " in out
    assert "no equivalent: .secrets.baseline: not read (AttributeError)\n" in out
    assert "read: .nbwipers.toml\n" in out
    assert "  keep-count = true\n" in out


def test_local_repos_and_nb_clean_lists_in_pyproject(repo, capsys):
    (repo / ".pre-commit-config.yaml").write_text(
        "repos:\n- repo: local\n  hooks:\n  - id: nbwipers-check-wd\n    name: n\n    entry: nbwipers\n    language: system\n    args: [clean-all, --drop-empty-cells]\n- repo: meta\n  hooks: []\n"
    )
    (repo / "pyproject.toml").write_text(
        '[tool.nb-clean]\npreserve-cell-metadata = ["tags"]\nremove-all-notebook-metadata = true\n'
    )
    assert cli.main(["migrate", "--write"]) == 0
    out = capsys.readouterr().out
    assert "wrote .pre-commit-config.yaml: the nbguard hook in place of nbwipers-check-wd\n" in out
    text = (repo / ".pre-commit-config.yaml").read_text()
    assert "nbwipers" not in text
    assert "- repo: meta\n  hooks: []\n" in text
    toml = (repo / "pyproject.toml").read_text()
    assert toml.endswith(
        '\n[tool.nbguard]\ndrop-empty-cells = true\npreserve-cell-metadata = ["tags"]\nremove-all-notebook-metadata = true\n'
    )
