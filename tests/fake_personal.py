"""Fake personal values with valid checksums, built at run time (never stored as literals).

Each builder completes a prefix with the check digits its validator accepts, so that
the benchmark and the tests share one source of planted values and look-alikes.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable


def complete(prefix: str, valid: Callable[[str], bool], width: int = 1) -> str:
    """``prefix`` and the first ``width`` trailing digits that make ``valid`` hold."""
    for tail in itertools.product("0123456789", repeat=width):
        if valid(prefix + "".join(tail)):
            return prefix + "".join(tail)
    raise AssertionError(prefix)


def broken(value: str) -> str:
    """``value`` with its last digit changed: the same shape, a wrong checksum."""
    return value[:-1] + str((int(value[-1]) + 1) % 10)


def ssn(rng: random.Random) -> str:
    area = rng.choice([n for n in range(1, 900) if n != 666])
    return f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"


def cpf(rng: random.Random) -> str:
    from stdnum.br import cpf as module

    digits = complete("".join(rng.choice("0123456789") for _ in range(9)), module.is_valid, 2)
    return f"{digits[:3]}.{digits[3:6]}.{digits[6:9]}-{digits[9:]}"


def aadhaar(rng: random.Random) -> str:
    from stdnum.in_ import aadhaar as module

    while True:
        head = rng.choice("23456789") + "".join(rng.choice("0123456789") for _ in range(10))
        try:
            digits = complete(head, module.is_valid)
        except AssertionError:
            continue
        return f"{digits[:4]} {digits[4:8]} {digits[8:]}"


def idnr(rng: random.Random) -> str:
    from stdnum.de import idnr as module

    while True:
        ten = list("0123456789")
        rng.shuffle(ten)
        head = "".join(ten[:9])
        head = rng.choice("123456789") + head[1:] + head[1]  # one digit twice, as the rules want
        try:
            digits = complete(head, module.is_valid)
        except AssertionError:
            continue
        return f"{digits[:2]} {digits[2:5]} {digits[5:8]} {digits[8:]}"


def bsn(rng: random.Random) -> str:
    from stdnum.nl import bsn as module

    while True:
        try:
            return complete("".join(rng.choice("0123456789") for _ in range(8)), module.is_valid)
        except AssertionError:
            continue


def nir(rng: random.Random) -> str:
    from stdnum.fr import nir as module

    head = (
        f"{rng.choice('12')}{rng.randint(40, 99):02d}{rng.randint(1, 12):02d}"
        f"{rng.randint(1, 95):02d}{rng.randint(1, 990):03d}{rng.randint(1, 999):03d}"
    )
    digits = complete(head, module.is_valid, 2)
    return (
        f"{digits[0]} {digits[1:3]} {digits[3:5]} {digits[5:7]} {digits[7:10]} {digits[10:13]} {digits[13:]}"
    )


def nhs(rng: random.Random) -> str:
    from stdnum.gb import nhs as module

    while True:
        try:
            digits = complete("".join(rng.choice("123456789") for _ in range(9)), module.is_valid)
        except AssertionError:
            continue
        return f"{digits[:3]} {digits[3:6]} {digits[6:]}"


def nino(rng: random.Random) -> str:
    first, second = rng.choice("ABCEHJKLMPRSTWXY"), rng.choice("ABCEHJKLMPRSTWXY")
    return f"{first}{second} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.choice('ABCD')}"


def phone_international(rng: random.Random) -> str:
    import phonenumbers

    while True:
        candidate = rng.choice(
            [
                f"+44 20 7{rng.randint(100, 899)} {rng.randint(1000, 9999)}",
                f"+49 30 {rng.randint(1000000, 99999999)}",
                f"+33 1 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
                f"+91 98{rng.randint(100, 999)} {rng.randint(10000, 99999)}",
                f"+1 415 {rng.randint(201, 999)} {rng.randint(1000, 9999)}",
            ]
        )
        if phonenumbers.is_valid_number(phonenumbers.parse(candidate, None)):
            return candidate


def phone_national(rng: random.Random) -> str:
    return f"(415) {rng.randint(201, 549)}-{rng.randint(1000, 9999)}"
