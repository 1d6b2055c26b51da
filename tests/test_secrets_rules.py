"""The vendor table (checks/secrets/rules.py), row by row: each row's own example, built at run
time from its template, is found in every form; its placeholder, its value without the
context it needs and a broken checksum are not. Then the flow of a secret into a kept output
(NBG205), custom rules from configuration, and issue 20's false alarms."""

from __future__ import annotations

import random
import re
import shlex
import string
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fake_tokens as ft
from nbfactory import (
    code,
    execute_result,
    make_nb,
    markdown,
    readable_corpus_notebooks,
    stream,
    subcommand,
    write_nb,
)
from nbguard.checks.secrets import check, fingerprint, rules, scanner, table

ROWS = rules.table()
IDS = [rule.id for rule in ROWS]
TABLE = table.Table(ROWS)
main = subcommand("secrets")


def value_of(rule: rules.Rule, seed: str = "") -> str:
    return rule.build(random.Random(rule.id + seed))


def secret_fingerprint(rule: rules.Rule, value: str, planted: str = "") -> str:
    if rule.code == "NBG203":  # a private key is fingerprinted by its body
        return fingerprint(scanner._private_key_value((planted or value).split("\n"), 0))
    return fingerprint(rule.secret_of(value))


def titles_for(value: str) -> set[str]:
    """The titles of every row whose pattern matches ``value`` (a Paystack key is also Stripe's)."""
    return {r.title for r in ROWS if re.search(r.pattern, value)}


def by_rule(nb, rule: rules.Rule, value: str) -> list:
    """The findings that rule, or another row matching the same value, reports."""
    titles = titles_for(value)
    return [f for f in check(nb) if f.message.split(" in ")[0] in titles]


def test_the_table_has_every_format_the_issue_asks_for():
    assert len(ROWS) >= 200
    assert len(set(IDS)) == len(IDS)
    vendors = {rule.vendor for rule in ROWS}
    data_stack = {
        *(
            "OpenAI",
            "Anthropic",
            "Cohere",
            "Mistral AI",
            "Groq",
            "xAI",
            "DeepSeek",
            "Perplexity",
            "OpenRouter",
        ),
        *("Together AI", "Replicate", "Hugging Face", "LangSmith", "Pinecone", "Weaviate", "Qdrant"),
        *(
            "Weights & Biases",
            "Comet",
            "Neptune",
            "Databricks",
            "Snowflake",
            "Kaggle",
            "Google",
            "AWS",
            "Azure",
        ),
        *("Alibaba Cloud", "DigitalOcean", "HashiCorp Vault", "HashiCorp Terraform", "Pulumi", "ClickHouse"),
        *("PlanetScale", "Supabase", "Prefect", "Slack", "Microsoft Teams", "Discord", "Telegram", "Twilio"),
        *("SendGrid", "Mailgun", "Stripe", "npm", "PyPI", "GitHub", "GitLab", "Bitbucket", "Atlassian"),
        *("Notion", "Grafana", "Sentry", "Datadog", "New Relic", "JSON Web Token", "age", "Private key"),
        *("PostgreSQL", "MySQL", "MongoDB", "Redis", "RabbitMQ", "JDBC", "ODBC", "1Password", "Heroku"),
        *("HubSpot", "Plaid", "Snyk", "Sourcegraph", "Squarespace", "Facebook"),
    }
    assert data_stack <= vendors
    ids = set(IDS)
    assert {"openai-project", "openai-service-account", "openai-admin"} <= ids
    assert {"gcp-service-account", "gcp-api-key", "gcp-oauth-client-secret", "gcp-refresh-token"} <= ids
    assert {"aws-access-key", "aws-secret-key", "aws-session-token", "aws-bedrock-long-term"} <= ids
    assert {"azure-storage-key", "azure-sas", "azure-ad-client-secret", "azure-openai", "azure-cosmos"} <= ids
    assert {
        "azure-devops-pat",
        "slack-bot",
        "slack-user",
        "slack-app",
        "slack-refresh",
        "slack-webhook",
    } <= ids
    assert {"stripe-live", "stripe-test", "stripe-restricted", "mongodb-url", "pem-pkcs8-encrypted"} <= ids
    assert {"github-pat", "github-oauth", "github-user-to-server", "github-server-to-server"} <= ids
    assert {
        "github-refresh",
        "github-fine-grained",
        "pem-rsa",
        "pem-ec",
        "pem-openssh",
        "pem-pgp",
        "putty",
    } <= ids


@pytest.mark.parametrize("rule", ROWS, ids=IDS)
def test_a_row_is_well_formed(rule):
    assert re.fullmatch(r"[a-z0-9][a-z0-9-]+", rule.id)
    assert rule.revoke
    assert rule.keywords or rule.anchor
    assert all(k and (rule.cased or k == k.lower()) for k in rule.keywords)
    assert rule.code in ("NBG201", "NBG203")
    value = value_of(rule)
    line = f'{rule.env} = """{value}"""'
    # The prefilter is made from the rows: every example line is a candidate, for both engines.
    assert table.Table(ROWS).hits(line)
    assert TABLE.hit_lines(line, fast=False) == TABLE.hit_lines(line, fast=True)
    assert TABLE.hit_lines(line)[:1] == [0]
    in_line = any(k in (line if rule.cased else line.lower()) for k in rule.keywords)
    assert in_line or re.search(rule.anchor, line, re.IGNORECASE)
    if rule.context:  # the context is the keywords, and the conventional name holds one
        assert any(k in rule.env.lower() for k in rule.keywords)


@pytest.mark.parametrize("rule", ROWS, ids=IDS)
def test_every_row_finds_its_example_and_names_it_masked(rule):
    value = value_of(rule)
    planted = f'{rule.env} = """{value}"""'
    findings = by_rule(make_nb(code(planted)), rule, value)
    assert [(f.code, f.fingerprint) for f in findings] == [
        (rule.code, secret_fingerprint(rule, value, planted))
    ]
    message = findings[0].message
    assert "; revoke it: " in message
    if message.startswith(rule.title + " in "):
        assert message.endswith(f"; revoke it: {rule.revoke}")
    assert rule.secret_of(value) not in message
    assert re.search(r"\(\S*… \d+ characters, fingerprint [0-9a-f]{12}\)", message)


@pytest.mark.parametrize("rule", [r for r in ROWS if "\n" not in value_of(r)], ids=lambda r: r.id)
def test_every_row_finds_its_example_in_dotenv_markdown_and_a_kept_output(rule):
    value = value_of(rule, "forms")
    want = secret_fingerprint(rule, value)
    nb = make_nb(
        code(f"%%writefile .env\n{rule.env}={value}\n"),
        markdown(f"```yaml\n{rule.env.lower()}: {value}\n```"),
        code("!cat .env", outputs=[stream(f"{rule.env}={value}\n")]),
    )
    assert {(f.cell, f.fingerprint) for f in by_rule(nb, rule, value)} == {(1, want), (2, want), (3, want)}


@pytest.mark.parametrize("rule", [r for r in ROWS if isinstance(r.example, tuple)], ids=lambda r: r.id)
def test_no_row_reports_its_placeholder(rule):
    written = rules.placeholder(rule.example)  # every random character written as x
    assert check(make_nb(code(f'{rule.env} = """{written}"""'))) == []


@pytest.mark.parametrize("rule", [r for r in ROWS if r.context], ids=lambda r: r.id)
def test_a_row_that_needs_context_is_silent_without_it(rule):
    value = value_of(rule, "bare")
    assert [
        f for f in check(make_nb(code(f'value = """{value}"""'))) if f.message.startswith(rule.title)
    ] == []


@pytest.mark.parametrize(
    ("token", "found"),
    [
        (ft.github_classic("a"), True),
        (ft.github_classic("a", prefix="o"), True),
        (ft.github_classic("a")[:-1] + "0", False),  # the checksum no longer matches
        ("gh" + "p_" + ft.rand("x", ft.ALNUM, 36), False),  # 36 random characters: no checksum
        (ft.npm_token("a"), True),
        (ft.npm_token("a")[:-2] + "zz", False),
    ],
)
def test_github_and_npm_tokens_carry_a_crc32(token, found):
    assert bool(check(make_nb(code(f'value = "{token}"')))) is found


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (ft.pypi("a"), True),
        ("pypi-" + "AgENdGVzdC5weXBpLm9yZw" + ft.rand("t", ft.URLSAFE, 80), True),  # test.pypi.org
        ("pypi-" + "AgEIcHlwaS5vcmX" + ft.rand("t", ft.URLSAFE, 80), False),  # another location
    ],
)
def test_pypi_tokens_are_macaroons_for_pypi(value, expected):
    assert rules.pypi_macaroon_ok(value) is expected


def test_a_jwt_is_reported_only_when_signed():
    signed = ft.jwt("a")
    unsigned = "eyJhbGciOiJub25lIn0." + signed.split(".")[1] + "."
    assert rules.jwt_signed(signed)
    assert not rules.jwt_signed(unsigned)
    assert check(make_nb(code(f'value = "{unsigned}"'))) == []


# Issue 20, point 3: AWS's documented example KMS key ARN, inside which the Telegram pattern
# (digits, a colon, 35 characters) matched; a real Telegram token is still found.
KMS_ARN = "arn:aws:kms:us-west-2:111122223333:key/" + "1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.mark.parametrize(
    "source",
    [
        f'key_arn = "{KMS_ARN}"',
        f"kms = boto3.client('kms')\nkms.describe_key(KeyId='{KMS_ARN}')",
        "print('111122223333:" + "1234abcd-12ab-34cd-56ef-1234567890ab')",
        f"Encrypt with `{KMS_ARN}` (the documented example)",
    ],
)
def test_the_documented_kms_key_arn_is_not_a_telegram_token(source):
    assert check(make_nb(code(source), markdown(source))) == []


def test_a_telegram_token_is_found():
    token = ft.telegram("a")
    assert [f.code for f in check(make_nb(code(f'bot = Bot("{token}")')))] == ["NBG201"]


# Firebase web configs: Google documents their apiKey as a public identifier (it names the
# project; security rules and App Check protect the data). Not reported there; the same
# AIza format anywhere else (a Gemini or Maps key) still is.
def test_a_firebase_web_config_api_key_is_not_reported():
    key = ft.google_api_key("fb")
    config = (
        "const firebaseConfig = {\n"
        f'  apiKey: "{key}",\n'
        '  authDomain: "demo-app.firebaseapp.com",\n'
        '  projectId: "demo-app",\n'
        "};"
    )
    assert check(make_nb(code(config), markdown(f"```js\n{config}\n```"))) == []
    assert check(make_nb(code(f'firebase_config = {{"apiKey": "{key}"}}'))) == []
    elsewhere = check(make_nb(code(f'genai.configure(api_key="{key}")')))
    assert [f.message.split(" in ")[0] for f in elsewhere] == ["Google API key"]


# --- the forms of point 2 ---------------------------------------------------------

HF = ft.hugging_face("forms")
PG = "postgresql://analyst:" + ft.password("pg") + "@db.internal:5432/sales"


@pytest.mark.parametrize(
    "nb",
    [
        pytest.param(make_nb(code(f"client = InferenceClient('{HF}')")), id="bare-string"),
        pytest.param(make_nb(code(f"%%writefile .env\nHF_TOKEN={HF}\n")), id="writefile-env"),
        pytest.param(make_nb(code(f"%%writefile settings.ini\n[hf]\ntoken = {HF}\n")), id="writefile-ini"),
        pytest.param(make_nb(code(f"%%writefile c.yaml\nhf:\n  token: {HF}\n")), id="writefile-yaml"),
        pytest.param(make_nb(code(f'%%writefile c.toml\n[hf]\ntoken = "{HF}"\n')), id="writefile-toml"),
        pytest.param(make_nb(code(f'%%writefile c.json\n{{"token": "{HF}"}}\n')), id="writefile-json"),
        pytest.param(make_nb(markdown(f"token: {HF}")), id="markdown-yaml"),
        pytest.param(make_nb(code(f"%env HF_TOKEN={HF}")), id="env-magic"),
        pytest.param(make_nb(code(f"%set_env HF_TOKEN={HF}")), id="set-env-magic"),
        pytest.param(make_nb(code(f"!export HF_TOKEN={HF}")), id="shell-export"),
        pytest.param(make_nb(code(f'os.environ["HF_TOKEN"] = "{HF}"')), id="os-environ"),
        pytest.param(make_nb(code(f'token = os.getenv("HF_TOKEN", "{HF}")')), id="getenv-default"),
        pytest.param(
            make_nb(code(f'requests.get(u, headers={{"Authorization": "Bearer {HF}"}})')), id="header"
        ),
        pytest.param(make_nb(code(f'requests.get("https://huggingface.co/api?token={HF}")')), id="url"),
        pytest.param(
            make_nb(code(f'requests.get("https://api.huggingface.co/v1?api_key={HF}")')),
            id="url-where-an-anchor-overlaps-a-keyword",  # ".huggin" is no anchor, ".cohere." would be
        ),
        pytest.param(make_nb(code("x", outputs=[stream(f"HF_TOKEN={HF}\n")])), id="output-text"),
        pytest.param(
            make_nb(code("x", outputs=[execute_result({"text/html": f"<td>{HF}</td>"})])), id="output-html"
        ),
        pytest.param(
            make_nb(code("x", outputs=[execute_result({"application/json": {"token": HF}})])),
            id="output-json",
        ),
    ],
)
def test_a_token_is_found_in_every_form_a_notebook_holds_it(nb):
    assert [(f.code, f.fingerprint) for f in check(nb)] == [("NBG201", fingerprint(HF))]


@pytest.mark.parametrize(
    ("source", "name"),
    [
        (f'key = os.getenv("OPENAI_API_KEY", "{ft.password("d")}")', "Secret Environment Variable"),
        (f"%%writefile .env\nDB_PASSWORD={ft.password('e')}\n", "Secret Keyword"),
        (f"%%writefile app.cfg\n[db]\npassword = {ft.password('e')}\n", "Secret Keyword"),
    ],
)
def test_a_secret_without_a_vendor_format_is_found_in_config_forms(source, name):
    assert [f.message.split(" in ")[0] for f in check(make_nb(code(source)))] == [name]


def test_a_database_url_password_is_fingerprinted_alone():
    findings = check(make_nb(code(f'engine = create_engine("{PG}")')))
    assert [(f.code, f.fingerprint) for f in findings] == [("NBG201", fingerprint(ft.password("pg")))]
    assert check(make_nb(code('engine = create_engine("postgresql://user:password@localhost/db")'))) == []
    assert check(make_nb(code('url = f"postgresql://{user}:{password}@{host}/db"'))) == []


# --- NBG205: a secret printed in a kept output --------------------------------------

SHOWN = [stream("value shown\n")]


@pytest.mark.parametrize(
    ("source", "line", "what"),
    [
        ('import os\nprint(os.environ["OPENAI_API_KEY"])', 2, "Secret environment variable OPENAI_API_KEY"),
        ("import os\nos.getenv('HF_TOKEN')", 2, "Secret environment variable HF_TOKEN"),
        ("from getpass import getpass\npw = getpass()\nprint(pw)", 3, "A getpass() value"),
        ("import getpass\ntoken = getpass.getpass('Token: ')\ndisplay(token)", 3, "A getpass() value"),
        (
            'k = os.environ.get("WANDB_API_KEY")\nprint("key:", k)',
            2,
            "Secret environment variable WANDB_API_KEY",
        ),
        ("!echo $GITHUB_TOKEN", 1, "Secret environment variable GITHUB_TOKEN"),
        ("%env AWS_SECRET_ACCESS_KEY", 1, "Secret environment variable AWS_SECRET_ACCESS_KEY"),
    ],
)
def test_a_cell_that_prints_a_secret_and_kept_its_output_is_reported(source, line, what):
    findings = check(make_nb(code(source, outputs=SHOWN)))
    assert [(f.code, f.line, f.message.split(" (")[0]) for f in findings] == [
        ("NBG205", line, f"{what} printed in a kept output")
    ]
    assert findings[0].fingerprint == fingerprint("value shown\n")


@pytest.mark.parametrize(
    ("source", "outputs"),
    [
        ('print(os.environ["OPENAI_API_KEY"])', []),  # no output kept
        ('print(len(os.environ["OPENAI_API_KEY"]))', SHOWN),
        ('print(os.getenv("HF_TOKEN") is not None)', SHOWN),
        ('print(os.environ["OPENAI_API_KEY"][:5] + "...")', SHOWN),
        ('print(os.environ["HOME"])', SHOWN),  # not a secret's name
        ('api_key = os.environ["OPENAI_API_KEY"]\nclient = OpenAI(api_key=api_key)', SHOWN),
        ("pw = getpass()\nconn = connect(password=pw)", SHOWN),
        ('openai.api_key = os.environ["OPENAI_API_KEY"]', SHOWN),
    ],
)
def test_reading_a_secret_without_showing_it_is_not_reported(source, outputs):
    assert check(make_nb(code(source, outputs=outputs))) == []


# --- custom rules -------------------------------------------------------------------


def _config(tmp_path, body: str):
    (tmp_path / "pyproject.toml").write_text(f"[tool.nbguard]\n{body}", encoding="utf-8")


ACME = "acme_" + ft.rand("acme", string.ascii_lowercase + string.digits, 32)


def test_a_custom_rule_from_configuration_is_a_row_of_the_table(tmp_path, capsys):
    _config(
        tmp_path,
        '[[tool.nbguard.secrets-rules]]\nid = "acme-key"\nregex = "acme_[a-z0-9]{32}"\n'
        'keywords = ["acme_"]\nentropy = 3.0\nname = "Acme API key"\nrevoke = "https://acme.test/keys"\n',
    )
    nb = write_nb(tmp_path / "a.ipynb", make_nb(code(f'client = Acme("{ACME}")')))
    low = write_nb(tmp_path / "b.ipynb", make_nb(code(f'client = Acme("acme_{"a" * 32}")')))
    assert main([str(nb), str(low)]) == 1
    assert capsys.readouterr().out == (
        f"{nb}:cell 1:line 1: NBG201 Custom rule Acme API key in source (… 37 characters, "
        f"fingerprint {fingerprint(ACME)}); revoke it: https://acme.test/keys\n"
    )


def test_a_custom_rule_runs_in_linear_time_whatever_its_pattern(tmp_path, capsys):
    _config(tmp_path, '[[tool.nbguard.secrets-rules]]\nid = "nested"\nregex = "(a+)+b"\nkeywords = ["aaa"]\n')
    nb = write_nb(tmp_path / "a.ipynb", make_nb(code("x = '" + "a" * 5000 + "c'")))
    assert main([str(nb)]) == 0  # with Python's re this pattern backtracks for ever on that line


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (
            'id = "x"\nregex = "(unclosed"\nkeywords = ["x"]',
            "#1: 'regex' does not compile with RE2 (missing ): (unclosed)",
        ),
        (
            'id = "x"\nregex = "(?<=a)b"\nkeywords = ["x"]',
            "#1: 'regex' does not compile with RE2 (invalid perl operator: (?<=)",
        ),
        ('id = "x"\nregex = "x"', "#1: 'keywords' must be a non-empty list of strings"),
        (
            'id = "x y"\nregex = "x"\nkeywords = ["x"]',
            "#1: 'id' must be a string of letters, digits, - and _",
        ),
        (
            'id = "x"\nregex = "x"\nkeywords = ["x"]\nentropy = "high"',
            "#1: 'entropy' must be a number from 0 to 8",
        ),
        (
            'id = "x"\nregex = "x"\nkeywords = ["x"]\nflags = "i"',
            "#1: unknown key 'flags' (known: entropy, id, keywords, name, regex, revoke)",
        ),
        ('id = "github-pat"\nregex = "x"\nkeywords = ["x"]', "#1: 'id' 'github-pat' is already a rule's"),
    ],
)
def test_a_bad_custom_rule_is_a_usage_error_naming_the_key_and_the_file(tmp_path, capsys, rule, message):
    _config(tmp_path, f"[[tool.nbguard.secrets-rules]]\n{rule}\n")
    nb = write_nb(tmp_path / "a.ipynb", make_nb(code("x = 1")))
    assert main([str(nb)]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'pyproject.toml'}: secrets-rules {message}" in err


def test_the_custom_rule_of_the_docs_page_works_as_shown(tmp_path, capsys, monkeypatch):
    page = (Path(__file__).resolve().parents[1] / "docs" / "secrets.md").read_text(encoding="utf-8")
    toml = re.search(r"```toml\n(.*?)```", page, re.DOTALL).group(1)
    (tmp_path / "pyproject.toml").write_text(toml, encoding="utf-8")
    write_nb(tmp_path / "analysis.ipynb", make_nb(code(f'key = "{ACME}"')))
    monkeypatch.chdir(tmp_path)
    argv = shlex.split("nbguard secrets analysis.ipynb")[2:]  # the page's command
    assert main(argv) == 1
    assert "NBG201 Custom rule Acme API key in source (… 37 characters" in capsys.readouterr().out
    (tmp_path / "pyproject.toml").write_text(toml.replace("acme_[a-z0-9]{32}", "(unclosed"), encoding="utf-8")
    assert main(argv) == 2
    shown = re.search(r"nbguard: error: \S+pyproject.toml: (secrets-rules #1: .*)", page).group(1)
    assert capsys.readouterr().err == f"nbguard: error: {tmp_path / 'pyproject.toml'}: {shown}\n"


def test_a_keyword_inside_an_anchors_match_still_picks_its_row():
    # Discord's anchor (a dot, six characters, a dot) matches ".cohere." in this URL, over the
    # keyword that Cohere's row needs.
    key = ft.rand("co", ft.ALNUM, 40)
    findings = check(make_nb(code(f'requests.get("https://api.cohere.com/v1/items?api_key={key}")')))
    assert [(f.message.split(" in ")[0], f.fingerprint) for f in findings] == [
        ("Cohere API key", fingerprint(key))
    ]


# --- the prefilter's two engines find the same lines ------------------------------------------

# Pieces of keywords and of what the anchors match, and the characters that matter to them:
# case, newlines, characters that are not ASCII (one whose lower case is ASCII: the Kelvin sign;
# one whose lower case is longer: İ), digits of other scripts (\d).
PREFILTER_FRAGMENTS = [
    *(word for rule in ROWS[::7] for word in rule.keywords),
    *(word[: len(word) // 2] for rule in ROWS[::5] for word in rule.keywords),
    *("ghp_", "GHP_", "sk-", "xoxb-", "AKIA", "eyJ", ".abcdef.", "1:AA", "\u0661:aa", "SK0123abcd", "SG."),
    *("-us1", "re_abcdefgh_", "pat.", "sat.", "st.0123abcd-", "pat0123456789abcd."),
    *("\n", "\r\n", " ", "x", "é", "漢", "İ", "\u212a", "\x00", "\ud800", "7"),
]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PREFILTER_FRAGMENTS), max_size=30).map("".join))
def test_the_automaton_and_re2_find_the_same_lines(text):
    assert TABLE.hit_lines(text, fast=False) == TABLE.hit_lines(text, fast=True)


def test_re2_takes_over_once_a_table_has_searched_enough_text():
    fresh = table.Table(ROWS)
    small = "x = 1\nghp_"
    for _ in range(table.FAST_PREFILTER_AFTER // len(small)):
        assert fresh.hit_lines(small) == [1]
    assert fresh._fast is None  # which engine ran
    assert fresh.hit_lines(small) == [1]
    assert fresh._fast is not None  # which engine ran
    assert fresh.hit_lines(small) == [1]


@pytest.mark.corpus
def test_the_automaton_and_re2_find_the_same_lines_on_the_corpus():
    from nbguard import notebook

    compared = 0
    for path, nb in readable_corpus_notebooks():
        text = "\n".join(notebook.part_texts(nb, skip_tagged="nbguard:allow-secrets")[0])
        assert TABLE.hit_lines(text, fast=False) == TABLE.hit_lines(text, fast=True), path
        compared += 1
    assert compared > 1800
