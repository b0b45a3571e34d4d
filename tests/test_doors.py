"""The doors a student comes in by, each checked here offline (loopback only): a laptop with
no local MNIST (tests/test_data.py downloads the real file from a localhost mirror), Colab (a
lesson's .ipynb alone, in an environment without course_utils), Binder (repo2docker's build
recipe) and JupyterLab opening the MyST lessons as notebooks. The launch buttons of the site
are checked in tests/test_book.py, on the built site."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

from course_utils import data, install_cell
from course_utils.course import lessons
from course_utils.paths import PROJECT_ROOT

import jupytext
import papermill
import pytest
from conftest import Mirror

LAB_SETTINGS = Path("share") / "jupyter" / "lab" / "settings" / "overrides.json"


# ---- Colab: the install cell -------------------------------------------------------------


@pytest.mark.parametrize("ipynb", lessons(), ids=lambda path: path.stem)
def test_every_lesson_starts_with_the_same_install_cell(ipynb: Path) -> None:
    notebook = jupytext.read(ipynb)
    first = next(cell for cell in notebook.cells if cell.cell_type == "code")
    assert first.source == install_cell.cell_source(), (
        f"{ipynb.name}: run `python -m course_utils.install_cell` to rewrite the first cell"
    )
    assert "remove-cell" in first.metadata.get("tags", []), "the book must hide the cell"
    assert install_cell.first_code_cell(ipynb.with_suffix(".md").read_text()) == first.source


def test_the_install_cell_takes_this_release_from_the_books_repository() -> None:
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    url = install_cell.book_config()["repository"]["url"]
    assert url.startswith("https://github.com/")
    assert install_cell.pip_spec() == f"git+{url}@v{project['version']}"
    assert f'release = "{install_cell.pip_spec()}"' in install_cell.cell_source()


def test_the_install_cell_is_written_into_a_lesson_once() -> None:
    lesson = "# Title\n\n```{code-cell} ipython3\n:tags: [parameters]\n\nseed = 1\n```\n"
    once = install_cell.with_install_cell(lesson)
    assert install_cell.with_install_cell(once) == once
    assert install_cell.first_code_cell(once) == install_cell.cell_source()
    assert once.endswith(lesson.removeprefix("# Title\n\n"))


def _without_the_course(target: Path) -> Path:
    """A folder that shows the course environment's packages, but not the course itself."""
    site_packages = Path(next(p for p in sys.path if p.endswith("site-packages")))
    target.mkdir()
    for entry in site_packages.iterdir():
        if not entry.name.startswith(("cnn_mnist_course", "__editable__", "course_utils")):
            (target / entry.name).symlink_to(entry)
    return target


@pytest.fixture(scope="module")
def colab(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A Colab stand-in: a new virtual environment with the course's dependencies but not
    course_utils, a kernel for it, and a wheel of the course for the install cell."""
    root = tmp_path_factory.mktemp("colab")
    source = root / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(PROJECT_ROOT / name, source / name)
    shutil.copytree(
        PROJECT_ROOT / "course_utils", source / "course_utils",
        ignore=shutil.ignore_patterns("__pycache__"),
    )  # fmt: skip
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(root / "wheels"), str(source)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    (wheel,) = (root / "wheels").glob("cnn_mnist_course-*.whl")
    environment = root / "venv"
    venv.create(environment, with_pip=True)
    python = environment / "bin" / "python"
    (site_packages,) = environment.glob("lib/python*/site-packages")
    shown = _without_the_course(root / "dependencies")
    (site_packages / "course-dependencies.pth").write_text(f"{shown}\n")
    probe = subprocess.run(
        [python, "-c", "import course_utils"], capture_output=True, text=True, cwd=root
    )
    assert "No module named 'course_utils'" in probe.stderr, "the stand-in must lack the course"
    kernel = root / "jupyter" / "kernels" / "colab-stand-in"
    kernel.mkdir(parents=True)
    argv = [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec = {"argv": argv, "display_name": "Colab stand-in", "language": "python"}
    (kernel / "kernel.json").write_text(json.dumps(spec))
    return {"root": root, "wheel": wheel, "site_packages": site_packages}


def test_a_lesson_opened_alone_installs_the_course_and_runs_colab_stand_in(
    colab: dict[str, Path], mirror: Mirror, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Lessons 1 and 4 copied alone into an empty folder run to the end: the first cell
    installs the course from COURSE_PIP_SPEC (a wheel), MNIST comes from a localhost mirror,
    pip may use no index, and lesson 4 saves its model beside the notebook."""
    mirror.files["mnist.npz"] = data.find_local_copy().read_bytes()  # MNIST_DIR or the default
    root, content = colab["root"], colab["root"] / "content"
    content.mkdir()
    for variable in ("MNIST_DIR", "COURSE_BUILD_DIR", "PYTHONPATH"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("JUPYTER_PATH", str(root / "jupyter"))
    monkeypatch.setenv("COURSE_PIP_SPEC", str(colab["wheel"]))
    monkeypatch.setenv("MNIST_URL", mirror.url + "mnist.npz")
    monkeypatch.setenv("KERAS_HOME", str(root / "keras"))
    monkeypatch.setenv("PIP_NO_INDEX", "1")  # nothing may come from a package index
    outputs = {}
    for stem, parameters in (
        ("01_load_mnist", {}),
        ("04_train", {"train_size": 2000, "epochs": 1}),
    ):
        shutil.copy(PROJECT_ROOT / "notebooks" / f"{stem}.ipynb", content)
        executed = papermill.execute_notebook(
            str(content / f"{stem}.ipynb"), str(root / f"{stem}.out.ipynb"),
            parameters=parameters, kernel_name="colab-stand-in", cwd=str(content),
            progress_bar=False,
        )  # fmt: skip
        outputs[stem] = [
            "".join(output.get("text", "") for output in cell.get("outputs", []))
            for cell in executed.cells
            if cell.cell_type == "code"
        ]
    first_cell = outputs["01_load_mnist"][0]
    assert f"Installing the course's helpers with pip: {colab['wheel']}" in first_cell
    assert (colab["site_packages"] / "course_utils" / "install_cell.py").is_file()
    lesson_1 = "\n".join(outputs["01_load_mnist"])
    assert "No local copy: MNIST_DIR is not set. Downloading mnist.npz from" in lesson_1
    assert "MNIST downloaded and verified" in lesson_1
    assert outputs["04_train"][0] == ""  # installed once, so lesson 4 installs nothing
    assert re.search(r"test accuracy \d+\.\d+%", "\n".join(outputs["04_train"]))
    assert (content / "build" / "models" / "mnist_cnn.keras").is_file()
    assert mirror.requests == ["/mnist.npz"]  # downloaded once, then read from Keras's cache


# ---- Binder and JupyterLab: the repository's own configuration ---------------------------


def test_binder_builds_the_course_from_the_repository() -> None:
    """repo2docker (mybinder's builder) reads environment.yml: it must install the course
    after copying the repository in, then run postBuild, which ships the Jupytext setting."""
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
    assert copied < installed < post_build
    pip_section = (PROJECT_ROOT / "environment.yml").read_text()
    assert re.search(r"^\s+- -e \.$", pip_section, flags=re.M), "environment.yml installs ."
    assert "jupyter/overrides.json" in (PROJECT_ROOT / "postBuild").read_text()


def test_jupyterlab_opens_the_myst_lessons_as_notebooks_by_default() -> None:
    shipped = json.loads((PROJECT_ROOT / "jupyter" / "overrides.json").read_text())
    viewers = shipped["@jupyterlab/docmanager-extension:plugin"]["defaultViewers"]
    assert viewers == {"markdown": "Jupytext Notebook", "myst": "Jupytext Notebook"}
    installed = Path(sys.prefix) / LAB_SETTINGS  # what `make setup` put in the environment
    assert installed.is_file(), "make setup installs jupyter/overrides.json into the venv"
    assert json.loads(installed.read_text()) == shipped
    assert os.fspath(LAB_SETTINGS) in (PROJECT_ROOT / "Makefile").read_text()
