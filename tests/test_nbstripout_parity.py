"""nbguard strip against nbstripout --keep-id, the reference, over every corpus notebook.

Every difference must be one of the deliberate ones listed in docs/checks.md
("Differences from nbstripout"), each recognised here by an exact rule.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import Counter

import pytest

from nbfactory import CORPUS, corpus_notebooks

pytest.importorskip("nbstripout")

NOTEBOOKS = corpus_notebooks()
# Reads every corpus notebook and runs nbstripout, the peer tool, in a subprocess.
pytestmark = [pytest.mark.corpus, pytest.mark.e2e]

# Runs nbstripout's own command line once per file, in one interpreter, so that a
# file it cannot handle does not stop the others (its main() exits on the first).
DRIVER = """
import os, sys
from nbstripout._nbstripout import main
report = open(os.environ["PARITY_REPORT"], "w")
for f in sys.argv[1:]:
    # main() wraps and, when done, closes stdin/stdout: give it fresh ones each time.
    sys.stdin, sys.stdout = open(os.devnull), open(os.devnull, "w")
    sys.argv = ["nbstripout", "--keep-id", f]
    try:
        main()
        status = "ok"
    except SystemExit as exc:
        status = "ok" if not exc.code else "error"
    except Exception:
        status = "error"
    report.write(status + " " + f + "\\n")
report.close()
"""

# Reasons nbguard refuses a notebook that nbstripout processes anyway.
REFUSALS = (
    "unsupported nbformat",
    "unknown cell_type",
    "no 'source'",
    "no 'nbformat'",
    "without a 'worksheets'",
)
TRANSIENT_NB = ("orig_nbformat", "orig_nbformat_minor", "signature")


def _cells(nb):
    if nb.get("nbformat") == 3:
        return [c for ws in nb.get("worksheets", []) for c in ws.get("cells", [])]
    return nb.get("cells", [])


def _without_ids(nb):
    nb = json.loads(json.dumps(nb))
    for cell in _cells(nb):
        cell.pop("id", None)
    return nb


def _ids_were_missing_or_duplicated(original):
    ids = [c.get("id") for c in _cells(original)]
    return original.get("nbformat_minor", 0) >= 5 and (None in ids or len(set(ids)) != len(ids))


def _without_transient(nb):
    nb = json.loads(json.dumps(nb))
    for key in TRANSIENT_NB:
        nb.get("metadata", {}).pop(key, None)
    for cell in _cells(nb):
        cell.get("metadata", {}).pop("trusted", None)
    return nb


def _normalised(data: bytes):
    """A notebook as nbformat sees it after reading (lists rejoined)."""
    from nbformat.v4 import nbjson

    return json.loads(json.dumps(nbjson.reads(data.decode("utf-8"))))


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    base = tmp_path_factory.mktemp("parity")
    ours, theirs = base / "nbguard", base / "nbstripout"
    for dest in (ours, theirs):
        shutil.copytree(CORPUS, dest)
        for root, dirs, files in os.walk(dest):
            for name in dirs + files:
                os.chmod(os.path.join(root, name), 0o755 if name in dirs else 0o644)
    rel = [p.relative_to(CORPUS) for p in NOTEBOOKS]
    report = base / "nbstripout-status.txt"
    env = {
        **os.environ,
        "HOME": str(base),
        "GIT_CONFIG_NOSYSTEM": "1",
        "PARITY_REPORT": str(report),
    }
    proc = subprocess.run(
        [sys.executable, "-c", DRIVER, *map(str, rel)],
        cwd=theirs,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    status = dict(line.split(" ", 1)[::-1] for line in report.read_text().splitlines())
    ng = subprocess.run(
        [sys.executable, "-m", "nbguard", "strip", "--format", "json", *map(str, rel)],
        cwd=ours,
        capture_output=True,
        text=True,
        check=False,
    )
    refused = {f["path"]: f["message"] for f in json.loads(ng.stdout) if f["code"] == "NBG001"}
    return rel, ours, theirs, status, refused


def test_same_bytes_as_nbstripout_except_listed_differences(results):
    rel, ours, theirs, status, refused = results
    kinds: Counter[str] = Counter()
    unexplained = []
    for path in rel:
        original = (CORPUS / path).read_bytes()
        mine, reference = (ours / path).read_bytes(), (theirs / path).read_bytes()
        if mine == reference:
            kinds["same bytes"] += 1
            continue
        if status.get(str(path)) != "ok":
            kinds["nbstripout fails"] += 1
            assert mine == original or str(path) not in refused
            continue
        if str(path) in refused:
            assert mine == original, "a refused notebook is left exactly as it was"
            assert any(reason in refused[str(path)] for reason in REFUSALS), refused[str(path)]
            kinds["nbguard refuses"] += 1
            continue
        mine_nb, reference_nb, original_nb = (
            _normalised(mine),
            _normalised(reference),
            json.loads(original),
        )
        if _ids_were_missing_or_duplicated(original_nb) and _without_ids(mine_nb) == _without_ids(
            reference_nb
        ):
            kinds["nbstripout invents random ids"] += 1
            continue
        if reference == original and _without_transient(_normalised(original)) == mine_nb:
            kinds["nbguard drops transient keys"] += 1
            continue
        unexplained.append(str(path))
    print(dict(kinds))
    assert unexplained == []
    assert kinds["same bytes"] >= 1850
    assert sum(kinds.values()) == len(rel)


def test_idempotent_and_sources_unchanged_and_valid(results):
    from nbformat.validator import iter_validate

    rel, ours, _, _, refused = results
    from nbguard import notebook
    from nbguard.checks import strip

    invalid_before: set[str] = set()
    checked = 0
    for path in rel:
        if str(path) in refused:
            continue
        data = (ours / path).read_bytes()
        doc = notebook.parse(data)
        assert strip.stripped_bytes(doc, strip.StripOptions())[1] is None, f"{path} is not idempotent"
        before = notebook.parse((CORPUS / path).read_bytes()).nb
        assert [notebook.cell_source(c) for c in notebook.iter_cells(before)] == [
            notebook.cell_source(c) for c in notebook.iter_cells(doc.nb)
        ], f"{path}: a source changed"
        if doc.major == 4 and list(iter_validate(json.loads(data))):
            # only a notebook that was already invalid may stay invalid
            assert list(iter_validate(json.loads((CORPUS / path).read_bytes()))), f"{path} became invalid"
            invalid_before.add(str(path))
            continue
        checked += 1
    assert checked > 1850
    print(f"{checked} notebooks checked; invalid before and after: {sorted(invalid_before)}")
