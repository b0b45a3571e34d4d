"""environment.yml repeats none of pyproject.toml's ranges; every declared Python is tested;
the versions line."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib

from course_utils import environment
from course_utils.project import PROJECT_ROOT

import pytest
import yaml
from packaging.specifiers import SpecifierSet

PROJECT = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
PYTHON_RANGE = SpecifierSet(PROJECT["requires-python"])


def test_environment_yml_installs_the_lock_and_repeats_no_range() -> None:
    """conda's file installs the lock that `make lock` writes from pyproject.toml's ranges
    (the course's dependencies with JupyterLab, and nbgitpuller for a hub's image), every
    file checked against its hash (tests/test_lock.py checks the lock), so it writes no range
    of its own; postBuild installs the course. Its Python is one of the declared range."""
    environment = yaml.safe_load((PROJECT_ROOT / "environment.yml").read_text())
    (pip_section,) = [item for item in environment["dependencies"] if isinstance(item, dict)]
    # a local -r: repo2docker copies the repository in before it installs this file
    assert pip_section["pip"] == ["--require-hashes", "-r requirements-image.txt"]
    (python,) = [item for item in environment["dependencies"] if str(item).startswith("python")]
    version = python.split("=", 1)[1]
    assert version in PYTHON_RANGE, f"environment.yml's Python {version} is not {PYTHON_RANGE}"


def test_the_test_sessions_prove_every_python_of_the_range() -> None:
    """Each minor Python the course declares has a test session: the course's own
    environment (`make setup`'s, where nox runs), or a session of its own (noxfile.py)."""
    listing = subprocess.run(
        [sys.executable, "-m", "nox", "--list", "--json"], cwd=PROJECT_ROOT, check=True,
        capture_output=True, text=True,
    ).stdout  # fmt: skip
    tested = {session["python"] for session in json.loads(listing) if session["python"]}
    tested.add(f"{sys.version_info.major}.{sys.version_info.minor}")
    declared = {f"3.{minor}" for minor in range(8, 30) if f"3.{minor}" in PYTHON_RANGE}
    assert declared and declared <= tested, f"no session runs Python {declared - tested}"


def test_the_versions_line_names_the_device_that_runs_the_model(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert environment.gpu_name() is None  # this machine has no GPU: Keras's backend agrees
    environment.print_versions()
    line = capsys.readouterr().out
    assert line.startswith("Python ") and line.rstrip().endswith("model runs on the CPU")
    monkeypatch.setattr(environment, "gpu_name", lambda: "Tesla T4")  # what Colab's GPU says
    environment.print_versions()
    assert capsys.readouterr().out.rstrip().endswith("model runs on the GPU (Tesla T4)")


def test_the_readme_serves_the_site_to_this_machine_only() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text()
    commands = [line for line in readme.splitlines() if "http.server" in line]
    assert commands and all("--bind 127.0.0.1" in line for line in commands), commands
