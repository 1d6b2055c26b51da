from __future__ import annotations

import json
import subprocess

import pytest

from nbfactory import code, make_nb, stream, write_nb
from nbguard import cli
from nbguard.config import ConfigError, Resolver, glob_to_regex

DIRTY = make_nb(code("print(1)", count=1, outputs=[stream("1\n")], id="a"))


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_nearest_config_wins_and_pyproject_without_table_is_skipped(tmp_path):
    write(tmp_path / "pyproject.toml", "[tool.nbguard]\nmax-kb = 100\n")
    write(tmp_path / "sub" / "pyproject.toml", '[project]\nname = "x"\n')
    write(tmp_path / "sub" / "deeper" / ".nbguard.toml", "max-kb = 7\n")
    resolver = Resolver()
    assert resolver.settings_for(str(tmp_path / "a.ipynb"))["max-kb"] == 100
    assert resolver.settings_for(str(tmp_path / "sub" / "b.ipynb"))["max-kb"] == 100
    assert resolver.settings_for(str(tmp_path / "sub" / "deeper" / "c.ipynb"))["max-kb"] == 7


def test_search_stops_at_repository_root(tmp_path):
    write(tmp_path / ".nbguard.toml", "max-kb = 1\n")
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    assert Resolver().settings_for(str(tmp_path / "repo" / "x.ipynb"))["max-kb"] == 256


def test_command_line_overrides_file_and_isolated_ignores_it(tmp_path):
    write(tmp_path / ".nbguard.toml", "max-kb = 1\n")
    assert Resolver({"max-kb": 5}).settings_for(str(tmp_path / "x.ipynb"))["max-kb"] == 5
    assert Resolver(isolated=True).settings_for(str(tmp_path / "x.ipynb"))["max-kb"] == 256


def test_per_path_overrides(tmp_path):
    write(
        tmp_path / "pyproject.toml",
        """
[tool.nbguard]
extra-keys = ["metadata.kernelspec"]

[[tool.nbguard.overrides]]
paths = ["docs/**"]
strip = false

[[tool.nbguard.overrides]]
paths = ["tests/fixtures/*.ipynb"]
secrets = false
""",
    )
    r = Resolver()
    docs = r.settings_for(str(tmp_path / "docs" / "deep" / "a.ipynb"))
    assert docs["strip"] is False
    assert docs["extra-keys"] == ["metadata.kernelspec"]
    assert r.settings_for(str(tmp_path / "tests" / "fixtures" / "b.ipynb"))["secrets"] is False
    assert r.settings_for(str(tmp_path / "tests" / "fixtures" / "sub" / "b.ipynb"))["secrets"] is True
    assert r.settings_for(str(tmp_path / "c.ipynb"))["strip"] is True


def test_derived_values_are_made_once_per_config_and_matching_overrides(tmp_path):
    write(
        tmp_path / "pyproject.toml",
        "[tool.nbguard]\nmax-kb = 9\n[[tool.nbguard.overrides]]\npaths = ['docs/**']\nmax-kb = 1\n",
    )
    write(tmp_path / "other" / ".nbguard.toml", "max-kb = 3\n")
    made: list[int] = []

    def make(settings):
        made.append(settings["max-kb"])
        return object()

    r = Resolver()
    top = [r.derived(str(tmp_path / f"{name}.ipynb"), make) for name in ("a", "b", "sub/c")]
    docs = [r.derived(str(tmp_path / "docs" / f"{name}.ipynb"), make) for name in ("d", "deep/e")]
    other = r.derived(str(tmp_path / "other" / "f.ipynb"), make)
    assert made == [9, 1, 3]  # one per distinct settings, each from the right ones
    assert top[0] is top[1] is top[2]
    assert docs[0] is docs[1]
    assert len({id(top[0]), id(docs[0]), id(other)}) == 3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("colour = true\n", "unknown key 'colour'"),
        ("max-kb = 'big'\n", "'max-kb' must be a whole number of KiB, or false, not 'big'"),
        ("policy = 'loose'\n", "'policy' must be 'strict' or 'increasing', not 'loose'"),
        ("extra-keys = 'metadata.a'\n", "'extra-keys' must be a list of strings, not 'metadata.a'"),
        ("[[overrides]]\nmax-kb = 1\n", "overrides #1: 'paths' must be a non-empty list of globs"),
        (
            "[[overrides]]\npaths = ['a/**']\nformat = 'json'\n",
            "overrides #1: 'format' cannot be set per path",
        ),
        ("max-kb = \n", "invalid TOML"),
    ],
)
def test_config_errors_name_key_and_file(tmp_path, text, message):
    path = write(tmp_path / ".nbguard.toml", text)
    with pytest.raises(ConfigError) as excinfo:
        Resolver().settings_for(str(tmp_path / "x.ipynb"))
    assert str(excinfo.value).startswith(f"{path}: ")
    assert message in str(excinfo.value)


def test_config_error_is_exit_2_for_strip(tmp_path, capsys):
    write(tmp_path / ".nbguard.toml", "keep-outputs = true\n")
    nb = write_nb(tmp_path / "a.ipynb", DIRTY)
    before = nb.read_bytes()
    assert cli.main(["strip", str(nb)]) == 2
    assert (
        capsys.readouterr().err
        == f"nbguard: error: {tmp_path / '.nbguard.toml'}: unknown key 'keep-outputs'\n"
    )
    assert nb.read_bytes() == before


def test_strip_follows_config_per_path(tmp_path, capsys):
    write(
        tmp_path / "pyproject.toml",
        "[tool.nbguard]\n[[tool.nbguard.overrides]]\npaths = ['docs/**']\nkeep-output = true\nkeep-count = true\n",
    )
    docs = write_nb(tmp_path / "docs" / "a.ipynb", DIRTY) if (tmp_path / "docs").mkdir() is None else None
    src = write_nb(tmp_path / "b.ipynb", DIRTY)
    docs_before = docs.read_bytes()
    assert cli.main(["strip", str(docs), str(src)]) == 0
    assert docs.read_bytes() == docs_before
    assert json.loads(src.read_text())["cells"][0]["outputs"] == []
    assert cli.main(["strip", "--isolated", str(docs)]) == 0
    assert json.loads(docs.read_text())["cells"][0]["outputs"] == []


def test_config_command_prints_effective_settings(tmp_path, capsys, monkeypatch):
    write(
        tmp_path / "pyproject.toml",
        "[tool.nbguard]\nmax-kb = 64\nextra-keys = ['metadata.kernelspec']\n",
    )
    monkeypatch.chdir(tmp_path)
    assert cli.main(["config", "nb.ipynb"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(
        f"# nbguard configuration in effect for nb.ipynb\n# from {tmp_path / 'pyproject.toml'}\n"
    )
    assert "max-kb = 64\n" in out
    assert 'extra-keys = ["metadata.kernelspec"]\n' in out
    assert "# keep-output is not set\n" in out
    import tomllib

    parsed = tomllib.loads(out)
    assert parsed["max-kb"] == 64
    assert parsed["strip"] is True


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("docs/**", "docs/a.ipynb", True),
        ("docs/**", "docs/x/y/a.ipynb", True),
        ("docs/**", "src/docs/a.ipynb", False),
        ("**/fixtures/*.ipynb", "tests/fixtures/a.ipynb", True),
        ("**/fixtures/*.ipynb", "fixtures/a.ipynb", True),
        ("*.ipynb", "sub/a.ipynb", False),
        ("sub", "sub/a.ipynb", True),
        ("a?.ipynb", "ab.ipynb", True),
    ],
)
def test_globs(pattern, path, matches):
    assert bool(glob_to_regex(pattern).fullmatch(path)) is matches


@pytest.mark.e2e
def test_git_root_is_found_from_a_real_repository(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path / "r")], check=True)
    write(tmp_path / ".nbguard.toml", "max-kb = 1\n")
    write(tmp_path / "r" / ".nbguard.toml", "max-kb = 2\n")
    assert Resolver().settings_for(str(tmp_path / "r" / "deep" / "n.ipynb"))["max-kb"] == 2
    (tmp_path / "r" / ".nbguard.toml").unlink()
    assert Resolver().settings_for(str(tmp_path / "r" / "deep" / "n.ipynb"))["max-kb"] == 256


def test_strip_false_in_config_leaves_notebooks_alone(tmp_path, capsys):
    write(tmp_path / ".nbguard.toml", "[[overrides]]\npaths = ['docs/**']\nstrip = false\n")
    (tmp_path / "docs").mkdir()
    docs = write_nb(tmp_path / "docs" / "a.ipynb", DIRTY)
    before = docs.read_bytes()
    assert cli.main(["strip", "--check", str(docs)]) == 0
    assert cli.main(["strip", str(docs)]) == 0
    assert docs.read_bytes() == before
    assert capsys.readouterr().out == ""
