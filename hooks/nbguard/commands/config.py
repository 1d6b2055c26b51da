"""``nbguard config PATH``: the configuration in effect for a notebook, as TOML."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from nbguard.config import ConfigError, Resolver, add_isolated_argument, options


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "path",
        nargs="?",
        default="example.ipynb",
        metavar="PATH",
        help="a notebook (it need not exist); default: example.ipynb here",
    )
    add_isolated_argument(parser)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, ensure_ascii=False)


def render(path: str, resolver: Resolver) -> str:
    config = resolver.config_for(path)
    settings = resolver.settings_for(path)
    lines = [f"# nbguard configuration in effect for {path}"]
    lines.append(f"# from {config.path}" if config else "# from defaults (no configuration file found)")
    for name in options():
        value = settings[name]
        if value is None:
            lines.append(f"# {name} is not set")
        else:
            lines.append(f"{name} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    try:
        sys.stdout.write(render(args.path, Resolver(isolated=args.isolated)))
    except ConfigError as exc:
        print(f"nbguard: error: {exc}", file=sys.stderr)
        return 2
    return 0
