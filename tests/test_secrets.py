from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import urllib.parse
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fake_tokens as ft
from nbfactory import (
    code,
    display_data,
    error,
    execute_result,
    make_nb,
    markdown,
    raw,
    readable_corpus_notebooks,
    stream,
    subcommand,
    write_nb,
)
from nbguard import notebook
from nbguard.checks import secrets
from nbguard.checks.secrets import check, fingerprint, scanner
from nbguard.checks.secrets import detectors as cp
from nbguard.report import formats

main = subcommand("secrets")


def found(nb, **kwargs) -> list[tuple[int | None, int | None, str, str]]:
    """(cell, line, code, message without the fingerprint) of each finding."""
    return [(f.cell, f.line, f.code, _kind_and_part(f.message)) for f in check(nb, **kwargs)]


def _kind_and_part(message: str) -> str:
    """A finding's message without its parenthesis (masked value, fingerprint) and what follows."""
    return re.sub(r" \([^()]*fingerprint [0-9a-f]+\).*$", "", message)


def widgets(models: dict[str, Any]) -> dict[str, Any]:
    return {notebook.WIDGET_STATE_MIME: {"state": models, "version_major": 2, "version_minor": 0}}


def password_model(value: str) -> dict[str, Any]:
    return {
        "model_module": "@jupyter-widgets/controls",
        "model_name": "PasswordModel",
        "state": {"description": "Password:", "value": value},
    }


# --- nbguard's plugins and filters -------------------------------------------------


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("HF_TOKEN", ["hf", "token"]),
        ("accessToken", ["access", "token"]),
        ("self.api-key", ["self", "api", "key"]),
        ("AWSSecretKey2", ["aws", "secret", "key", "2"]),
        ("tokenizer", ["tokenizer"]),
    ],
)
def test_name_words(name, words):
    assert cp.name_words(name) == words


@pytest.mark.parametrize(
    ("line", "unquoted", "expected"),
    [
        ('HF_TOKEN = "abc123def456"', False, ["abc123def456"]),
        ("client = Client(auth='abc123def456')", False, ["abc123def456"]),
        ('{"access_token": "abc123def456"}', False, ["abc123def456"]),
        ('creds["accessKey"] = "abc123def456"', False, ["abc123def456"]),
        ('credentials := "abc123def456"', False, ["abc123def456"]),
        ("HF_TOKEN=abc123def456", True, ["abc123def456"]),
        ("HF_TOKEN=abc123def456", False, []),  # unquoted only where config style applies
        ('tokenizer = "bert-base-uncased2"', False, []),
        ('author = "Jane Doe 2024"', False, []),
        ('max_tokens = "4096"', False, []),  # plural: not the word token
        ('pad_token = "[PAD]"', False, []),  # no digit: not secret-like
        ('token = "abc1"', False, []),  # too short
        ('token_path = "/root/.cache/token1"', False, []),
        ('credentials = "service-account-2024.json"', False, []),
        ('auth = "https://login.example.com/v2"', False, []),
    ],
)
def test_token_keyword_detector(line, unquoted, expected):
    assert list(cp.TokenKeywordDetector().analyze_string(line, unquoted=unquoted)) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("%env OPENAI_API_KEY=abc123def", ["abc123def"]),
        ("%env GH_PAT ghx-abc-123", ["ghx-abc-123"]),
        ("%set_env DB_PASSWORD='s3cr3t-pw'", ["s3cr3t-pw"]),
        ('os.environ["HF_TOKEN"] = "abc123def"', ["abc123def"]),
        ("os.environ.setdefault('WANDB_API_KEY', 'abc123def')", ["abc123def"]),
        ('os.putenv("SECRET", "abc123def")', ["abc123def"]),
        ("%env CUDA_VISIBLE_DEVICES=0,1", []),
        ("%env TOKENIZERS_PARALLELISM=false", []),
        ('os.environ["AWS_ACCESS_KEY_ID"] = "abc123def"', []),  # an id, not a secret
        ('os.environ["KEY_PATH"] = "abc123def"', []),
        ('os.environ["GOOGLE_APPLICATION_CREDENTIALS"] = "sa-key-2024.json"', []),
        ('os.environ["HF_TOKEN"] = "abc"', []),  # too short
    ],
)
def test_environment_secret_detector(line, expected):
    assert list(cp.EnvironmentSecretDetector().analyze_string(line)) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("!curl -u admin:pa55word https://x", ["pa55word"]),
        ('!curl --user "admin:pa55word" https://x', ["pa55word"]),
        ("!curl --user=admin:pa55word https://x", ["pa55word"]),
        ("!curl -u admin https://x", []),  # curl asks for the password
        ("!git push -u origin main", []),
    ],
)
def test_curl_user_detector(line, expected):
    assert list(cp.CurlUserDetector().analyze_string(line)) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('!curl -H "Authorization: Bearer abc123def456" https://x', ["abc123def456"]),
        ('headers = {"Authorization": "token abc123def456"}', ["abc123def456"]),
        ("headers['authorization'] = 'Basic dXNlcjpwYXNzMTIz'", ["dXNlcjpwYXNzMTIz"]),
        ("headers = {'Authorization': f'Bearer {token}'}", []),
        ('-H "Authorization: Bearer $TOKEN"', []),
        ("## Authorization: how it works", []),
    ],
)
def test_authorization_header_detector(line, expected):
    assert list(cp.AuthorizationHeaderDetector().analyze_string(line)) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("YOUR_API_KEY", True),
        ("your-token-here", True),
        ("EnterYourOwnInfoHere", True),
        ("hf_...", True),
        ("sk-lf-…", True),
        ("XXX", True),
        ("abcxxxxdef", True),
        ("****", True),
        ("password", True),
        ("Simple ", True),
        ("SECRET_KEY_27_CHARS ", True),
        ("hunter2-not-real-example", False),
        ("ANTHROPIC KEY HERE", True),
        ("EMPTY", True),
        ("sk-no-key-required", True),
        ("AKIA" + "IOSFODNN7" + "EXAMPLE", True),
        ("Yourdomain2x9", False),
        (ft.aws_key_id(), False),
        (ft.github_classic(), False),
    ],
)
def test_is_placeholder(value, expected):
    assert cp.is_placeholder(value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("get_secret()", True),
        ("request.headers['apikey']", True),
        ("os.environ[", True),
        ("(abc)def", False),
        ("abc def(", False),
        ("s3cr3t", False),
    ],
)
def test_is_indirect_reference(value, expected):
    assert cp.is_indirect_reference(value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("ACCAGTTGACCAGTTGCA", True), ("AAAAAAAAAAAAAAAAAAAA", True), ("ACGT", False), (ft.aws_key_id(), False)],
)
def test_is_low_variety(value, expected):
    assert cp.is_low_variety(value) is expected


# --- the core: what is found, where ------------------------------------------------

GH = ft.github_classic("core")
PW = ft.password("core")


@pytest.mark.parametrize(
    ("nb", "expected"),
    [
        pytest.param(
            make_nb(markdown("# Title"), code(["import os\n", f'password = "{PW}"\n'])),
            [(2, 2, "NBG202", "Secret Keyword in source")],
            id="double-quoted-keyword",
        ),
        pytest.param(
            make_nb(code(f"client = OpenAI(api_key='{PW}')")),
            [(1, 1, "NBG202", "Secret Keyword in source")],
            id="call-argument",
        ),
        pytest.param(
            make_nb(code(f'token = "{GH}"')),
            [(1, 1, "NBG201", "GitHub personal access token in source")],
            id="vendor-wins-over-keyword",
        ),
        pytest.param(
            make_nb(code("print(env)", outputs=[stream(f"HOME=/root\nDB_PASSWORD={PW}\n")])),
            [(1, 2, "NBG202", "Secret Keyword in output 1 stream")],
            id="env-dump-is-config-style",
        ),
        pytest.param(
            make_nb(
                code(
                    "x",
                    outputs=[
                        error("E", "v", ["Traceback", f"\x1b[0;32m----> 1\x1b[0m key = \x1b[38;5;124m'{GH}'"])
                    ],
                )
            ),
            [(1, 2, "NBG201", "GitHub personal access token in output 1 error")],
            id="traceback-ansi-removed",
        ),
        pytest.param(
            make_nb(
                code("x", outputs=[execute_result({"text/html": f"<pre>password = &quot;{PW}&quot;</pre>"})])
            ),
            [(1, 1, "NBG202", "Secret Keyword in output 1 text/html")],
            id="html-entities-decoded",
        ),
        pytest.param(
            make_nb(code("x", metadata={"deploy": {"token": GH}})),
            [(1, 3, "NBG201", "GitHub personal access token in metadata")],
            id="cell-metadata",
        ),
        pytest.param(
            make_nb(metadata={"kernelspec": {"name": "python3"}, "service": {"api_key": PW}}),
            [(None, 6, "NBG202", "Secret Keyword in metadata")],
            id="notebook-metadata",
        ),
        pytest.param(
            make_nb(metadata={"widgets": widgets({"m1": password_model(PW)})}),
            [(None, 9, "NBG204", "Password Widget Value in widget state")],
            id="password-widget",
        ),
        pytest.param(
            make_nb(
                markdown(
                    "x",
                    attachments={
                        "creds.txt": {"text/plain": base64.b64encode(f"TOKEN={GH}".encode()).decode()}
                    },
                )
            ),
            [(1, 1, "NBG201", "GitHub personal access token in attachment creds.txt")],
            id="attachment",
        ),
        pytest.param(
            make_nb(code(f"!curl -u admin:{PW} https://example.com")),
            [(1, 1, "NBG202", "Basic Auth Credentials in source")],
            id="curl-user",
        ),
        pytest.param(
            make_nb(code(f'engine = create_engine("postgresql://admin:{PW}@db.example.com/app")')),
            [(1, 1, "NBG201", "PostgreSQL URL with a password in source")],
            id="url-credentials-in-a-call",
        ),
        pytest.param(
            make_nb(code(f"%env HF_TOKEN={PW}")),
            [(1, 1, "NBG202", "Secret Environment Variable in source")],
            id="env-magic",
        ),
        pytest.param(
            make_nb(code(f'KEY = """{ft.private_key("core")}"""\nprint(KEY)')),
            [(1, 1, "NBG203", "RSA private key in source")],
            id="private-key",
        ),
        pytest.param(
            make_nb(code(["x = 1\n", "# pragma: allowlist nextline secret\n", f'password = "{PW}"\n'])),
            [],
            id="nextline-pragma",
        ),
        pytest.param(
            make_nb(code(f'password = "{PW}"  # pragma: allowlist secret')),
            [],
            id="same-line-pragma",
        ),
        pytest.param(
            make_nb(
                code("x", outputs=[stream(f"DB_PASSWORD={PW}")], metadata={"tags": [secrets.ALLOW_TAG]}),
                code(f'password = "{PW}"'),
            ),
            [(2, 1, "NBG202", "Secret Keyword in source")],
            id="allow-tag-covers-the-whole-cell-only",
        ),
    ],
)
def test_check(nb, expected):
    assert found(nb) == expected


def test_allowed_fingerprints_are_not_reported():
    other = ft.password("other")
    nb = make_nb(code(f'password = "{PW}"\nsecret = "{other}"'))
    assert found(nb, allowed_fingerprints={fingerprint(PW)}) == [(1, 2, "NBG202", "Secret Keyword in source")]


def test_findings_carry_the_fingerprint_of_the_whole_value():
    a, b = ft.github_classic("a"), ft.github_classic("b")
    findings = check(make_nb(code(f'x = "{a}"\ny = "{b}"')))
    assert [f.fingerprint for f in findings] == [fingerprint(a), fingerprint(b)]
    assert fingerprint(a) != fingerprint(b)
    assert all(f"fingerprint {f.fingerprint})" in f.message for f in findings)
    assert len(fingerprint(a)) == secrets.FINGERPRINT_LENGTH


def test_a_private_key_is_fingerprinted_by_its_body_in_every_form():
    key, other = ft.private_key("one"), ft.private_key("two")
    escaped = json.dumps(key)  # one line with \n escapes, as in a service-account file
    nb = make_nb(
        code(f'KEY = """{key}"""'),
        code(f"info = {{'private_key': {escaped}}}"),
        code(f'KEY = """{other}"""'),
    )
    prints = [f.fingerprint for f in check(nb)]
    assert prints[0] == prints[1] != prints[2]


def test_secrets_are_found_in_single_string_sources_with_their_line():
    nb = make_nb(code(f'a = 1\nb = 2\npassword = "{PW}"\n'))
    assert found(nb) == [(1, 3, "NBG202", "Secret Keyword in source")]


def test_nbformat3_cells_are_counted_across_worksheets():
    cell = {"cell_type": "code", "input": ["x = 1\n", f"api_key = '{PW}'"], "metadata": {}, "outputs": []}
    nb = {
        "nbformat": 3,
        "nbformat_minor": 0,
        "metadata": {},
        "worksheets": [
            {"cells": [{"cell_type": "markdown", "metadata": {}, "source": "a"}] * 2},
            {"cells": [cell]},
        ],
    }
    assert found(nb) == [(3, 2, "NBG202", "Secret Keyword in source")]


def test_long_lines_and_whitespace_runs_are_scanned():
    pad = " " * 990
    nb = make_nb(
        code(f"x = f({pad}'{GH}')"),  # detect-secrets' own filter took seconds on this and dropped it
        code("y = " + "a" * 20_000 + f" '{ft.github_classic('far')}' " + "b" * 20_000),
    )
    assert found(nb) == [
        (1, 1, "NBG201", "GitHub personal access token in source"),
        (2, 1, "NBG201", "GitHub personal access token in source"),
    ]


# --- recall on planted credentials, silence on clean controls ---------------------------


@dataclass(frozen=True)
class Plant:
    """One fake credential placed somewhere, and where a finding must point."""

    what: str
    where: str
    nb: dict[str, Any]
    cell: int | None
    label: str
    line: int
    value: str  # the finding's fingerprint must be this value's (None-like "" skips the check)


def _meta_line(metadata: dict[str, Any], value: str) -> int:
    lines = json.dumps(metadata, indent=1, sort_keys=True, ensure_ascii=False).split("\n")
    return next(i for i, line in enumerate(lines, start=1) if value in line)


def _places(name: str, env: str, value: str) -> list[tuple[str, dict[str, Any], int | None, str, int]]:
    """(where, notebook, cell, part label, line) for one value, in every place a notebook holds text."""
    b64 = base64.b64encode(f"# notes\n{env}={value}\n".encode()).decode()
    ansi = f'\x1b[0;32m----> 2\x1b[0m {name} \x1b[38;5;241m=\x1b[39m \x1b[38;5;124m"{value}\x1b[39m"'
    nb_meta = {"kernelspec": {"language": "python", "name": "python3"}, "deploy": {"settings": {name: value}}}
    text_model = {"model_name": "TextModel", "state": {"description": name, "value": value}}
    state = widgets({"0f3a": text_model})
    v3_cell = {
        "cell_type": "code",
        "input": ["import os\n", f"{name} = '{value}'\n"],
        "metadata": {},
        "outputs": [],
    }
    v3 = {
        "nbformat": 3,
        "nbformat_minor": 0,
        "metadata": {},
        "worksheets": [
            {"cells": [{"cell_type": "markdown", "metadata": {}, "source": "# A"}]},
            {"cells": [v3_cell]},
        ],
    }
    return [
        (
            "code, double quotes, list source",
            make_nb(code(["import os\n", f'{name} = "{value}"\n'])),
            1,
            "source",
            2,
        ),
        (
            "code, single quotes, string source",
            make_nb(code(f"import os\n{name} = '{value}'\n")),
            1,
            "source",
            2,
        ),
        (
            "code, call argument",
            make_nb(code(f'client = Client({name}="{value}", timeout=3)')),
            1,
            "source",
            1,
        ),
        ("code, dict literal", make_nb(code(f'cfg = {{"{name}": "{value}", "n": 1}}')), 1, "source", 1),
        ("code, %env magic", make_nb(markdown("setup"), code(f"%env {env}={value}")), 2, "source", 1),
        ("code, os.environ", make_nb(code(f'os.environ["{env}"] = "{value}"')), 1, "source", 1),
        ("code, shell export", make_nb(code(f"!export {env}={value} && python run.py")), 1, "source", 1),
        ("markdown, inline", make_nb(markdown(["# Setup\n", f'- {name}: "{value}"\n'])), 1, "source", 2),
        ("markdown, fenced block", make_nb(markdown(f"```bash\nexport {env}={value}\n```")), 1, "source", 2),
        ("markdown, html comment", make_nb(markdown(f'text\n<!-- {name}="{value}" -->')), 1, "source", 2),
        ("raw cell", make_nb(raw(f"[app]\n{env}={value}")), 1, "source", 2),
        (
            "stream, env dump",
            make_nb(code("!env", outputs=[stream(f"HOME=/root\n{env}={value}\nPATH=/bin\n")])),
            1,
            "output 1 stream",
            2,
        ),
        (
            "stream stderr, environ repr",
            make_nb(
                code(
                    "x",
                    outputs=[
                        stream("ok\n"),
                        stream(f"environ({{'HOME': '/root', '{env}': '{value}'}})", "stderr"),
                    ],
                )
            ),
            1,
            "output 2 stream",
            1,
        ),
        (
            "execute_result text/plain",
            make_nb(code("cfg", outputs=[execute_result({"text/plain": f"{{'{name}': '{value}'}}"})])),
            1,
            "output 1 text/plain",
            1,
        ),
        (
            "execute_result text/html",
            make_nb(
                code(
                    "cfg",
                    outputs=[
                        execute_result(
                            {"text/html": f"<table>\n<tr><td>{name} = &quot;{value}&quot;</td></tr>"}
                        )
                    ],
                )
            ),
            1,
            "output 1 text/html",
            2,
        ),
        (
            "display_data application/json",
            make_nb(code("d", outputs=[display_data({"application/json": {"user": "a", name: value}})])),
            1,
            "output 1 application/json",
            2,
        ),
        (
            "display_data text/markdown",
            make_nb(code("d", outputs=[display_data({"text/markdown": f"**config**\n\n{name}: '{value}'"})])),
            1,
            "output 1 text/markdown",
            3,
        ),
        (
            "error traceback with colour codes",
            make_nb(
                code(
                    "x",
                    outputs=[
                        error("NameError", "name 'x'", ["\x1b[0;31m---------\x1b[0m", ansi, "NameError"])
                    ],
                )
            ),
            1,
            "output 1 error",
            2,
        ),
        (
            "error evalue",
            make_nb(code("x", outputs=[error("ValueError", f"bad config {name}='{value}'", [])])),
            1,
            "output 1 error",
            1,
        ),
        ("cell metadata", make_nb(code("x", metadata={"custom": {name: value}})), 1, "metadata", 3),
        ("notebook metadata", make_nb(metadata=nb_meta), None, "metadata", _meta_line(nb_meta, value)),
        (
            "widget state",
            make_nb(metadata={"widgets": state}),
            None,
            "widget state",
            _meta_line(state, value),
        ),
        (
            "attachment",
            make_nb(markdown("![n](attachment:notes.txt)", attachments={"notes.txt": {"text/plain": b64}})),
            1,
            "attachment notes.txt",
            2,
        ),
        ("nbformat 3 worksheet", v3, 2, "source", 2),
    ]


def planted() -> list[Plant]:
    plants = []
    secrets = {what: build("planted") for what, build in ft.VENDOR_TOKENS.items()}
    secrets["password"] = ft.password("planted")
    for what, value in secrets.items():
        name, env = ("db_password", "DB_PASSWORD") if what == "password" else ("api_key", "SERVICE_API_KEY")
        # A JWT is reported without its signature (detect-secrets' pattern), so only its place is checked.
        expected_value = "" if what == "jwt" else value
        for where, nb, cell, label, line in _places(name, env, value):
            plants.append(Plant(what, where, nb, cell, label, line, expected_value))
    pw = ft.password("special")
    key = ft.private_key("special")
    specials = [
        (
            "aws secret key",
            make_nb(code(f'aws_secret_access_key = "{ft.aws_secret_key()}"')),
            1,
            "source",
            1,
            "",
        ),
        ("slack webhook", make_nb(markdown(f"Post to [the hook]({ft.slack_webhook()})")), 1, "source", 1, ""),
        ("azure connection", make_nb(code(f'conn = "{ft.azure_storage()}"')), 1, "source", 1, ""),
        ("npmrc", make_nb(raw(ft.npm())), 1, "source", 1, ""),
        (
            "database url",
            make_nb(code(f'db = connect("postgresql://admin:{pw}@db:5432/app")')),
            1,
            "source",
            1,
            pw,
        ),
        ("curl user", make_nb(code(f"!curl -u admin:{pw} https://api.example.com/v1")), 1, "source", 1, pw),
        (
            "bearer header",
            make_nb(code(f'!curl -H "Authorization: Bearer {pw}" https://api.example.com')),
            1,
            "source",
            1,
            pw,
        ),
        (
            "password widget",
            make_nb(metadata={"widgets": widgets({"7e": password_model(pw)})}),
            None,
            "widget state",
            _meta_line(widgets({"7e": password_model(pw)}), pw),
            pw,
        ),
        ("private key in code", make_nb(code(f'KEY = """{key}"""')), 1, "source", 1, ""),
        (
            "private key printed",
            make_nb(code("print(KEY)", outputs=[stream(key + "\n")])),
            1,
            "output 1 stream",
            1,
            "",
        ),
    ]
    plants += [
        Plant(what, "special", nb, cell, label, line, value)
        for what, nb, cell, label, line, value in specials
    ]
    return plants


PLANTS = planted()


def _detected(plant: Plant) -> bool:
    return any(
        f.cell == plant.cell
        and f.line == plant.line
        and f" in {plant.label} (" in f.message
        and (not plant.value or f.fingerprint == fingerprint(plant.value))
        for f in check(plant.nb)
    )


def test_recall_on_planted_credentials_is_at_least_95_percent():
    missed = [(p.what, p.where) for p in PLANTS if not _detected(p)]
    recall = 1 - len(missed) / len(PLANTS)
    print(f"recall {len(PLANTS) - len(missed)}/{len(PLANTS)} = {recall:.1%}; missed: {missed}")
    assert len(PLANTS) > 450
    assert recall >= 0.95, missed


def _png(width: int = 32, height: int = 32) -> str:
    """A real PNG of random pixels (compressed, high-entropy base64), built here."""
    import random
    import struct
    import zlib

    rng = random.Random("png")
    rows = b"".join(b"\x00" + rng.randbytes(width * 3) for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    data = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
    return base64.b64encode(data).decode()


def controls() -> list[tuple[str, dict[str, Any]]]:
    png = _png()
    uuid = "3f2b8c1e-9d4a-4e7b-8c2f-1a6d5e9b0c47"
    sha = "9fceb02d0ae598e95dc970b74767f19372d61af8"
    view = {
        "application/vnd.jupyter.widget-view+json": {
            "model_id": "c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6",
            "version_major": 2,
        }
    }
    text_model = {
        "model_name": "TextModel",
        "state": {"value": "hello", "layout": "IPY_MODEL_9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d"},
    }
    return [
        (
            "png output",
            make_nb(code("plot()", outputs=[display_data({"image/png": png, "text/plain": "<Figure>"})])),
        ),
        (
            "png attachment",
            make_nb(markdown("![a](attachment:a.png)", attachments={"a.png": {"image/png": png}})),
        ),
        (
            "inline png in html",
            make_nb(
                code("x", outputs=[display_data({"text/html": f'<img src="data:image/png;base64,{png}">'})])
            ),
        ),
        ("uuids", make_nb(code(f'run_id = "{uuid}"\nclient_secret_id = "{uuid}"', id=uuid))),
        (
            "git hashes",
            make_nb(code(f'commit = "{sha}"\nurl = "https://github.com/org/repo/blob/{sha}/x.py"')),
        ),
        (
            "pip output",
            make_nb(
                code(
                    "!pip install x",
                    outputs=[stream(f"Created wheel for x: filename=x.whl sha256={sha}{sha[:24]}\n")],
                )
            ),
        ),
        (
            "placeholders",
            make_nb(
                code(
                    [
                        'api_key = "YOUR_API_KEY"\n',
                        'os.environ["OPENAI_API_KEY"] = "your-key-here"\n',
                        'hf_token = "hf_..."\n',
                        'password = "<password>"\n',
                        'token = "${TOKEN}"\n',
                        'secret = "****"\n',
                        "%env HF_TOKEN=YOUR_HF_TOKEN\n",
                        "!curl -u username:password https://example.com\n",
                    ]
                )
            ),
        ),
        (
            "environment lookups",
            make_nb(
                code(
                    [
                        'api_key = os.environ["OPENAI_API_KEY"]\n',
                        'token = os.getenv("HF_TOKEN")\n',
                        'password = os.environ.get("DB_PASSWORD", "")\n',
                        "headers = {'Authorization': f'Bearer {token}'}\n",
                    ]
                )
            ),
        ),
        (
            "getpass",
            make_nb(code("password = getpass.getpass()", outputs=[stream("Password: ········\n")])),
        ),
        (
            "widget ids",
            make_nb(
                code("w", outputs=[display_data(view)]),
                metadata={
                    "widgets": widgets(
                        {"c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6": text_model, "e": password_model("")}
                    )
                },
            ),
        ),
        (
            "tokenizers and authors",
            make_nb(
                code(
                    [
                        'tokenizer = AutoTokenizer.from_pretrained("bert-base-uncased")\n',
                        "tokenizer.pad_token = tokenizer.eos_token\n",
                        'author = "Jane Doe 2024"\n',
                        "model.generate(max_tokens=4096, use_auth_token=True)\n",
                    ]
                )
            ),
        ),
        (
            "editor metadata",
            make_nb(
                metadata={
                    "vscode": {
                        "interpreter": {
                            "hash": "916dbcbb3f70747c44a77c7bcd40155683ae19c65e1c03b4aa3499c5328201f1"
                        }
                    },
                    "colab": {"id": "1aB2cD3eF4gH5iJ6kL7mN8oP9qR0sT1uV", "provenance": []},
                }
            ),
        ),
        (
            "dna and video",
            make_nb(
                code(
                    "x",
                    outputs=[
                        stream("The DNA sequence is CACACCAGACAAAATTTGGTTAATTTGCGCCCAATATTCATTAC\n"),
                        display_data(
                            {
                                "text/html": '<video src="data:video/mp4;base64,AAAAIGZ0eXBpc29tAAACAGlzb21pc28yYXZjMQ"/>'
                            }
                        ),
                    ],
                )
            ),
        ),
    ]


@pytest.mark.parametrize(("what", "nb"), controls(), ids=[what for what, _ in controls()])
def test_clean_controls_give_no_findings(what, nb):
    assert check(nb) == []


def name_variants() -> list[dict[str, Any]]:
    """One notebook per spelling of each secret name the keyword detectors know."""
    value = ft.password("names")
    names = [
        *("api_key", "apiKey", "auth_key", "service_key", "account_key", "db_key", "database_key"),
        *("priv_key", "private_key", "client_key", "db_pass", "database_pass", "key_pass"),
        *("password", "passwd", "pwd", "secret", "contraseña", "contrasena"),
        *("token", "HF_TOKEN", "accessToken", "auth", "basic_auth", "access", "access_key"),
        *("accessKey", "ACCESS-KEY", "credential", "credentials", "gcpCredentials", "creds"),
    ]
    notebooks = []
    for name in names:
        env = re.sub(r"(?<=[a-z])(?=[A-Z])", "_", name).upper()  # accessKey -> ACCESS_KEY
        notebooks.append(
            make_nb(
                code(f'{name} = "{value}"\nx = {{"{name}": "{value}"}}'),
                code(f"!export {env}={value}"),
                code(f"%env {env}={value}\nos.environ['{env}'] = '{value}'"),
            )
        )
    return notebooks


def test_every_secret_name_is_found():
    assert all(len(check(nb)) >= 3 for nb in name_variants())


def test_the_prefilter_hides_nothing_the_engine_would_find(monkeypatch):
    notebooks = [p.nb for p in PLANTS[::3]] + [nb for _, nb in controls()] + name_variants()
    expected = [check(nb) for nb in notebooks]
    monkeypatch.setattr(
        scanner,
        "_lines_of_hits",
        lambda texts, big, hits, accept: {i: list(range(t.count("\n") + 1)) for i, t in enumerate(texts)},
    )
    monkeypatch.setattr(scanner, "_windows", lambda line: [line])
    monkeypatch.setattr(scanner, "_table_windows", lambda table, line: [line])
    assert [check(nb) for nb in notebooks] == expected
    assert any(expected)


# --- the prefilter's fast pass ------------------------------------------------------


def reference_candidate_lines(text: str) -> list[int]:
    """The candidate lines by definition: every line where an anchor matches, found with
    one search of each anchor regex over the whole text (the slow way)."""
    found: set[int] = set()
    for regex, scanned in ((scanner._LOWER_ANCHORS, text.lower()), (scanner._CASED_ANCHORS, text)):
        pos, line = 0, 0
        while (match := regex.search(scanned, pos)) is not None:
            line += scanned.count("\n", pos, match.start())
            found.add(line)
            pos = scanned.find("\n", match.start())
            if pos < 0:
                break
    return sorted(found)


# One text per alternative of the anchors (and spellings of it), each a candidate.
ANCHOR_EXAMPLES = [
    *("api_key", "APIKEY", "auth_key", "service_key", "account_key", "db_key", "database_key"),
    *("priv_key", "private_key", "client_key", "passw", "db_pass", "database_pass", "key_pass"),
    *("pwd", "Secret", "contrase", "token='ab12cd34'", 'token\'] = "x1y2z3w4"', 'TOKEN" : "Abcdefg1"'),
    *("auth:abcdefg1", "access != b'abcdefg1'", "accesskey=abcdefg1", "access_key = `abcdefg1`"),
    *("access-key: u'abcdefg1'", "credential=abcdefg1", "Credentials: ABCDEFG1", "creds = r'abcdefg1'"),
    *("token => 'abcdefg²'", "token := 'İİİİabc1'", "%env X=1", "%set_env X 1", "environ['X'] = 'v'"),
    *("os.environ[ 'X' ]= r'v'", "setdefault('X', 'v')", 'putenv("X",b"v")', "Authorization"),
    *("os.getenv('X', 'v')", 'environ.get( "X",u"v")', "https://user:pw@host"),
    *("api_\u212aey", "İ passw", "\u212aey_pass", "dbpass", "databasepass", "keypass"),
    *("curl -u", "curl --user", "curl\t-u", "curl\t--user", "-u", "--user", "curl\xa0-u", "curl\u2003--user"),
]


@pytest.mark.parametrize("example", ANCHOR_EXAMPLES)
def test_the_fast_pass_finds_every_anchor_alternative_wherever_it_stands(example):
    first_line = example.split("\n")[0]
    assert reference_candidate_lines(example) == [0]
    texts = [
        example,
        f"x = 1\n{example}",
        f"{example} tail\nmore",
        f"a\nb\n  {first_line}\nc",
        "",
        example.upper(),
        f"x\n{example}\n{example}\ny",
    ]
    assert scanner.candidate_lines_of(texts) == [reference_candidate_lines(t) for t in texts]
    assert scanner.candidate_lines(example) == [0]


# Pieces that combine into anchors, near misses and the characters that matter to
# them: whitespace and newlines, quotes, separators, characters whose lower-case
# form is longer (İ) or is ASCII (Kelvin sign), final sigma.
FRAGMENTS = [
    *(piece for example in ANCHOR_EXAMPLES for piece in re.split(r"(?<=[_\-.:= ])", example)),
    *("tok", "en", "api", "key", "pass", "aut", "h", "acc", "ess", "sec", "ret", "cl", "ou", "sl"),
    *("A", "K", "I", "S", "P", "-", "_", "'", '"', "]", "[", "(", ":", "=", "!", "@", "/", "//"),
    *(" ", "  ", "\t", "\n", "\n\n", "\r\n", "x", "7", "12345678", "İ", "\u212a", "Σ", "é"),
    *("`", "r'", "b'", ",", "abcdefg", "²", "=>", ":=", "!=", "==", "environ", "%env", "putenv("),
]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.lists(st.sampled_from(FRAGMENTS), max_size=40).map("".join), max_size=6))
def test_the_fast_pass_gives_exactly_the_lines_where_an_anchor_matches(texts):
    assert scanner.candidate_lines_of(texts) == [reference_candidate_lines(t) for t in texts]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=40).map("".join))
def test_no_anchor_runs_past_the_end_of_a_line(text):
    # detect-secrets reads one line at a time; the fast pass checks each hit's line alone
    for regex, scanned in ((scanner._LOWER_ANCHORS, text.lower()), (scanner._CASED_ANCHORS, text)):
        assert all("\n" not in match.group() for match in regex.finditer(scanned))


@pytest.mark.corpus
def test_the_fast_pass_gives_exactly_the_anchor_lines_on_the_corpus():
    compared = 0
    for path, nb in readable_corpus_notebooks():
        texts = [part.text for part in notebook.iter_parts(nb)]
        assert scanner.candidate_lines_of(texts) == [reference_candidate_lines(t) for t in texts], path
        compared += 1
    assert compared > 1800


def test_skipping_plugins_whose_regexes_miss_a_line_changes_nothing(monkeypatch):
    notebooks = [p.nb for p in PLANTS] + [nb for _, nb in controls()] + name_variants()
    expected = [check(nb) for nb in notebooks]
    engine = scanner._Engine()
    assert sum(gate is not None for gate in engine._gates) >= 5  # most plugins are skipped by their regexes
    monkeypatch.setattr(scanner, "_regex_gate", lambda plugin: None)
    assert [check(nb) for nb in notebooks] == expected
    assert any(expected)


def _every_line(texts):
    return {index: list(range(text.count("\n") + 1)) for index, text in enumerate(texts)}


# Pieces of lines: every fake token, keywords, assignments, quotes, and what the
# plugins' own patterns and nbguard's gates key on.
GATE_PIECES = [
    *(build("gate") for build in ft.VENDOR_TOKENS.values()),
    *(ft.slack_webhook("gate"), ft.azure_storage("gate"), ft.npm("gate"), ft.private_key("gate")),
    *("password", "api_key", "secret", "TOKEN", "accessKey", "auth", "credentials", "aws_secret_access_key"),
    *("=", ":", " = ", "==", "'", '"', "`", "r'", "(", ")", "[", "]", ",", ";", " ", "\t", "\xa0"),
    *("%env", "os.environ[", "setdefault(", "putenv(", "curl", "-u", "--user", "Authorization", "Bearer"),
    *("https://", "user:", "@host", "cloudant", "softlayer", "cl_", "sl-", "ibm_cloud_iam", "cos_hmac"),
    *(ft.password("gate"), ft.aws_secret_key("gate"), "a1b2" * 11, "0123456789abcdef" * 4, "xoxb-1-2-x"),
]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(GATE_PIECES), min_size=1, max_size=8).map("".join))
def test_plugins_are_skipped_only_on_lines_where_they_find_nothing(line):
    from unittest import mock

    nb = make_nb(code(line), markdown(line))
    with mock.patch.object(scanner, "_lines_of_hits", lambda texts, big, hits, accept: _every_line(texts)):
        gated = check(nb)
        with mock.patch.object(scanner, "_regex_gate", return_value=None):
            assert check(nb) == gated


# Lines with an assignment that nbguard's keyword plugins read, in many spellings.
_NAMES = [
    *("token", "HF_TOKEN", "accessToken", "auth", "basic_auth", "access", "access_key", "accessKey"),
    *("ACCESS-KEY", "x.credential", "credentials", "gcpCredentials", "creds", "my-Token", "to\u212aen"),
    # not TOKEN_İ: name_words drops non-ASCII words, and no anchor allows that (nor ever did)
    *("TOKEN_i", "tokens", "key"),
]
_VALUES = [
    ft.password("kw"),
    "abcdefg\u00b2",
    "\u0130\u0130\u0130\u0130abc1",
    "a/b/c1.json",
    "short1",
    "x1y2,z;3",
]


@st.composite
def _keyword_lines(draw: st.DrawFn) -> str:
    """An assignment nbguard's keyword plugin may read, in one of many spellings."""
    quote = draw(st.sampled_from(["", "'", '"', "`"]))
    value = draw(st.sampled_from(_VALUES) | st.text(st.sampled_from("aZ9_-.,;)\u0130\u00b2/\\"), max_size=12))
    value = value if draw(st.booleans()) else _VALUES[0]  # half the time, a value the plugin reports
    pieces = [
        draw(st.sampled_from(["", "x = {", "f(", "  ", "os.environ."])),
        draw(st.sampled_from(_NAMES)),
        draw(st.sampled_from(["", "", "'", '"', "']", '"]'])),
        draw(st.sampled_from(["", " ", "\t"])),
        draw(st.sampled_from([":=", "=>", "==", "!=", "=", ":", " "])),
        draw(st.sampled_from(["", " ", "\xa0"])),
        draw(st.sampled_from(["", "", "r", "b", "U", "f"])) if quote else "",
        quote,
        value,
        quote if draw(st.booleans()) else draw(st.sampled_from(["", ")", ",", " # note", "'\nnext = 1"])),
    ]
    return "".join(pieces)


_KEYWORD_LINES = _keyword_lines()
_ENV_LINES = st.tuples(
    st.sampled_from(["%env ", "%set_env ", "%env\t", "os.environ[", "os.environ.setdefault(", "os.putenv("]),
    st.sampled_from(["", " ", "'", '"']),
    st.sampled_from(["HF_TOKEN", "API_KEY", "DB_PASSWORD", "MY_SECRET", "\u0130_TOKEN", "Pat"]),
    st.sampled_from(["", "'", '"']),
    st.sampled_from(["", " ", "]", "] ", ",", ", "]),
    st.sampled_from(["", "=", " = ", " "]),
    st.sampled_from(["", "r", "b"]),
    st.sampled_from(["", "'", '"']),
    st.sampled_from([ft.password("env"), "value12", "abc"]),
    st.sampled_from(["", "'", '"', ")", "'\n"]),
).map("".join)


@settings(max_examples=600, deadline=None)
@given(_KEYWORD_LINES | _ENV_LINES)
def test_the_anchors_hold_every_line_where_nbguards_keyword_plugins_find_a_value(text):
    # the engine reads each line alone; the anchors for these plugins require their whole pattern
    for line in text.split("\n"):
        keyword, environment = cp.TokenKeywordDetector(), cp.EnvironmentSecretDetector()
        if any(
            [
                *keyword.analyze_string(line, unquoted=False),
                *keyword.analyze_string(line, unquoted=True),
                *environment.analyze_string(line),
            ]
        ):
            assert scanner.candidate_lines(line) == [0], line


def test_check_leaves_detect_secrets_settings_as_they_were():
    from detect_secrets.settings import get_settings

    before = get_settings().json()
    assert check(make_nb(code(f'password = "{PW}"')))
    assert get_settings().json() == before


def test_the_scan_uses_none_of_detect_secrets_private_scan_helpers(monkeypatch):
    from detect_secrets.core import scan

    notebooks = [p.nb for p in PLANTS[::5]]
    expected = [check(nb) for nb in notebooks]

    def private(*args, **kwargs):
        raise AssertionError("a private helper of detect_secrets.core.scan was called")

    for name in dir(scan):
        if name.startswith("_") and not name.startswith("__") and callable(getattr(scan, name)):
            monkeypatch.setattr(scan, name, private)
    assert [check(nb) for nb in notebooks] == expected
    assert [secrets.make_check({})(nb) for nb in notebooks] == expected
    assert any(expected)


def test_nothing_is_verified_even_where_the_settings_in_force_would_verify(monkeypatch):
    from detect_secrets.plugins.base import BasePlugin
    from detect_secrets.settings import get_settings, transient_settings

    nb = make_nb(code([f'password = "{PW}"\n', f'token = "{GH}"\n']))
    expected = check(nb)
    verified = []

    def verify(self, secret):  # named as the method: detect-secrets finds it on the class by name
        verified.append(type(self).__name__)

    monkeypatch.setattr(BasePlugin, "verify", verify)
    policy = {"path": "detect_secrets.filters.common.is_ignored_due_to_verification_policies", "min_level": 2}
    with transient_settings({"plugins_used": [], "filters_used": [policy]}):  # a caller's verifying scan
        theirs = get_settings().json()
        assert check(nb) == expected
        assert secrets.make_check({})(nb) == expected
        assert get_settings().json() == theirs
    assert verified == []
    assert len(expected) == 2


def test_the_command_line_scanner_keeps_its_engine_and_leaves_the_settings_as_they_were(monkeypatch):
    import pickle

    from detect_secrets import settings as ds_settings
    from detect_secrets.settings import get_settings

    notebooks = [p.nb for p in PLANTS[::5]] + [nb for _, nb in controls()]
    expected = [check(nb) for nb in notebooks]
    with_candidates = sum(
        any(scanner.candidate_lines_of(notebook.part_texts(nb, skip_tagged=secrets.ALLOW_TAG)[0]))
        for nb in notebooks
    )
    entered = []
    real_transient = ds_settings.transient_settings

    def counted(config):
        entered.append(config)
        return real_transient(config)

    monkeypatch.setattr(ds_settings, "transient_settings", counted)
    made = secrets.make_check({})
    before = get_settings().json()
    found = []
    for nb in notebooks:
        found.append(made(nb))
        assert get_settings().json() == before  # nothing left in force after each call
    assert found == expected
    assert any(expected)
    engine = made._engine
    assert engine is not None
    # entered once per notebook that has a candidate line, and only for those
    assert 0 < len(entered) == with_candidates < len(notebooks)
    assert made(notebooks[0]) == expected[0]
    assert made._engine is engine  # made once, kept
    with real_transient({"plugins_used": [], "filters_used": []}):  # someone else's scan
        theirs = get_settings().json()
        assert made(notebooks[0]) == expected[0]
        assert get_settings().json() == theirs
    assert get_settings().json() == before
    copy = pickle.loads(pickle.dumps(made))  # noqa: S301 - as sent to a worker process: without the engine
    assert copy == made
    assert copy._engine is None
    assert [copy(nb) for nb in notebooks] == expected
    assert pickle.loads(pickle.dumps(secrets.make_check({"allow-fingerprints": ["0123456789ab"]}))) == (  # noqa: S301 - our own pickle
        scanner.Scanner(frozenset({"0123456789ab"}))
    )


def test_the_command_line_says_nothing_on_standard_error_when_it_exits(tmp_path):
    nb = write_nb(tmp_path / "a.ipynb", make_nb(code(f'password = "{PW}"')))
    for command in ("secrets", "check"):
        proc = subprocess.run(
            [sys.executable, "-m", "nbguard", command, "--isolated", str(nb)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert (proc.returncode, proc.stderr) == (1, "")
        assert "NBG202" in proc.stdout


@pytest.mark.parametrize(
    ("source", "loaded"),
    [("x = 1\nprint(x)", False), (f'password = "{PW}"', True)],
)
def test_detect_secrets_is_imported_only_for_notebooks_with_a_candidate(source, loaded):
    script = (
        "import sys; from nbguard.checks import secrets; "
        f"secrets.check({make_nb(code(source))!r}); print('detect_secrets' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert out.strip() == str(loaded)


def test_a_commits_worth_of_text_is_searched_without_loading_google_re2():
    """re2's prefilter costs about 10 ms to start: it waits for a repository's worth of text."""
    script = (
        "import sys; from nbguard.checks import secrets; "
        f"print(len(secrets.check({make_nb(code(f'token = {GH!r}'))!r})), 're2' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["1", "False"]


# --- command line ------------------------------------------------------------------


def test_main_prints_one_line_per_finding_in_the_shared_format(tmp_path, capsys):
    a = write_nb(
        tmp_path / "a.ipynb", make_nb(markdown("# Title"), code(["import os\n", f'token = "{GH}"\n']))
    )
    b = write_nb(tmp_path / "b.ipynb", make_nb(code("x = 1")))
    c = write_nb(tmp_path / "c.ipynb", make_nb(metadata={"widgets": widgets({"m": password_model(PW)})}))
    assert main(["--isolated", str(a), str(b), str(c)]) == 1
    assert capsys.readouterr().out == (
        f"{a}:cell 2:line 2: NBG201 GitHub personal access token in source (ghp_… 40 characters, "
        f"fingerprint {fingerprint(GH)}); revoke it: https://github.com/settings/tokens\n"
        f"{c}: NBG204 Password Widget Value in widget state (fingerprint {fingerprint(PW)})\n"
    )
    assert main(["--isolated", str(b)]) == 0
    assert capsys.readouterr().out == ""


def test_main_json_carries_fingerprints(tmp_path, capsys):
    a = write_nb(tmp_path / "a.ipynb", make_nb(code(f'password = "{PW}"')))
    assert main(["--isolated", "--format", "json", str(a)]) == 1
    [item] = json.loads(capsys.readouterr().out)
    assert item == {
        "path": str(a),
        "cell": 1,
        "line": 1,
        "code": "NBG202",
        "check": "secrets",
        "message": f"Secret Keyword in source (fingerprint {fingerprint(PW)})",
        "fingerprint": fingerprint(PW),
    }


def test_main_allows_fingerprints_from_the_command_line_and_configuration(tmp_path, capsys):
    other = ft.password("other")
    nb = write_nb(tmp_path / "a.ipynb", make_nb(code(f'password = "{PW}"\nsecret = "{other}"')))
    args = ["--isolated", f"--allow-fingerprints={fingerprint(PW)},{fingerprint(other).upper()}", str(nb)]
    assert main(args) == 0
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.nbguard]\nallow-fingerprints = ["{fingerprint(PW)}", "{fingerprint(other)}"]\n'
    )
    assert main([str(nb)]) == 0
    assert main(["--isolated", str(nb)]) == 1
    assert capsys.readouterr().out.count("NBG202") == 2


def test_main_rejects_a_malformed_fingerprint_without_echoing_it(tmp_path, capsys):
    nb = write_nb(tmp_path / "a.ipynb", make_nb(code("x = 1")))
    assert main(["--isolated", "--allow-fingerprints", PW, str(nb)]) == 2
    out, err = capsys.readouterr()
    assert "invalid fingerprint" in err
    assert PW not in out + err


def test_main_reports_unreadable_files_and_goes_on(tmp_path, capsys):
    bad = tmp_path / "bad.ipynb"
    bad.write_text("{not json")
    good = write_nb(tmp_path / "good.ipynb", make_nb(code(f'password = "{PW}"')))
    assert main(["--isolated", str(bad), str(good)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"{bad}: NBG001 invalid JSON")
    assert out[1].startswith(f"{good}:cell 1:line 1: NBG202")


def _leaky_notebooks(tmp_path) -> tuple[list[str], list[str]]:
    paths, values = [], []
    for index, plant in enumerate(PLANTS[::4]):
        if plant.nb.get("nbformat") == 4:
            paths.append(str(write_nb(tmp_path / f"n{index}.ipynb", plant.nb)))
        else:
            (tmp_path / f"n{index}.ipynb").write_text(json.dumps(plant.nb))
            paths.append(str(tmp_path / f"n{index}.ipynb"))
    values.extend(build("planted") for build in ft.VENDOR_TOKENS.values())
    values += [ft.password("planted"), ft.password("special")]
    return paths, values


@pytest.mark.parametrize("fmt", formats.FORMATS)
def test_no_secret_value_appears_in_any_output_format(tmp_path, capsys, fmt):
    paths, values = _leaky_notebooks(tmp_path)
    assert main(["--isolated", "--format", fmt, *paths]) == 1
    out, err = capsys.readouterr()
    assert out.count("fingerprint") >= len(paths)
    leaked = [v for v in values if v in out + err or v[-10:] in out + err]
    assert leaked == []


def test_an_internal_error_is_reported_without_its_message(tmp_path, capsys, monkeypatch):
    def boom(hits):
        raise ValueError(f"could not handle {PW}")

    monkeypatch.setattr(scanner, "_best_per_line", boom)
    nb = write_nb(tmp_path / "a.ipynb", make_nb(code(f'password = "{PW}"')))
    assert main(["--isolated", str(nb)]) == 1
    out, err = capsys.readouterr()
    assert out == f"{nb}: NBG001 secrets scan failed (ValueError)\n"
    assert PW not in out + err


def test_the_example_notebook_is_caught(capsys):
    from pathlib import Path

    example = Path(__file__).resolve().parents[1] / "examples" / "leaky_credentials.ipynb"
    assert main(["--isolated", str(example)]) == 1
    codes = [line.split(": ")[1].split()[0] for line in capsys.readouterr().out.splitlines()]
    assert {"NBG202", "NBG204"} <= set(codes)


# --- the real corpus ---------------------------------------------------------------


@pytest.mark.corpus
def test_corpus_scans_without_errors_and_findings_are_well_formed():
    scanned = 0
    for _path, nb in readable_corpus_notebooks():
        scanned += 1
        for f in check(nb):
            assert f.code in ("NBG201", "NBG202", "NBG203", "NBG204", "NBG205")
            assert f.fingerprint is not None
            assert f"fingerprint {f.fingerprint})" in f.message
            assert f.line is not None
            assert f.line >= 1
    assert scanned > 1800


# Issue 20's false alarms, as data scientists write them: documented example values and
# placeholders are not findings. (Values are assembled here so that no scanner of this
# repository sees them whole.)
AWS_EXAMPLE_ID = "AKIA" + "IOSFODNN7" + "EXAMPLE"
AWS_EXAMPLE_SECRET = "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCY" + "EXAMPLEKEY"


@pytest.mark.parametrize(
    "source",
    [
        f'aws_access_key_id = "{AWS_EXAMPLE_ID}"',
        f'aws_secret_access_key = "{AWS_EXAMPLE_SECRET}"',
        f"%env AWS_ACCESS_KEY_ID={AWS_EXAMPLE_ID}",
        'client = Anthropic(api_key="ANTHROPIC KEY HERE")',
        'client = OpenAI(api_key="EMPTY", base_url="http://localhost:8000/v1")',
        'client = OpenAI(base_url="http://localhost:8080/v1", api_key="sk-no-key-required")',
        'headers = {"Authorization": "bearer <your-api-key>"}',
        'SLACK_TOKEN = "' + "xo" + "xp-1234567890-" + "x" * 12 + "-" + "x" * 13 + "-" + "x" * 32 + '"',
    ],
)
def test_documented_examples_and_placeholders_are_not_findings(source):
    assert check(make_nb(code(source))) == []


def test_a_real_looking_aws_key_next_to_the_example_is_still_found():
    key = "AKIA" + "4Q7ZLMN3" + "RTYVBX2W"
    found = check(make_nb(code(f'aws_access_key_id = "{AWS_EXAMPLE_ID}"\nother = "{key}"')))
    assert [(f.code, f.line) for f in found] == [("NBG201", 2)]


def _sas_url() -> str:
    """An Azure Storage SAS URL as the portal writes it, with a random signature."""
    signature = urllib.parse.quote(base64.b64encode(os.urandom(32)).decode(), safe="")
    return (
        "https://acct.blob.core.windows.net/data?sp=rl&st=2024-01-01T00:00:00Z&se=2030-01-01T00:00:00Z"
        f"&spr=https&sv=2022-11-02&sr=c&sig={signature}"
    )


def test_an_azure_sas_token_is_found_in_a_source_and_in_a_kept_output():
    url = _sas_url()
    nb = make_nb(code(f'url = "{url}"'), code("print(url)", count=1, outputs=[stream(url + "\n")]))
    found = [(f.code, f.cell, f.message.split(" (")[0]) for f in check(nb)]
    assert found == [
        ("NBG201", 1, "Azure Storage SAS token in source"),
        ("NBG201", 2, "Azure Storage SAS token in output 1 stream"),
    ]
    assert len({f.fingerprint for f in check(nb)}) == 1  # the same signature, one fingerprint


def test_a_sas_query_without_a_signature_value_is_not_a_finding():
    assert check(make_nb(code('query = "?sv=2022-11-02&sig=" + signature'))) == []


@pytest.mark.parametrize("command", [["secrets"], ["check", "--no-strip"]])
def test_allow_fingerprints_on_the_command_line_add_to_the_configured_ones(
    tmp_path, capsys, monkeypatch, command
):
    from nbguard import cli

    other = ft.password("other")
    nb = write_nb(tmp_path / "a.ipynb", make_nb(code(f'password = "{PW}"\nsecret = "{other}"')))
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text(f'[tool.nbguard]\nallow-fingerprints = ["{fingerprint(PW)}"]\n')
    monkeypatch.chdir(tmp_path)
    assert cli.main([*command, "--format=json", str(nb)]) == 1
    assert [f["fingerprint"] for f in json.loads(capsys.readouterr().out)] == [fingerprint(other)]
    assert cli.main([*command, f"--allow-fingerprints={fingerprint(other)}", str(nb)]) == 0
