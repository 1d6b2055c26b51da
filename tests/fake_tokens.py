"""Fake credentials in each vendor's format, built at run time.

Nothing here is a real secret, and no committed string looks like one:
every token is assembled from a public prefix and characters drawn from a
seeded generator, so the repository never trips push protection or a
secret scanner, and every test run sees the same values.
"""

from __future__ import annotations

import base64
import binascii
import json
import random
import string
from collections.abc import Callable

ALNUM = string.ascii_letters + string.digits
LOWER_ALNUM = string.ascii_lowercase + string.digits
URLSAFE = ALNUM + "-_"
BASE64 = ALNUM + "+/"
BASE32 = string.ascii_uppercase + "234567"
HEX = "0123456789abcdef"
# Pieces of markers that scanners look for, kept apart in the source.
OPENAI_MARK = "T3Blbk" + "FJ"
KEY_WORD = "PRIVATE" + " KEY"


def rand(seed: str, alphabet: str, length: int) -> str:
    """``length`` characters of ``alphabet``, the same for the same seed."""
    return "".join(random.Random(seed).choices(alphabet, k=length))


def aws_key_id(seed: str = "") -> str:
    return "AK" + "IA" + rand("aws-id" + seed, BASE32, 16)


def aws_secret_key(seed: str = "") -> str:
    return rand("aws-secret" + seed, BASE64, 40)


_BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase


def _crc32_base62(body: str) -> str:
    """GitHub's and npm's checksum: the CRC32 of the 30 random characters, in 6 base62 digits."""
    number, digits = binascii.crc32(body.encode()), ""
    while number:
        number, rest = divmod(number, 62)
        digits = _BASE62[rest] + digits
    return digits.rjust(6, "0")


def github_classic(seed: str = "", prefix: str = "p") -> str:
    body = rand("ghp" + seed, ALNUM, 30)
    return "gh" + prefix + "_" + body + _crc32_base62(body)


def github_fine_grained(seed: str = "") -> str:
    return "github" + "_pat_" + rand("pat1" + seed, ALNUM, 22) + "_" + rand("pat2" + seed, ALNUM, 59)


def gitlab(seed: str = "") -> str:
    return "gl" + "pat-" + rand("glpat" + seed, URLSAFE, 20)


def openai_project(seed: str = "") -> str:
    return "sk-" + "proj-" + rand("oa1" + seed, URLSAFE, 58) + OPENAI_MARK + rand("oa2" + seed, URLSAFE, 58)


def openai_legacy(seed: str = "") -> str:
    return "sk-" + rand("oal1" + seed, ALNUM, 20) + OPENAI_MARK + rand("oal2" + seed, ALNUM, 20)


def anthropic(seed: str = "") -> str:
    return "sk-" + "ant-api03-" + rand("ant" + seed, URLSAFE, 93) + "AA"


def hugging_face(seed: str = "") -> str:
    return "h" + "f_" + rand("hf" + seed, string.ascii_letters, 34)


def google_api_key(seed: str = "") -> str:
    return "AI" + "za" + rand("gcp" + seed, URLSAFE, 35)


def slack_bot(seed: str = "") -> str:
    digits = string.digits
    return (
        "xo"
        + "xb-"
        + rand("sl1" + seed, digits, 11)
        + "-"
        + rand("sl2" + seed, digits, 13)
        + "-"
        + rand("sl3" + seed, LOWER_ALNUM, 24)
    )


def slack_webhook(seed: str = "") -> str:
    return (
        "https://hooks."
        + "slack.com/services/T"
        + rand("wh1" + seed, string.ascii_uppercase + string.digits, 8)
        + "/B"
        + rand("wh2" + seed, string.ascii_uppercase + string.digits, 8)
        + "/"
        + rand("wh3" + seed, ALNUM, 24)
    )


def stripe(seed: str = "") -> str:
    return "sk" + "_live_" + rand("stripe" + seed, ALNUM, 24)


def twilio(seed: str = "") -> str:
    """A Twilio API key (SK...); the account SID (AC...) is an identifier, not a secret."""
    return "S" + "K" + rand("twilio" + seed, HEX, 32)


def sendgrid(seed: str = "") -> str:
    return "S" + "G." + rand("sg1" + seed, URLSAFE, 22) + "." + rand("sg2" + seed, URLSAFE, 43)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def jwt(seed: str = "") -> str:
    header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = _b64url(
        json.dumps({"sub": rand("jwt-sub" + seed, LOWER_ALNUM, 12), "iat": 1700000000}).encode()
    )
    signature = _b64url(random.Random("jwt-sig" + seed).randbytes(32))
    return f"{header}.{payload}.{signature}"


def private_key(seed: str = "") -> str:
    """A PEM block (with real line breaks) whose body is random base64."""
    body = rand("pem" + seed, BASE64, 64 * 6)
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return "\n".join([f"-----BEGIN RSA {KEY_WORD}-----", *lines, f"-----END RSA {KEY_WORD}-----"])


def azure_storage(seed: str = "") -> str:
    key = rand("azure" + seed, BASE64, 86) + "=="
    return f"DefaultEndpointsProtocol=https;AccountName=demo;Account{'Key'}={key}"


def pypi(seed: str = "") -> str:
    return "pypi-" + "AgEIcHlwaS5vcmc" + rand("pypi" + seed, URLSAFE, 80)


def npm_token(seed: str = "") -> str:
    body = rand("npm" + seed, ALNUM, 30)
    return "np" + "m_" + body + _crc32_base62(body)


def npm(seed: str = "") -> str:
    return "//registry.npmjs.org/:_auth" + "Token=" + npm_token(seed)


def telegram(seed: str = "") -> str:
    return rand("tg1" + seed, string.digits[1:], 9) + ":A" + "A" + rand("tg2" + seed, URLSAFE, 33)


def discord(seed: str = "") -> str:
    return (
        "M"
        + rand("dc1" + seed, URLSAFE, 23)
        + "."
        + rand("dc2" + seed, URLSAFE, 6)
        + "."
        + rand("dc3" + seed, URLSAFE, 27)
    )


def square(seed: str = "") -> str:
    return "sq0" + "csp-" + rand("square" + seed, URLSAFE, 43)


def mailchimp(seed: str = "") -> str:
    return rand("mc" + seed, HEX, 32) + "-us" + "12"


def password(seed: str = "") -> str:
    """A value only a keyword rule can find (no vendor format)."""
    return rand("pw" + seed, ALNUM, 14) + "7q"


# name -> (builder, the value a finding should be fingerprinted by)
VENDOR_TOKENS: dict[str, Callable[[str], str]] = {
    "aws_key_id": aws_key_id,
    "github_classic": github_classic,
    "github_fine_grained": github_fine_grained,
    "gitlab": gitlab,
    "openai_project": openai_project,
    "openai_legacy": openai_legacy,
    "anthropic": anthropic,
    "hugging_face": hugging_face,
    "google_api_key": google_api_key,
    "slack_bot": slack_bot,
    "stripe": stripe,
    "twilio": twilio,
    "sendgrid": sendgrid,
    "jwt": jwt,
    "pypi": pypi,
    "telegram": telegram,
    "discord": discord,
    "square": square,
    "mailchimp": mailchimp,
}
