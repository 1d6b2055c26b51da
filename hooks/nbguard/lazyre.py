"""Regular expressions compiled on first use.

Every command imports every check's module to read its declaration, and a check's
patterns are needed only for some texts (a host name's only where a private suffix
appears, a secret's flow only where a cell prints one): a :class:`Pattern` costs
nothing until it is first searched.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator


class Pattern:
    """``re.compile(pattern)``'s methods, compiling on first use (then kept)."""

    __slots__ = ("_compiled", "flags", "pattern")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        self.flags = flags
        self._compiled: re.Pattern[str] | None = None

    @property
    def compiled(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = re.compile(self.pattern, self.flags)
        return self._compiled

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.compiled.search(text, pos, endpos)

    def match(self, text: str) -> re.Match[str] | None:
        return self.compiled.match(text)

    def fullmatch(self, text: str) -> re.Match[str] | None:
        return self.compiled.fullmatch(text)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        return self.compiled.finditer(text)

    def findall(self, text: str) -> list[str]:
        return self.compiled.findall(text)

    def sub(self, repl: str | Callable[[re.Match[str]], str], text: str) -> str:
        return self.compiled.sub(repl, text)

    def split(self, text: str) -> list[str]:
        """``re.split``, with a group that took no part as ''."""
        return [part or "" for part in self.compiled.split(text)]
