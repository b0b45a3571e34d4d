"""pyproject.toml and environment.yml pin the same dependency ranges; the versions line."""

from __future__ import annotations

import sys

from course_utils import environment
from course_utils.paths import PROJECT_ROOT

import pytest
import yaml
from packaging.requirements import Requirement

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


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
    assert project["requires-python"] == ">=3.11"  # the Python .ci/run proves
    assert conda_python.startswith("python>=3.11,<3.12")


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
