"""The version is written once, as nbguard.__version__; the package metadata reads it."""

from __future__ import annotations

import importlib.metadata
import sys
from pathlib import Path

import nbguard

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]


def test_installed_version_is_the_package_version():
    assert importlib.metadata.version("nbguard") == nbguard.__version__


def test_pyproject_reads_the_version_from_the_package():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in project["project"]
    assert project["project"]["dynamic"] == ["version"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "nbguard.__version__"}
