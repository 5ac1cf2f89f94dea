"""The package as installed: `python -m eligibility`, one version, and a typed wheel."""

from __future__ import annotations

import importlib.metadata
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from eligibility import __version__

ROOT = Path(__file__).parent.parent


def test_python_dash_m_runs_the_command() -> None:
    result = subprocess.run([sys.executable, "-m", "eligibility", "--version"],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"eligibility {__version__}\n"


def test_the_version_is_written_once_and_pyproject_reads_it() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in project["project"]
    assert project["project"]["dynamic"] == ["version"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {
        "attr": "eligibility.__version__"}
    assert importlib.metadata.version("eligibility") == __version__


def test_the_wheel_ships_py_typed_and_the_version(tmp_path: Path) -> None:
    pytest.importorskip("wheel", reason="building a wheel with setuptools < 70.1 needs wheel")
    source = tmp_path / "source"
    shutil.copytree(ROOT / "src" / "eligibility", source / "src" / "eligibility",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                            "--no-build-isolation", "--no-index", "-q", "-w", tmp_path / "dist",
                            source], capture_output=True, text=True, timeout=300, check=False)
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("eligibility-*.whl")
    assert wheel.name.startswith(f"eligibility-{__version__}-")
    names = zipfile.ZipFile(wheel).namelist()
    assert "eligibility/py.typed" in names
    # the data files the package reads: the vocabulary, and Spark's quiet logging
    assert {"eligibility/vocabulary/core.yaml", "eligibility/vocabulary/als.yaml",
            "eligibility/sql/spark-log4j2.properties"} <= set(names)
    assert "eligibility/__main__.py" in names
