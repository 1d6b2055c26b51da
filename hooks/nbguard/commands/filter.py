"""``nbguard filter``: strip notebooks on their way into git, keep outputs in the working copy.

``nbguard filter --process`` speaks git's long-running filter protocol
(gitattributes(5), "Long Running Filter Process"): one process serves every
notebook of a ``git status``, ``git add`` or ``git checkout``.
``nbguard filter --clean PATH`` is the one-process-per-file clean command for
git older than 2.11 (git substitutes PATH for ``%f``).

Both strip exactly as ``nbguard strip PATH`` would (same options, same
configuration file and per-path overrides; ``strip = false`` passes a file
through). Content that cannot be stripped goes through unchanged with a
warning on standard error: a filter must never make a commit or a checkout
fail over a notebook. Smudge passes content through unchanged.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from typing import BinaryIO, TextIO

from nbguard import notebook
from nbguard.checks.strip import CHECK as STRIP
from nbguard.checks.strip import is_zeppelin, options_from_settings, stripped_bytes
from nbguard.config import ConfigError, Resolver, add_isolated_argument, cli_settings
from nbguard.notebook import NotebookError
from nbguard.report.finding import IO_CODE

# A pkt-line is at most 65520 bytes, its 4-byte hexadecimal length included.
MAX_PAYLOAD = 65516
FLUSH = b"0000"
CAPABILITIES = ("clean", "smudge")
_HEX = frozenset(b"0123456789abcdefABCDEF")


class ProtocolError(Exception):
    """What git sent does not follow the protocol; the process cannot go on."""


# --- pkt-lines ----------------------------------------------------------------


def read_packet(stream: BinaryIO) -> bytes | None:
    """The next packet's payload, or None for a flush packet.

    Raises EOFError if the stream ends before a packet starts, ProtocolError
    if it ends inside one or the packet is malformed.
    """
    header = stream.read(4)
    if not header:
        raise EOFError
    if len(header) != 4 or not _HEX.issuperset(header):
        raise ProtocolError(f"bad pkt-line header {header!r}")
    size = int(header, 16)
    if size == 0:
        return None
    if size < 4 or size > MAX_PAYLOAD + 4:
        raise ProtocolError(f"bad pkt-line length {size}")
    payload = stream.read(size - 4)
    if len(payload) != size - 4:
        raise ProtocolError("input ended inside a pkt-line")
    return payload


def read_text_list(stream: BinaryIO) -> list[str]:
    """Text packets up to the next flush, each without its final newline."""
    lines = []
    while (packet := read_packet(stream)) is not None:
        lines.append(packet.decode("utf-8", "surrogateescape").removesuffix("\n"))
    return lines


def read_content(stream: BinaryIO) -> bytes:
    """Binary packets up to the next flush, joined."""
    chunks = []
    while (packet := read_packet(stream)) is not None:
        chunks.append(packet)
    return b"".join(chunks)


def packet(payload: bytes) -> bytes:
    return b"%04x" % (len(payload) + 4) + payload


def text_packets(*lines: str) -> bytes:
    """Text lines as packets (newline-terminated), then a flush packet."""
    return b"".join(packet(line.encode() + b"\n") for line in lines) + FLUSH


def content_packets(data: bytes) -> bytes:
    """Content split into packets of at most MAX_PAYLOAD bytes, then a flush packet."""
    view = memoryview(data)
    chunks = [packet(bytes(view[i : i + MAX_PAYLOAD])) for i in range(0, len(data), MAX_PAYLOAD)]
    return b"".join(chunks) + FLUSH


# --- the stripping itself ---------------------------------------------------------


def clean(data: bytes, path: str, resolver: Resolver) -> tuple[bytes, str | None]:
    """What git should store for ``path`` (relative to the cwd), and a warning, if any.

    Raises ConfigError for a mistake in the configuration; anything else
    passes the content through unchanged, with a warning.
    """
    settings = resolver.settings_for(path)
    if not settings["strip"] or resolver.excluded(path):
        return data, None
    opts = options_from_settings(settings)
    try:
        _, new = stripped_bytes(notebook.parse(data, zeppelin=is_zeppelin(path, opts.mode)), opts)
    except NotebookError as exc:
        return data, f"{path}: {IO_CODE} {exc}; passed through unstripped"
    except Exception as exc:  # noqa: BLE001 - a bug must not block a commit or a checkout either
        # Only the type: the message could quote notebook text (a credential, say).
        reason = f"internal error ({type(exc).__name__})"
        return data, f"{path}: {reason}; passed through unstripped"
    return (data if new is None else new), None


# --- the long-running process -------------------------------------------------------


@dataclass(frozen=True)
class Request:
    command: str
    pathname: str
    content: bytes
    headers: dict[str, str] = field(default_factory=dict)


def handshake(stdin: BinaryIO, stdout: BinaryIO) -> None:
    """Agree on version 2 and on the capabilities both sides have."""
    hello = read_text_list(stdin)
    if not hello or hello[0] != "git-filter-client":
        raise ProtocolError(f"expected git-filter-client, got {hello[:1]}")
    if "version=2" not in hello[1:]:
        raise ProtocolError(f"git offers {', '.join(hello[1:]) or 'no version'}; nbguard needs 2")
    stdout.write(text_packets("git-filter-server", "version=2"))
    stdout.flush()
    offered = read_text_list(stdin)
    wanted = [f"capability={c}" for c in CAPABILITIES if f"capability={c}" in offered]
    stdout.write(text_packets(*wanted))
    stdout.flush()


def read_request(stdin: BinaryIO) -> Request | None:
    """The next file git sends, or None once git has closed the pipe."""
    try:
        first = read_packet(stdin)
    except EOFError:
        return None
    if first is None:
        raise ProtocolError("empty request")
    try:
        lines = [first.decode("utf-8", "surrogateescape").removesuffix("\n")]
        lines += read_text_list(stdin)
        # Every command of filter protocol 2 but list_available_blobs (which needs
        # the "delay" capability, not offered here) is followed by content.
        content = read_content(stdin)
    except EOFError:
        raise ProtocolError("input ended inside a request") from None
    headers = {}
    for line in lines:
        key, _, value = line.partition("=")  # a value may contain "=", a key never
        headers[key] = value
    return Request(headers.get("command", ""), headers.get("pathname", ""), content, headers)


def respond(request: Request, resolver: Resolver, stderr: TextIO) -> bytes:
    """The packets that answer one request."""
    if request.command == "smudge":
        return text_packets("status=success") + content_packets(request.content) + FLUSH
    if request.command != "clean":
        stderr.write(f"nbguard: error: unknown filter command {request.command!r}\n")
        return text_packets("status=error")
    try:
        data, warning = clean(request.content, request.pathname, resolver)
    except ConfigError as exc:
        # Refuse rather than let unstripped notebooks in: git names the file.
        stderr.write(f"nbguard: error: {exc}\n")
        return text_packets("status=error")
    if warning:
        stderr.write(f"nbguard: warning: {warning}\n")
    return text_packets("status=success") + content_packets(data) + FLUSH


def serve(stdin: BinaryIO, stdout: BinaryIO, stderr: TextIO, resolver: Resolver) -> int:
    """Answer git until it closes the pipe; 1 if it broke the protocol."""
    try:
        handshake(stdin, stdout)
        while (request := read_request(stdin)) is not None:
            stdout.write(respond(request, resolver, stderr))
            stdout.flush()
    except EOFError:
        stderr.write("nbguard: error: git filter protocol: input ended during the handshake\n")
        return 1
    except ProtocolError as exc:
        stderr.write(f"nbguard: error: git filter protocol: {exc}\n")
        return 1
    return 0


# --- command line --------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument(
        "--process",
        action="store_true",
        help="serve git's long-running filter protocol (filter.<driver>.process)",
    )
    mode.add_argument(
        "--clean",
        metavar="PATH",
        help="strip standard input to standard output as the notebook PATH (git's %%f)",
    )
    add_isolated_argument(parser)
    STRIP.add_options(parser)


def run(args: argparse.Namespace) -> int:
    resolver = Resolver(cli_settings(args), isolated=args.isolated)
    if args.process:
        return serve(sys.stdin.buffer, sys.stdout.buffer, sys.stderr, resolver)
    data = sys.stdin.buffer.read()
    try:
        out, warning = clean(data, args.clean, resolver)
    except ConfigError as exc:
        print(f"nbguard: error: {exc}", file=sys.stderr)
        return 2
    if warning:
        print(f"nbguard: warning: {warning}", file=sys.stderr)
    sys.stdout.buffer.write(out)
    sys.stdout.buffer.flush()
    return 0
