"""``nbguard privacy``: personal data and machine details, never shown in full."""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

import fake_personal
from nbfactory import code, dumps, error, execute_result, make_nb, markdown, stream, subcommand, write_nb
from nbguard import cli
from nbguard.checks import privacy
from nbguard.checks.secrets import fingerprint

main = subcommand("privacy")
KEEP = {"tags": ["keep_output"]}
ALL = privacy.CATEGORIES


def _luhn_complete(prefix: str) -> str:
    """``prefix`` with the Luhn check digit that makes it valid (built here, never stored)."""
    for last in "0123456789":
        if privacy._luhn(prefix + last):
            return prefix + last
    raise AssertionError(prefix)


CARD = _luhn_complete("4" + "539" + "1488" + "0343" + "635")  # a Visa-shaped number
NOT_LUHN = CARD[:-1] + str((int(CARD[-1]) + 1) % 10)
IBAN = (
    "GB" + "33" + "BUKB" + "2020" + "1555" + "5555" + "55"
)  # a valid mod-97 check, not the standard's example


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        # Home directories that name a user, in a traceback shown in a kept output, and in a source.
        (
            code(
                "f()",
                count=1,
                outputs=[stream('  File "/home/alice/proj/run.py", line 3\n', "stderr")],
                metadata=KEEP,
            ),
            [("NBG501", "a home directory that names a user (/home/a***) in output 1 stream")],
        ),
        (
            code('df = pd.read_csv(r"C:\\Users\\Bob\\data.csv")'),
            [("NBG501", "a home directory that names a user (C:\\Users\\B***) in source")],
        ),
        (
            code('open("/Users/carol/x.csv")'),
            [("NBG501", "a home directory that names a user (/Users/c***) in source")],
        ),
        # An e-mail address in a DataFrame's HTML table (kept output).
        (
            code(
                "df.head()",
                count=1,
                outputs=[
                    execute_result({"text/html": "<table><tr><td>dana.smith@corp.io</td></tr></table>"})
                ],
                metadata=KEEP,
            ),
            [("NBG502", "an e-mail address (d***@corp.io) in output 1 text/html")],
        ),
        (
            markdown(f"Card on file: {CARD[:4]} {CARD[4:8]} {CARD[8:12]} {CARD[12:]}"),
            [("NBG503", f"a payment card number (**** {CARD[-4:]}) in source")],
        ),
        (markdown(f"Pay to {IBAN}"), [("NBG504", f"an IBAN (GB** **** {IBAN[-4:]}) in source")]),
        (code('host = "192.168.1.23"'), [("NBG505", "a private network address (192.*.*.*) in source")]),
        # Look-alikes: not personal.
        (code('p = "/home/jovyan/work/x.csv"; q = "/home/runner/work"; r = "/Users/user/x"'), []),
        (markdown("Write to info@example.com, a@b.com, me@mail.test or ops@domain.com"), []),
        (code("!git clone https://dev@bitbucket.org/team/repo.git; !git clone git@github.com:o/r.git"), []),
        (code(f"order_id = {NOT_LUHN}; ts = 1700000000000; test = 4242424242424242"), []),
        (code('widget = "2714242599604130bf011f04eab43459"'), []),  # digits inside a hex id
        (markdown("DE89 3704 0044 0532 0130 00 is the standard's example IBAN"), []),
        (code('docs = "192.0.2.10"; public = "8.8.8.8"; version = "10.2.3.4.5"'), []),
    ],
)
def test_what_is_personal_data(cell, expected):
    found = privacy.check(make_nb(cell), categories=ALL, source_categories=ALL)
    assert [(f.code, f.message.split(" (fingerprint")[0]) for f in found] == expected


def test_stripped_outputs_are_not_judged_and_values_are_never_shown(tmp_path, capsys):
    trace = '  File "/home/alice/proj/run.py", line 3\n'
    nb = write_nb(tmp_path / "a.ipynb", make_nb(code("f()", count=1, outputs=[stream(trace, "stderr")])))
    assert main(["--isolated", str(nb)]) == 0  # the output is stripped on commit
    assert main(["--isolated", "--keep-output", "--format", "json", str(nb)]) == 1
    report = capsys.readouterr().out
    (finding,) = json.loads(report)
    assert (finding["code"], finding["cell"], finding["line"]) == ("NBG501", 1, 1)
    assert "alice" not in report


def test_categories_and_allowed_domains_come_from_configuration(tmp_path, capsys):
    (tmp_path / ".nbguard.toml").write_text(
        'privacy-categories = ["email"]\nprivacy-sources = ["email"]\nallow-domains = ["corp.io"]\n'
    )
    source = 'a = "dana@corp.io"; b = "eve@team.corp.io"; c = "/home/alice"; d = "frank@other.org"'
    nb = write_nb(tmp_path / "a.ipynb", make_nb(code(source)))
    assert main([str(nb)]) == 1
    out = capsys.readouterr().out
    assert out.count("NBG5") == 1
    assert "an e-mail address (f***@other.org) in source" in out


def test_an_unknown_category_is_a_usage_error(tmp_path, capsys):
    nb = write_nb(tmp_path / "a.ipynb", make_nb(code("x = 1")))
    assert main(["--isolated", "--privacy-categories", "phones", str(nb)]) == 2
    assert "unknown privacy category 'phones'" in capsys.readouterr().err


def test_a_tagged_cell_is_allowed():
    cell = code('owner = "dana@corp.io"', metadata={"tags": [privacy.ALLOW_TAG]})
    assert privacy.check(make_nb(cell)) == []


@pytest.mark.parametrize("fmt", ["text", "json", "github", "sarif", "gitlab"])
def test_no_new_category_value_is_printed_in_any_format(tmp_path, capsys, fmt):
    values = [PHONE, SSN, CPF, NINO]
    text = f"Call {PHONE}\nssn {SSN}\n{CPF}\nNINO {NINO}\nzed@zed-mbp:~/proj$ ls\n"
    nb = write_nb(tmp_path / "a.ipynb", make_nb(_out(text)))
    assert main(["--isolated", "--keep-output", "--format", fmt, str(nb)]) == 1
    out = capsys.readouterr().out
    assert out.count("NBG50") >= 5
    shown = [v for v in values if v in out or v.replace(" ", "") in out or _digits(v) in out]
    shown += ["zed-mbp"] if "zed-mbp" in out else []
    assert shown == []


@pytest.mark.parametrize("fmt", ["text", "json", "github", "sarif", "gitlab"])
def test_no_personal_value_is_printed_in_any_format(tmp_path, capsys, fmt):
    values = ["/home/zoltan", "quentin.rowe@corp.io", CARD, IBAN]
    source = f'p = "{values[0]}/x"\nm = "{values[1]}"\nc = "{CARD}"\ni = "{IBAN}"'
    nb = write_nb(tmp_path / "a.ipynb", make_nb(code(source)))
    assert main(["--isolated", "--privacy-sources", ",".join(ALL), "--format", fmt, str(nb)]) == 1
    out = capsys.readouterr().out
    assert out.count("NBG50") >= 4
    assert [v for v in (*values, "zoltan", "quentin") if v in out] == []


# --- phone numbers, national identifiers, host names ------------------------------------

RNG = random.Random(16)
SSN = fake_personal.ssn(RNG)
CPF = fake_personal.cpf(RNG)
AADHAAR = fake_personal.aadhaar(RNG)
IDNR = fake_personal.idnr(RNG)
BSN = fake_personal.bsn(RNG)
NIR = fake_personal.nir(RNG)
NHS = fake_personal.nhs(RNG)
NINO = fake_personal.nino(RNG)
PHONE = fake_personal.phone_international(RNG)
LOCAL_PHONE = fake_personal.phone_national(RNG)


def _out(text, mime=None):
    output = execute_result({mime: text}) if mime else stream(text)
    return code("x", count=1, outputs=[output])


def _digits(value):
    return "".join(c for c in value if c.isdigit())


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (_out(f"Call {PHONE} today\n"), [("NBG506", f"a phone number (*** ** {_digits(PHONE)[-2:]})")]),
        (
            _out(f"name  phone\nann   {LOCAL_PHONE}\n"),
            [("NBG506", f"a phone number (*** ** {_digits(LOCAL_PHONE)[-2:]})")],
        ),
        (
            _out(f"<table><tr><th>Phone</th></tr><tr><td>{LOCAL_PHONE}</td></tr></table>", "text/html"),
            [("NBG506", f"a phone number (*** ** {_digits(LOCAL_PHONE)[-2:]})")],
        ),
        (_out(f"ssn={SSN}\n"), [("NBG507", f"a national identifier (US SSN, ending {SSN[-2:]})")]),
        (_out(f"{CPF}\n"), [("NBG507", f"a national identifier (Brazilian CPF, ending {CPF[-2:]})")]),
        (
            _out(f"Aadhaar: {AADHAAR}\n"),
            [("NBG507", f"a national identifier (Indian Aadhaar, ending {AADHAAR[-2:]})")],
        ),
        (
            _out(f"Steuer-ID {IDNR}\n"),
            [("NBG507", f"a national identifier (German tax id, ending {IDNR[-2:]})")],
        ),
        (_out(f"BSN: {BSN}\n"), [("NBG507", f"a national identifier (Dutch BSN, ending {BSN[-2:]})")]),
        (_out(f"NIR {NIR}\n"), [("NBG507", f"a national identifier (French NIR, ending {NIR[-2:]})")]),
        (
            _out(f"NHS number {NHS}\n"),
            [("NBG507", f"a national identifier (UK NHS number, ending {NHS[-2:]})")],
        ),
        (
            _out(f"NINO: {NINO}\n"),
            [("NBG507", f"a national identifier (UK NINO, ending {NINO[-3]}{NINO[-1]})")],
        ),
        (_out("alice@alice-laptop:~/proj$ ls\n"), [("NBG508", "a host name (a***)")]),
        (_out("INFO connected to build-7.corp:8080\n"), [("NBG508", "a host name (b***.corp)")]),
        (
            code("!hostname", count=1, outputs=[stream("zed-mbp\n")]),
            [("NBG508", "a host name (z***)")],
        ),
        # Look-alikes: invalid checksums, unlabelled numbers, timestamps, ids, versions,
        # fictional phones, generic hosts and Python names.
        (_out(f"{fake_personal.broken(CPF)} {IDNR}\nno label: {BSN}\n"), []),
        (_out(f"Aadhaar: {fake_personal.broken(AADHAAR)}; tel 2024-01-05 10:22; phone 1700000000\n"), []),
        (_out("phone: (415) 555-0123; +44 20 7946 0958; version 3.10.12\nid 4155552671\n"), []),
        (
            _out(
                "root@3f4e5a6b7c8d:/# ls ~/.local/lib threading.local() host.docker.internal x.example.local\n"
            ),
            [],
        ),
        (_out("SSN 123-45-6789 and 078-05-1120 are published examples\n"), []),
        # A label on another line, and a number that is one group of a longer row, are not context.
        (_out(f"report 2024\nBSN: none\norder {BSN}\nbsn row 12 {BSN}\n"), []),
    ],
)
def test_phones_national_ids_and_hosts(cell, expected):
    found = privacy.check(make_nb(cell), categories=ALL, strip_options=None)
    assert [(f.code, f.message.split(" in ")[0]) for f in found] == expected
    values = [PHONE, LOCAL_PHONE, SSN, CPF, AADHAAR, IDNR, BSN, NIR, NHS, NINO]
    assert [v for v in values for f in found if v in f.message or _digits(v) in f.message] == []


def test_in_sources_only_the_checksum_categories_are_looked_for_by_default():
    cell = code(f'owner = "dana@corp.io"  # {PHONE}\nhome = "/home/alice"\ncpf = "{CPF}"')
    assert [f.code for f in privacy.check(make_nb(cell))] == ["NBG507"]
    everything = privacy.check(make_nb(cell), source_categories=ALL)
    assert [f.code for f in everything] == ["NBG502", "NBG506", "NBG501", "NBG507"]


def test_the_heavy_libraries_load_only_for_a_candidate(tmp_path):
    """Privacy on a notebook without a candidate imports neither library; one candidate does."""
    plain = write_nb(tmp_path / "plain.ipynb", make_nb(code("x = 1", count=1, outputs=[stream("42\n")])))
    phone = write_nb(tmp_path / "phone.ipynb", make_nb(_out(f"Call {PHONE}\n")))
    ident = write_nb(tmp_path / "id.ipynb", make_nb(_out(f"{CPF}\n")))
    script = (
        "import sys\nfrom nbguard.cli import main\n"
        "code = main(['privacy', '--isolated', '--keep-output', '-q', *sys.argv[1:]])\n"
        "print(code, 'phonenumbers' in sys.modules, 'stdnum' in sys.modules)\n"
    )
    env = {**os.environ, "COVERAGE_PROCESS_START": ""}

    def run(*paths):
        done = subprocess.run(
            [sys.executable, "-c", script, *map(str, paths)],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        return done.stdout.splitlines()[-1]

    assert run(plain) == "0 False False"
    assert run(phone) == "1 True False"
    assert run(ident) == "1 False True"


# --- --fix: home directories in outputs become ~ ----------------------------------------------

TRACE = '  File "/home/alice/proj/run.py", line 3\n  C:\\Users\\alice\\proj\\x.py\n'
ANSI_TRACE = ["\x1b[0;32m/Users/alice/proj/x.py\x1b[0m in f()", "/home/jovyan/work/y.py"]


def _home_nb(trace=TRACE, ansi=ANSI_TRACE, extra=()):
    return make_nb(
        code(
            "f()",
            count=1,
            outputs=[stream(trace, "stderr"), error("E", "x", ansi), *extra],
            metadata=KEEP,
        ),
        code('p = "/home/alice/x"', count=2),  # a source: never edited
        code("g()", count=3, outputs=[stream(TRACE)], metadata={"tags": ["keep_output", privacy.ALLOW_TAG]}),
    )


FIXED_TRACE = '  File "~/proj/run.py", line 3\n  ~\\proj\\x.py\n'
FIXED_ANSI = ["\x1b[0;32m~/proj/x.py\x1b[0m in f()", "/home/jovyan/work/y.py"]


@pytest.mark.parametrize("command", [["privacy"], ["check", "--keep-count", "--no-errors"]])
def test_fix_writes_home_directories_in_outputs_as_tilde(tmp_path, capsys, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    write_nb(tmp_path / "a.ipynb", _home_nb())
    assert cli.main([*command, "--isolated", "--fix", "a.ipynb"]) == 0
    out = capsys.readouterr().out
    assert out == "a.ipynb: replaced 3 home directories with ~ in outputs\n"
    assert (tmp_path / "a.ipynb").read_text(encoding="utf-8") == dumps(_home_nb(FIXED_TRACE, FIXED_ANSI))
    assert cli.main([*command, "--isolated", "--fix", "a.ipynb"]) == 0  # nothing left to do
    assert capsys.readouterr().out == ""


def test_fix_never_edits_personal_data_and_still_reports_it(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    email = execute_result({"text/plain": "'dana@corp.io'"})
    write_nb(tmp_path / "a.ipynb", _home_nb(extra=[email]))
    assert main(["--isolated", "--fix", "a.ipynb"]) == 1
    assert capsys.readouterr().out == (
        "a.ipynb:cell 1:line 1: NBG502 an e-mail address (d***@corp.io) in output 3 text/plain "
        f"(fingerprint {fingerprint('dana@corp.io')})\n"
        "a.ipynb: replaced 3 home directories with ~ in outputs\n"
    )
    assert (tmp_path / "a.ipynb").read_text(encoding="utf-8") == dumps(
        _home_nb(FIXED_TRACE, FIXED_ANSI, extra=[email])
    )


def test_without_fix_or_with_home_off_nothing_is_written(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    before = write_nb(tmp_path / "a.ipynb", _home_nb()).read_bytes()
    assert main(["--isolated", "a.ipynb"]) == 1
    assert capsys.readouterr().out.count("NBG501") == 3
    assert main(["--isolated", "--fix", "--privacy-categories", "email", "a.ipynb"]) == 0
    assert (tmp_path / "a.ipynb").read_bytes() == before


def test_a_missing_library_is_a_note_not_a_crash(monkeypatch):
    for name in [m for m in sys.modules if m.split(".")[0] in ("phonenumbers", "stdnum")] + ["stdnum"]:
        monkeypatch.setitem(sys.modules, name, None)  # importing it raises ImportError
    found = privacy.check(make_nb(_out(f"Call {PHONE}; {CPF}\n"), _out(f"{PHONE}\n")), categories=ALL)
    assert [(f.code, f.message) for f in found] == [
        ("note", "national identifiers were not checked: the python-stdnum package is missing"),
        ("note", "phone numbers were not checked: the phonenumbers package is missing"),
    ]


def test_the_configuration_in_the_privacy_page_does_what_it_says(tmp_path, monkeypatch, capsys):
    page = (Path(__file__).resolve().parents[1] / "docs" / "privacy.md").read_text(encoding="utf-8")
    (block,) = re.findall(r"```toml\n(.*?)```", page, flags=re.DOTALL)
    (tmp_path / ".nbguard.toml").write_text(block, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert cli.main(["config", "reports/a.ipynb"]) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert 'privacy-categories = ["card", "iban", "national-id"]' in out  # the page's override
    assert 'privacy-sources = ["card", "iban", "national-id", "email"]' in out


@pytest.mark.parametrize("version", [2, 3])
def test_fix_rewrites_homes_in_the_worksheets_of_older_notebooks(tmp_path, capsys, version):
    output = {"output_type": "stream", "stream": "stdout", "text": ["/home/alice/data/x.csv\n"]}
    cell = {"cell_type": "code", "input": "1", "language": "python", "outputs": [output], "metadata": {}}
    nb = {"nbformat": version, "metadata": {}, "worksheets": [{"cells": [cell], "metadata": {}}]}
    if version == 3:
        nb["nbformat_minor"] = 0
    path = tmp_path / "old.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    assert cli.main(["privacy", "--fix", str(path)]) == 0
    text = json.loads(path.read_text(encoding="utf-8"))["worksheets"][0]["cells"][0]["outputs"][0]["text"]
    assert "".join(text).rstrip("\n") == "~/data/x.csv"  # nbformat 2 writes lines without their newline
    assert capsys.readouterr().out == f"{path}: replaced 1 home directory with ~ in outputs\n"
