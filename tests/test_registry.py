"""The check registry is the one place a check, its codes and its options are spelt:
the command line, configuration, ``nbguard config``, SARIF rules and README follow it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from nbfactory import make_nb, write_nb
from nbguard import checks, cli, config, docs
from nbguard.report import formats
from nbguard.report.finding import Finding

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
OPTIONS = [(check.name, option) for check in checks.all_checks() for option in check.options]


DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def test_generated_tables_are_what_the_registry_the_vendor_table_and_the_benchmarks_make():
    found: dict[str, list[str]] = {}
    for path in DOCUMENTS:
        for name, text in docs.blocks(path.read_text(encoding="utf-8")):
            found.setdefault(name, []).append(path.name)
            assert text == docs.block(name, ROOT), f"run: python -m nbguard.docs README.md docs/*.md ({name})"
    wanted = {
        "codes",
        "keys",
        "speed",
        "secrets vendors",
        "secrets count",
        *(f"options {name}" for name in checks.NAMES if checks.get(name).options),
    }
    assert set(found) == wanted
    assert found["speed"] == ["README.md"]
    assert found["secrets vendors"] == ["secrets.md"]
    assert all("README.md" in found[f"options {name}"] for name in checks.NAMES if checks.get(name).options)


def test_codes_are_unique_and_named_after_their_check():
    codes = [code.code for _, code in checks.all_codes()]
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"NBG\d{3}", code) for code in codes)
    for name, code in checks.all_codes():
        assert code.title, code.code
        assert code.fix, code.code
        if name == "secrets":
            assert code.security_severity is not None


@pytest.mark.parametrize(("name", "option"), OPTIONS, ids=[f"{n}:{o.key}" for n, o in OPTIONS])
def test_every_option_is_a_flag_of_its_subcommand_and_of_check(name, option, capsys):
    for command in (name, "check"):
        with pytest.raises(SystemExit):
            cli.main([command, "--help"])
        assert f"--{option.key}" in capsys.readouterr().out


@pytest.mark.parametrize(("name", "option"), OPTIONS, ids=[f"{n}:{o.key}" for n, o in OPTIONS])
def test_every_option_is_a_config_key_with_its_default(name, option):
    assert config.options()[option.key] is option
    assert config.defaults()[option.key] == option.default


def test_every_check_can_be_switched_off_in_config_and_config_prints_every_key(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".nbguard.toml").write_text("".join(f"{name} = false\n" for name in checks.NAMES))
    assert cli.main(["config", "nb.ipynb"]) == 0
    out = capsys.readouterr().out
    for name in checks.NAMES:
        assert f"{name} = false\n" in out
    for key in config.options():
        assert re.search(rf"^(# )?{re.escape(key)}( = | is not set)", out, flags=re.MULTILINE), key


@pytest.mark.parametrize("name", checks.NAMES)
def test_the_per_path_switch_holds_for_every_subcommand(name, tmp_path, monkeypatch, capsys):
    """`NAME = false` for a path: `nbguard NAME` leaves it alone, as `nbguard check` does."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".nbguard.toml").write_text(f"[[overrides]]\npaths = ['off/**']\n{name} = false\n")
    # A notebook every check has something to say about: run out of order, a token, an image,
    # outputs, a kept error with an e-mail address (privacy looks for those in outputs).
    big_png = "iVBORw0KGgo" + "A" * 400_000
    nb = make_nb(
        {
            "cell_type": "code",
            "execution_count": 2,
            "id": "a",
            "metadata": {},
            "outputs": [
                {"output_type": "display_data", "data": {"image/png": big_png}, "metadata": {}},
            ],
            "source": 'password = "hunter2-9f8e7d6c5b4a"',
        },
        {
            "cell_type": "code",
            "execution_count": 1,
            "id": "b",
            "metadata": {},
            "outputs": [],
            "source": "x = 1  # by dana@corp.io",
        },
        {
            "cell_type": "code",
            "execution_count": 3,
            "id": "c",
            "metadata": {"tags": ["keep_output"]},
            "outputs": [
                {"output_type": "error", "ename": "KeyError", "evalue": "'eve@corp.io'", "traceback": []}
            ],
            "source": "d['a']",
        },
    )
    (tmp_path / "off").mkdir()
    off = write_nb(tmp_path / "off" / "a.ipynb", nb)
    on = write_nb(tmp_path / "a.ipynb", nb)
    argv = ["--check"] if name == "strip" else []
    assert cli.main([name, *argv, "--format", "json", str(on), str(off)]) == 1
    found = json.loads(capsys.readouterr().out)
    assert {f["path"] for f in found} == {str(on)}
    assert {f["check"] for f in found} == {name}


def test_sarif_rules_come_from_the_registry():
    by_code = {code.code: (name, code) for name, code in checks.all_codes()}
    findings = [Finding(code, "m", path="a.ipynb", check=by_code[code][0] or "io") for code in by_code]
    log = formats.sarif(findings)
    rules = log["runs"][0]["tool"]["driver"]["rules"]  # type: ignore[index]
    assert [rule["id"] for rule in rules] == sorted(by_code)
    for rule in rules:
        _, code = by_code[rule["id"]]
        assert rule["shortDescription"]["text"] == code.title
        assert rule["fullDescription"]["text"] == (code.description or code.title)
        assert rule["help"]["text"].endswith(f"How to fix: {code.fix}.")
        assert code.fix in rule["help"]["markdown"]
        assert rule["defaultConfiguration"]["level"] == code.level
        if code.security_severity is not None:
            assert rule["properties"]["security-severity"] == f"{code.security_severity:.1f}"


def test_reading_every_declaration_loads_no_check_machinery():
    """Every command reads every declaration (to validate configuration): that must not
    compile the secrets prefilter or load the hidden-state analysis."""
    code = (
        "import sys; from nbguard import config; config.options(); config.defaults(); "
        "print(sorted(m for m in sys.modules if m.startswith(('nbguard.checks.', 'detect_secrets'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == str(sorted(f"nbguard.checks.{name}" for name in (*checks.NAMES, "image_headers")))


HOOKS = {hook["id"]: hook for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}


@pytest.mark.parametrize("name", checks.NAMES)
def test_every_check_is_a_hook_named_after_it(name):
    check = checks.get(name)
    hook = HOOKS[check.hook_id]
    assert hook["entry"] == f"nbguard {name}"
    assert f"### `{check.hook_id}`" in README


@pytest.mark.parametrize("name", checks.NAMES)
def test_a_check_module_imports_neither_the_command_line_nor_the_run_loop(name):
    code = (
        f"import sys; import nbguard.checks.{name}; "
        "print([m for m in ('nbguard.cli', 'nbguard.run', 'nbguard.commands') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_library_api_in_contributing_runs_a_check_without_the_command_line(tmp_path, monkeypatch):
    """The snippet CONTRIBUTING.md shows, run as written on a notebook run out of order."""
    text = (ROOT / "CONTRIBUTING.md").read_text()
    snippet = text.split("```python\n", 1)[1].split("```", 1)[0]
    nb = make_nb(
        {
            "cell_type": "code",
            "execution_count": 2,
            "id": "a",
            "metadata": {},
            "outputs": [],
            "source": "x = 1",
        },
        {
            "cell_type": "code",
            "execution_count": 1,
            "id": "b",
            "metadata": {},
            "outputs": [],
            "source": "y = x",
        },
    )
    write_nb(tmp_path / "analysis.ipynb", nb)
    monkeypatch.chdir(tmp_path)
    code = f"import sys\n{snippet}print(sorted(sys.modules.keys() & {{'nbguard.cli', 'nbguard.run'}}))\n"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    lines = out.splitlines()
    assert lines[0].startswith("order [Finding(code='NBG103', message='is the first cell run but ran as [2]")
    assert "Finding(code='NBG101', message='ran as [1] after [2]" in lines[0]
    # One line per check, then the modules of the CLI and the loop that were loaded: none.
    assert lines[1:] == ["secrets []", "privacy []", "images []", "errors []", "[]"]
