"""No secret the test suite plants ever reaches an output stream.

``test_credentials`` checks ``nbguard secrets`` in every format on a sample of
its planted notebooks. This runs every subcommand that reports (``secrets``,
``check`` with and without ``--fix``, ``order``, ``images``, ``strip`` and
``strip --check``, ``baseline``), at every verbosity they have, in every
``--format``, on notebooks holding every planted credential in every place a
notebook holds text, and looks for each secret the scanner itself found in
them, whole or by its last ten characters, in standard output, standard error
and the files nbguard writes besides the notebooks (the baseline).

Not reports, so not checked here: what ``strip -t``, ``strip -`` and the git
filter write to standard output is the notebook itself.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

import fake_tokens as ft
from nbfactory import code, display_data, make_nb, write_nb
from nbguard import cli
from nbguard.checks import secrets
from nbguard.checks.secrets import scanner
from nbguard.report import baseline, formats

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _planted() -> list[dict[str, Any]]:
    """Every kind of planted credential, in every place, and the suite's other leaky notebooks."""
    from test_secrets import PLANTS, PW

    chosen: dict[tuple[str, str], dict[str, Any]] = {}
    for plant in PLANTS:
        # Each credential once in each of a few places, and each place for a few credentials.
        if plant.where in ("code, double quotes, list source", "stream, env dump", "notebook metadata") or (
            plant.what in ("github_classic", "password", "jwt") or plant.where == "special"
        ):
            chosen.setdefault((plant.what, plant.where), plant.nb)
    notebooks = list(chosen.values())
    token, pw = ft.hugging_face("leak"), ft.password("leak")
    image = {"image/png": "iVBORw0KGgo" + "A" * 4000}
    notebooks += [
        make_nb(code(f'password = "{PW}"', count=1)),
        # For order: out of order, a name used before it is defined, cells it cannot parse.
        make_nb(
            code("print(HF_TOKEN)", count=3),
            code(f'HF_TOKEN = "{token}"', count=1),
            code(f'print "{pw}"', count=2),
            code(f'x = f"{{{token}"', count=4),
            code(f"password = {pw} €", count=5),
        ),
        # For images: an image beside a secret.
        make_nb(code(f'db_password = "{pw}"', count=1, outputs=[display_data(image)])),
    ]
    return notebooks


@pytest.fixture(scope="module")
def leaky(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """A folder of leaky notebooks, and every secret value the scanner finds in them."""
    folder = tmp_path_factory.mktemp("leaky")
    values: set[str] = set()
    real_findings = scanner._findings

    def spy(part, hits, allowed):  # type: ignore[no-untyped-def]
        hits = list(hits)
        values.update(hit.value for hit in hits)
        return real_findings(part, hits, allowed)

    notebooks = _planted()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(scanner, "_findings", spy)
        for index, nb in enumerate(notebooks):
            if nb.get("nbformat") == 4:
                write_nb(folder / f"n{index:03}.ipynb", nb)
            else:
                (folder / f"n{index:03}.ipynb").write_text(json.dumps(nb), encoding="utf-8")
            secrets.check(nb)
        shutil.copy(EXAMPLES / "leaky_credentials.ipynb", folder / "example.ipynb")
        secrets.check(json.loads((folder / "example.ipynb").read_text(encoding="utf-8")))
    # The values the fake-token builders make for the seeds the suite uses, found or not.
    for seed in ("planted", "special", "core", "hostile"):
        values.update(build(seed) for build in ft.VENDOR_TOKENS.values())
        values.add(ft.password(seed))
    return folder, sorted(values)


def leaked(text: str, values: list[str]) -> list[str]:
    return [v for v in values if v in text or (len(v) >= 16 and v[-10:] in text)]


RUNS = {
    "secrets": ["secrets"],
    "check": ["check"],
    "check-quiet": ["check", "--quiet"],
    "check-fix": ["check", "--fix"],
    "check-fix-quiet": ["check", "--fix", "--quiet"],
    "order": ["order"],
    "images": ["images", "--max-kb", "0"],
    "strip-check": ["strip", "--check"],
    "strip": ["strip"],
}


def test_the_planted_secrets_are_many_and_found(leaky):
    folder, values = leaky
    assert len(values) > 80
    assert len(list(folder.iterdir())) > 100


@pytest.mark.parametrize("fmt", formats.FORMATS)
@pytest.mark.parametrize("run", RUNS)
def test_no_secret_in_any_output(run, fmt, leaky, tmp_path, capsys):
    source, values = leaky
    folder = tmp_path / "notebooks"
    shutil.copytree(source, folder)  # the writing runs change their own copy
    capsys.readouterr()
    code_ = cli.main([*RUNS[run], "--isolated", "-j", "1", "--format", fmt, str(folder)])
    out, err = capsys.readouterr()
    assert code_ in (0, 1)
    assert out or (run in ("strip", "check-fix-quiet") and fmt in ("text", "github"))  # something was said
    if run in ("secrets", "check", "check-quiet"):
        assert out.count("NBG20") >= 80  # the secrets were there to be found
    assert leaked(out + err, values) == []


@pytest.mark.parametrize("quiet", [False, True], ids=["default", "quiet"])
def test_no_secret_in_the_baseline_or_its_messages(quiet, leaky, tmp_path, capsys, monkeypatch):
    source, values = leaky
    monkeypatch.chdir(tmp_path)
    shutil.copytree(source, tmp_path / "notebooks")
    capsys.readouterr()
    code_ = cli.main(["baseline", "--isolated", "-j", "1", *(["--quiet"] if quiet else []), "notebooks"])
    out, err = capsys.readouterr()
    assert code_ == 0
    text = (tmp_path / baseline.DEFAULT_NAME).read_text(encoding="utf-8")
    assert text.count("NBG20") >= 80
    assert leaked(out + err + text, values) == []
