"""The lock of the image and of Binder (requirements-image.txt, course_admin/lock.py): in step
with pyproject.toml and environment.yml's Python, every package pinned with its hashes, and
resolved from the primary index alone. No test reaches the network: the lock's header
records a hash of its inputs."""

from __future__ import annotations

import copy
import os
import subprocess
from pathlib import Path

from course_admin import lock
from course_utils.project import PROJECT_ROOT

import pytest

pytestmark = pytest.mark.newest

TEXT = lock.LOCK.read_text() if lock.LOCK.exists() else ""


@pytest.fixture
def inputs() -> tuple[dict, dict]:
    """pyproject.toml and environment.yml as the lock was written from, to change in a test."""
    return copy.deepcopy(lock.read_inputs())


def test_the_lock_is_in_step_with_pyproject_and_environment_yml() -> None:
    """Fails when a dependency, an extra (lab, hub), a build requirement or environment.yml's
    Python changed since the lock was written: run `make lock` and commit the file."""
    assert lock.LOCK.exists(), "no requirements-image.txt: run `make lock`"
    assert lock.problems(TEXT, *lock.read_inputs()) == []
    assert lock.main(["--check"]) == 0


@pytest.mark.parametrize(
    "change",
    [
        "a new dependency",
        "a narrower range",
        "a new package in the lab extra",
        "a new build requirement",
        "another Python",
    ],
)
def test_a_changed_input_makes_the_lock_stale(change: str, inputs: tuple[dict, dict]) -> None:
    pyproject, environment = inputs
    project = pyproject["project"]
    if change == "a new dependency":
        project["dependencies"].append("pillow>=10")
    elif change == "a narrower range":
        project["dependencies"][0] = project["dependencies"][0].replace(",<4", ",<3.16")
    elif change == "a new package in the lab extra":
        project["optional-dependencies"]["lab"].append("ipywidgets>=8")
    elif change == "a new build requirement":
        pyproject["build-system"]["requires"].append("wheel")
    else:
        environment["dependencies"][0] = "python=3.13"
    (problem,) = lock.problems(TEXT, pyproject, environment)
    assert "changed since" in problem and "make lock" in problem


def test_the_order_of_a_list_or_a_comment_is_no_change(inputs: tuple[dict, dict]) -> None:
    pyproject, environment = inputs
    pyproject["project"]["dependencies"].reverse()
    pyproject["project"]["description"] = "another description"
    pyproject["project"]["optional-dependencies"]["dev"].append("anything")  # not locked
    assert lock.problems(TEXT, pyproject, environment) == []


def test_every_package_is_pinned_with_its_hashes_and_the_course_s_ranges_hold() -> None:
    """Every line `name==version` with at least one sha256 (pip's --require-hashes refuses
    anything else), and each direct requirement at a version its range allows."""
    pinned = lock.pins(TEXT)
    assert {"keras", "tensorflow", "numpy", "jupyterlab", "nbgitpuller", "setuptools"} <= set(
        pinned
    )
    assert all(hashes >= 1 for _, hashes in pinned.values())


def test_a_hand_edited_lock_is_refused(inputs: tuple[dict, dict]) -> None:
    """The header's hash alone would miss a line edited by hand: an unhashed line, a range
    instead of a pin, a version outside pyproject.toml's range, a package taken out."""
    version = lock.pins(TEXT)["keras"][0]
    unhashed = TEXT + "\nrequests==2.32.3\n"
    ranged = TEXT + "\nrequests>=2 --hash=sha256:" + "0" * 64 + "\n"
    outside = TEXT.replace(f"\nkeras=={version} ", "\nkeras==3.13.0 ")
    removed = TEXT.replace(f"\nkeras=={version} ", f"\nnot-keras=={version} ")
    assert outside != TEXT and removed != TEXT
    for text, words in [
        (unhashed, "not a pinned, hashed requirement"),
        (ranged, "not a pinned, hashed requirement"),
        (outside, "pins keras 3.13.0, outside"),
        (removed, "has no keras"),
    ]:
        found = lock.problems(text, *inputs)
        assert found and words in found[0], found


def test_the_lock_names_no_index_no_local_file_and_no_editable_install() -> None:
    """The lock holds packages only: no registry address (pip's own configuration chooses
    it), no path of this machine, no editable line (which --require-hashes refuses)."""
    lines = [line.strip() for line in TEXT.splitlines()]
    options = [line for line in lines if line.startswith("-")]
    assert all(line.startswith("--hash=sha256:") for line in options), options[:3]
    assert not any(word in TEXT for word in ("file:", "/opt/", "http://", "https://"))
    assert "Python 3.12 (environment.yml's)" in TEXT.replace("\n# ", " ")


def test_the_lock_is_resolved_from_the_primary_index_alone(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """uv gets pip's index and certificates (course_admin/uv.py), but not the extra indexes,
    the local wheels or the constraints of this machine: the image's pip reads PyPI, and a
    file found elsewhere can have a hash that PyPI does not serve."""

    def pip_settings_as_here(environ: dict) -> None:
        environ.update(
            UV_INDEX_URL="https://mirror.example/simple",
            UV_EXTRA_INDEX_URL="file:///opt/pypi/simple",
            UV_FIND_LINKS="/opt/wheels",
            UV_CONSTRAINT="/etc/xdg/pip/constraints.txt",
            SSL_CERT_FILE="/etc/ssl/certs/ca-certificates.crt",
        )

    calls = []

    def fake_uv(command: list[str], **options: object) -> subprocess.CompletedProcess:
        calls.append((command, options))
        (output,) = [part.split("=", 1)[1] for part in command if part.startswith("--output")]
        Path(output).write_text("keras==3.15.1 \\\n    --hash=sha256:" + "a" * 64 + "\n")
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(lock, "configure_uv", pip_settings_as_here)
    monkeypatch.setattr(lock, "uv_command", lambda: ["uv"])
    monkeypatch.setattr(lock.subprocess, "run", fake_uv)
    body = lock.resolve("3.12", ["setuptools>=77"], upgrade=True)
    assert body.startswith("keras==3.15.1")
    ((command, options),) = calls
    environ = options["env"]
    assert isinstance(environ, dict)
    assert environ["UV_INDEX_URL"] == "https://mirror.example/simple"
    assert environ["SSL_CERT_FILE"].endswith("ca-certificates.crt")
    for name in ("UV_EXTRA_INDEX_URL", "UV_FIND_LINKS", "UV_CONSTRAINT"):
        assert name not in environ, name
    assert os.environ is not environ
    assert command[:3] == ["uv", "pip", "compile"] and "--generate-hashes" in command
    assert {"--extra=lab", "--extra=hub", "--python-version=3.12", "--upgrade"} <= set(command)
    assert "--python-platform=x86_64-manylinux_2_28" in command
    assert options["input"] == "setuptools>=77\n" and options["cwd"] == PROJECT_ROOT


def test_make_lock_refreshes_it_and_contributing_says_so() -> None:
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    assert "\nlock: setup  ## " in makefile
    assert "$(PY) -m course_admin.lock $(if $(UPGRADE),--upgrade)" in makefile
    assert "make lock" in (PROJECT_ROOT / "CONTRIBUTING.md").read_text()
