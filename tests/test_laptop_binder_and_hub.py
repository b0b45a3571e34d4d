"""The doors a student comes in by, each checked here offline (loopback only): a laptop with
no local MNIST (tests/test_data.py downloads the real file from a localhost mirror), Colab
(tests/test_colab.py), Binder (repo2docker's build recipe) and JupyterLab opening the MyST
lessons as notebooks. The launch buttons of the site are checked in tests/test_book.py, on
the built site; the install cell that every lesson starts with, here."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from course_admin import install_cell
from course_utils.project import PROJECT_ROOT, lessons

import jupytext
import pytest

pytestmark = pytest.mark.newest

LAB_SETTINGS = Path("share") / "jupyter" / "lab" / "settings" / "overrides.json"


# ---- Colab: the install cell -------------------------------------------------------------


@pytest.mark.parametrize("ipynb", lessons(suffix=".ipynb"), ids=lambda path: path.stem)
def test_every_lesson_starts_with_the_same_install_cell(ipynb: Path) -> None:
    notebook = jupytext.read(ipynb)
    first = next(cell for cell in notebook.cells if cell.cell_type == "code")
    assert first.source == install_cell.cell_source(), (
        f"{ipynb.name}: run `python -m course_admin.install_cell` to rewrite the first cell"
    )
    assert "remove-cell" in first.metadata.get("tags", []), "the book must hide the cell"
    assert first.metadata.get("jupyter", {}).get("source_hidden") is True, "folded in JupyterLab"
    assert first.metadata.get("cellView") == "form", "folded on Colab"
    assert first.source.startswith("# @title "), "Colab shows one title line"
    assert install_cell.first_code_cell(ipynb.with_suffix(".md").read_text()) == first.source


def test_the_install_cell_takes_the_ref_the_launch_buttons_open() -> None:
    repository = install_cell.book_config()["repository"]
    url, ref = repository["url"], repository["branch"]
    assert url.startswith("https://github.com/")
    assert install_cell.pip_spec() == f"git+{url}@{ref}"
    assert f'release = "git+{url}@{ref}"' in install_cell.cell_source()


def test_the_install_cell_names_the_declared_pythons() -> None:
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    assert project["requires-python"] == ">=3.11,<3.14"
    assert install_cell.python_range() == "3.11 to 3.13"
    assert 'The course runs on Python "\n            f"3.11 to 3.13' in install_cell.cell_source()


def test_the_install_cell_is_written_into_a_lesson_once() -> None:
    lesson = "# Title\n\n```{code-cell} ipython3\n:tags: [parameters]\n\nseed = 1\n```\n"
    once = install_cell.with_install_cell(lesson)
    assert install_cell.with_install_cell(once) == once
    assert install_cell.first_code_cell(once) == install_cell.cell_source()
    assert once.endswith(lesson.removeprefix("# Title\n\n"))


# ---- Binder and JupyterLab: the repository's own configuration ---------------------------


def test_binder_builds_the_course_from_the_repository() -> None:
    """repo2docker (mybinder's builder, and the hub image's: .github/workflows/image.yml)
    reads environment.yml: it must install the course after copying the repository in, then
    run postBuild, which ships the Jupytext setting and puts a verified MNIST in the image,
    in Keras's cache and outside the home folder, where the start script points MNIST_DIR."""
    recipe = subprocess.run(
        [Path(sys.executable).parent / "jupyter-repo2docker", "--no-build", "--debug",
         str(PROJECT_ROOT)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    dockerfile = recipe.stdout + recipe.stderr
    assert recipe.returncode == 0, dockerfile[-2000:]
    copied = dockerfile.index("src/ ${REPO_DIR}/")
    installed = dockerfile.index('--file "environment.yml"')
    post_build = dockerfile.index("./postBuild")
    start = dockerfile.index('ENV R2D_ENTRYPOINT="${REPO_DIR}/start"')
    assert copied < installed < post_build < start
    # environment.yml installs the lock (in the image: the repository was copied first), and
    # postBuild the course itself, without a dependency, before anything imports it
    pip_section = (PROJECT_ROOT / "environment.yml").read_text()
    assert re.search(r"^\s+- -r requirements-image\.txt$", pip_section, flags=re.M)
    script = (PROJECT_ROOT / "postBuild").read_text()
    install = "python -m pip install --no-deps --no-build-isolation --editable .\n"
    assert install in script and script.index(install) < script.index("course_utils")
    assert "jupyter/overrides.json" in script
    # MNIST: the course's own verified step, a copy kept outside the home folder, then the
    # course's step again with an empty cache, that copy and no download, as on a hub
    lines = script.replace("\\\n", " ").splitlines()  # continued lines joined
    steps = [line for line in lines if not line.lstrip().startswith("#")]
    data_steps = [i for i, line in enumerate(steps) if "python -m course_utils.data" in line]
    kept = next(i for i, line in enumerate(steps) if 'mnist_dir="${NB_PYTHON_PREFIX}/' in line)
    assert len(data_steps) == 2 and data_steps[0] < kept < data_steps[1], steps
    as_on_a_hub = steps[data_steps[1]]
    assert 'KERAS_HOME="$empty_home" MNIST_DIR="$mnist_dir" MNIST_URL=' in as_on_a_hub
    start_script = (PROJECT_ROOT / "start").read_text()
    assert 'export MNIST_DIR="${MNIST_DIR:-${NB_PYTHON_PREFIX}/share/mnist}"' in start_script
    assert 'cd "$HOME"' in start_script, "the server serves the home folder, a hub's volume"
    assert start_script.rstrip().endswith('exec "$@"'), "start must hand over to the server"


def test_jupyterlab_opens_the_myst_lessons_as_notebooks_by_default() -> None:
    shipped = json.loads((PROJECT_ROOT / "jupyter" / "overrides.json").read_text())
    viewers = shipped["@jupyterlab/docmanager-extension:plugin"]["defaultViewers"]
    assert viewers == {"markdown": "Jupytext Notebook", "myst": "Jupytext Notebook"}
    installed = Path(sys.prefix) / LAB_SETTINGS  # what `make setup` put in the environment
    assert installed.is_file(), "make setup installs jupyter/overrides.json into the venv"
    assert json.loads(installed.read_text()) == shipped
    assert os.fspath(LAB_SETTINGS) in (PROJECT_ROOT / "Makefile").read_text()
