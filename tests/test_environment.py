"""pyproject.toml and environment.yml pin the same dependency ranges; the versions line."""

from __future__ import annotations

import tomllib

from course_utils import environment
from course_utils.paths import PROJECT_ROOT

import pytest
import yaml
from packaging.requirements import Requirement


def _pins(requirements: list[str]) -> dict[str, str]:
    parsed = [Requirement(text) for text in requirements]
    return {requirement.name: str(requirement.specifier) for requirement in parsed}


def test_environment_yml_pins_what_pyproject_pins() -> None:
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    declared = project["dependencies"] + [  # the bench extra is optional, pip-only
        requirement for name, extra in extras.items() if name != "bench" for requirement in extra
    ]
    environment = yaml.safe_load((PROJECT_ROOT / "environment.yml").read_text())
    (pip_section,) = [item for item in environment["dependencies"] if isinstance(item, dict)]
    pip_requirements = [text for text in pip_section["pip"] if not text.startswith("-e")]
    assert _pins(pip_requirements) == _pins(declared)
    assert "-e ." in pip_section["pip"]


def test_python_versions_agree() -> None:
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    environment = yaml.safe_load((PROJECT_ROOT / "environment.yml").read_text())
    (conda_python,) = [d for d in environment["dependencies"] if str(d).startswith("python")]
    assert project["requires-python"] == ">=3.11,<3.14"
    assert conda_python.split("#")[0].strip() == "python>=3.11,<3.14"


def test_ci_proves_every_python_of_the_range() -> None:
    """.ci/run runs on Python 3.11 (.venv, the lowest versions), has a 3.12 part, and a Colab
    part on the Python that tests/colab-runtime.txt names (3.13), all in the default run."""
    script = (PROJECT_ROOT / ".ci" / "run").read_text()
    (default,) = [line for line in script.splitlines() if line.startswith("DEFAULT_PARTS=")]
    parts = default.split("=", 1)[1].strip('"').split()
    assert "python312" in parts and "colab" in parts
    assert "find_python 3.12 python312" in script
    runtime = (PROJECT_ROOT / "tests" / "colab-runtime.txt").read_text()
    assert "# python: 3.13\n" in runtime and "COLAB_RUNTIME=tests/colab-runtime.txt" in script


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
