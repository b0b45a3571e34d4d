"""Colab, the door most students use: a lesson's .ipynb opened alone, its first cell
installing the course. With COLAB_VENV set (the Colab part of .ci/run builds it from
tests/colab-runtime.txt: Python 3.13 and Colab's TensorFlow, Keras, NumPy, IPython and
ipywidgets), the kernels run there and every lesson runs in its fast mode; without it, a
stand-in (a new virtual environment that sees this environment's packages but not the
course) runs lessons 1 and 4. Either way the environment starts without course_utils,
nothing comes from a package index, MNIST comes from a localhost mirror, and the kernels
start as Colab's do: with google.colab.output imported (a stand-in module that records what
the lessons ask of it), which is how anywidget knows it must enable Colab's widget manager.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import venv
import zipfile
from dataclasses import dataclass
from pathlib import Path

from course_admin import course, install_cell
from course_utils import data, project
from course_utils.project import PROJECT_ROOT

import nbformat
import papermill
import pytest
from helpers import Mirror, free_port

pytestmark = [pytest.mark.colab, pytest.mark.newest]

COLAB_VENV = os.environ.get("COLAB_VENV")
KERNEL = "colab"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
#: Where Colab's widget manager comes from once enabled (the stand-in sets the attribute
#: that anywidget reads, as Colab's module does).
MANAGER_URL = "https://ssl.gstatic.com/colaboratory-static/widgets/colab-cdn-widget-manager/x.js"
FAKE_COLAB_OUTPUT = f'''"""Stand-in for google.colab.output: records what is asked of it."""
import os
from types import SimpleNamespace

_widgets = SimpleNamespace(_installed_url=None)


def enable_custom_widget_manager():
    _widgets._installed_url = "{MANAGER_URL}"
    with open(os.environ["COLAB_CALLS"], "a") as calls:
        calls.write("enable_custom_widget_manager\\n")
'''


@dataclass
class Colab:
    root: Path
    wheel: Path
    python: Path
    calls: Path  # what the lessons asked of google.colab.output, a line each


def _course_wheel(root: Path) -> Path:
    """A wheel of the course as a release would ship it (pyproject.toml, course_utils and
    course_admin)."""
    source = root / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(PROJECT_ROOT / name, source / name)
    for package in ("course_utils", "course_admin"):
        shutil.copytree(
            PROJECT_ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(root / "wheels"), str(source)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    (wheel,) = (root / "wheels").glob("cnn_mnist_course-*.whl")
    return wheel


def _stand_in(root: Path) -> Path:
    """A new virtual environment that sees this one's packages, but not the course."""
    environment = root / "venv"
    venv.create(environment, with_pip=True)
    (site_packages,) = environment.glob("lib/python*/site-packages")
    shown = root / "dependencies"
    shown.mkdir()
    here = Path(next(p for p in sys.path if p.endswith("site-packages")))
    for entry in here.iterdir():
        if not entry.name.startswith(
            ("cnn_mnist_course", "__editable__", "course_utils", "course_admin")
        ):
            (shown / entry.name).symlink_to(entry)
    (site_packages / "course-dependencies.pth").write_text(f"{shown}\n")
    return environment / "bin" / "python"


@pytest.fixture(scope="module")
def colab(tmp_path_factory: pytest.TempPathFactory) -> Colab:
    """The Colab runtime (COLAB_VENV) or its stand-in, a kernel for it started as Colab
    starts its kernels, and a wheel of the course for the install cell."""
    root = tmp_path_factory.mktemp("colab")
    python = Path(COLAB_VENV).absolute() / "bin" / "python" if COLAB_VENV else _stand_in(root)
    fake = root / "google-colab" / "google" / "colab" / "output"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text(FAKE_COLAB_OUTPUT)
    startup = root / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-colab.py").write_text("import google.colab.output  # as Colab's shell does\n")
    kernel = root / "jupyter" / "kernels" / KERNEL
    kernel.mkdir(parents=True)
    argv = [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec = {
        "argv": argv, "display_name": "Colab", "language": "python",
        "env": {"PYTHONPATH": str(fake.parents[2]), "IPYTHONDIR": str(root / "ipython"),
                "PYDEVD_DISABLE_FILE_VALIDATION": "1"},
    }  # fmt: skip
    (kernel / "kernel.json").write_text(json.dumps(spec))
    return Colab(root, _course_wheel(root), python, root / "colab-calls.txt")


@pytest.fixture
def without_the_course(colab: Colab, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A Colab session before the first cell: no course, no index, a fresh folder."""
    subprocess.run(
        [colab.python, "-m", "pip", "uninstall", "--quiet", "--yes", "cnn-mnist-course"],
        capture_output=True, check=True,
    )  # fmt: skip
    probe = subprocess.run(
        [colab.python, "-c", "import course_utils"], capture_output=True, cwd=tmp_path
    )
    assert b"No module named 'course_utils'" in probe.stderr, "the runtime must lack the course"
    for variable in ("MNIST_DIR", "COURSE_BUILD_DIR", "PYTHONPATH", "COURSE_PIP_SPEC"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("JUPYTER_PATH", str(colab.root / "jupyter"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setenv("COLAB_CALLS", str(colab.calls))
    monkeypatch.setenv("PIP_NO_INDEX", "1")  # nothing may come from a package index
    monkeypatch.setenv("PIP_FIND_LINKS", "")
    colab.calls.unlink(missing_ok=True)
    content = tmp_path / "content"  # Colab's working folder
    content.mkdir()
    return content


def _run_first_cell(content: Path) -> nbformat.NotebookNode:
    """A notebook holding the install cell alone, run in the Colab kernel; its outputs."""
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(install_cell.cell_source())]
    )
    notebook.metadata["kernelspec"] = {
        "name": KERNEL,
        "language": "python",
        "display_name": "Colab",
    }
    path = content / "first_cell.ipynb"
    nbformat.write(notebook, path)
    with pytest.raises(papermill.PapermillExecutionError):
        papermill.execute_notebook(
            str(path), str(path), kernel_name=KERNEL, cwd=str(content), progress_bar=False
        )
    return nbformat.read(path, as_version=4).cells[-1]


def _failure(cell: nbformat.NotebookNode) -> tuple[str, str]:
    """What the student reads of a failed first cell: (the printed line, the error shown)."""
    printed = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
    (error,) = [o for o in cell.outputs if o.output_type == "error"]
    return printed, "\n".join(error.traceback)


def _wheel_for_no_python(folder: Path) -> Path:
    """A valid wheel of a package that declares it runs on no Python 3 (as the course's
    0.1.0 did on Colab's 3.13: 'requires a different Python')."""
    wheel = folder / "cnn_mnist_course-9.9.9-py3-none-any.whl"
    info = "cnn_mnist_course-9.9.9.dist-info"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(
            f"{info}/METADATA",
            "Metadata-Version: 2.1\nName: cnn-mnist-course\nVersion: 9.9.9\nRequires-Python: <3\n",
        )
        archive.writestr(
            f"{info}/WHEEL",
            "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        )
        archive.writestr(f"{info}/RECORD", "")
    return wheel


@pytest.mark.parametrize(
    ("case", "pip_says"),
    [
        ("no network", "git clone"),
        ("a Python outside the range", "requires a different Python"),
        ("a wrong COURSE_PIP_SPEC", "does not exist"),
    ],
)
def test_a_failed_install_says_what_failed_and_what_to_do(
    case: str,
    pip_says: str,
    colab: Colab,
    without_the_course: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    specs = {
        "no network": f"git+http://127.0.0.1:{free_port()}/cnn-mnist-course@main",
        "a Python outside the range": str(_wheel_for_no_python(without_the_course)),
        "a wrong COURSE_PIP_SPEC": str(without_the_course / "no-such-course.whl"),
    }
    monkeypatch.setenv("COURSE_PIP_SPEC", specs[case])
    printed, shown = _failure(_run_first_cell(without_the_course))
    assert printed == f"Installing the course's helpers with pip: {specs[case]}\n"
    assert shown.startswith(f"Could not install the course's helpers: `pip install {specs[case]}`")
    assert pip_says in shown, shown
    version = subprocess.run(
        [colab.python, "-c", "import platform; print(platform.python_version())"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    assert "What to do: check that this runtime is online" in shown
    assert (
        f"The course runs on Python {install_cell.python_range()} (this is Python {version})"
        in shown
    )
    assert "Traceback" not in shown and "File " not in shown, "one message, not a traceback"


def test_a_missing_dependency_of_an_installed_course_is_not_reinstalled(
    without_the_course: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = without_the_course / "course_utils"
    broken.mkdir()
    (broken / "__init__.py").write_text("import a_package_the_course_needs  # noqa: F401\n")
    _failure_cell = _run_first_cell(without_the_course)
    printed, _ = _failure(_failure_cell)
    (error,) = [o for o in _failure_cell.outputs if o.output_type == "error"]
    assert printed == "", "pip must not run when course_utils itself is there"
    assert error.ename == "ModuleNotFoundError"
    assert error.evalue == "No module named 'a_package_the_course_needs'"


MODEL_FILES_THAT_RUN_CODE = """
import json, sys, zipfile
from pathlib import Path
from course_utils import startup  # noqa: F401
import keras
from course_utils import models

folder = Path(sys.argv[1])
keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Lambda(lambda x: x * 2),
                  keras.layers.Flatten()]).save(folder / "lambda.keras")
models.build_seed_cnn().save(folder / "plain.keras")
with zipfile.ZipFile(folder / "plain.keras") as archive:
    parts = {name: archive.read(name) for name in archive.namelist()}
config = json.loads(parts["config.json"])
config["config"]["layers"][-1]["config"]["activation"] = {
    "module": "os", "class_name": "function", "config": "system", "registered_name": "system"}
parts["config.json"] = json.dumps(config).encode()
with zipfile.ZipFile(folder / "function.keras", "w") as archive:
    for name, content in parts.items():
        archive.writestr(name, content)
for name in ("lambda", "function", "plain"):
    try:
        models.load_saved_model(folder / f"{name}.keras")
        print(name, "loaded")
    except models.ModelFileError:
        print(name, "refused")
"""


def test_model_files_that_would_run_code_are_refused_on_colabs_keras(
    colab: Colab, without_the_course: Path
) -> None:
    """Colab's own Keras (3.13.2 today) refuses them too, through the course's one loader."""
    subprocess.run(
        [colab.python, "-m", "pip", "install", "--quiet", str(colab.wheel)],
        check=True, capture_output=True,
    )  # fmt: skip
    result = subprocess.run(
        [colab.python, "-c", MODEL_FILES_THAT_RUN_CODE, str(without_the_course)],
        capture_output=True, text=True, cwd=without_the_course,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split("\n")[:3] == ["lambda refused", "function refused", "plain loaded"]


def _texts(cell: nbformat.NotebookNode) -> str:
    return "".join(output.get("text", "") for output in cell.get("outputs", []))


def test_lessons_opened_alone_install_the_course_and_run(
    colab: Colab, without_the_course: Path, mnist_mirror: Mirror, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each lesson copied alone into Colab's folder runs to the end, in order, in its fast
    mode: the first cell of the first installs the course from COURSE_PIP_SPEC (a wheel:
    no index, so everything else the course needs must be in the runtime already), MNIST
    comes from a localhost mirror once, the trained networks are saved beside the notebooks
    for the next lessons, and lesson 8's drawing pad asks for Colab's widget manager."""
    mnist_mirror.files["mnist.npz"] = (
        data.find_local_copy().read_bytes()
    )  # MNIST_DIR or the default
    monkeypatch.setenv("COURSE_PIP_SPEC", str(colab.wheel))
    monkeypatch.setenv("MNIST_URL", mnist_mirror.url + "mnist.npz")
    content = without_the_course
    stems = [path.stem for path in project.lessons(suffix=".ipynb")]
    if not COLAB_VENV:
        stems = ["01_load_mnist", "04_train"]  # the stand-in: the first and a training lesson
    executed = {}
    for stem in stems:
        shutil.copy(PROJECT_ROOT / "notebooks" / f"{stem}.ipynb", content)
        declared = papermill.inspect_notebook(str(content / f"{stem}.ipynb"))
        parameters = {k: v for k, v in course.FAST_PARAMETERS.items() if k in declared}
        print(f"Colab: {stem} with {parameters or 'its own fast parameters'}", flush=True)
        executed[stem] = papermill.execute_notebook(
            str(content / f"{stem}.ipynb"), str(colab.root / f"{stem}.out.ipynb"),
            parameters=parameters, kernel_name=KERNEL, cwd=str(content), progress_bar=False,
        ).cells  # fmt: skip
    first_cells = [
        _texts(next(c for c in cells if c.cell_type == "code")) for cells in executed.values()
    ]
    assert first_cells[0] == f"Installing the course's helpers with pip: {colab.wheel}\n"
    assert first_cells[1:] == [""] * (len(stems) - 1), "installed once, then nothing to do"
    lesson_1 = "".join(_texts(cell) for cell in executed["01_load_mnist"])
    versions = next(line for line in lesson_1.splitlines() if line.startswith("Python "))
    expected = subprocess.run(
        [colab.python, "-c", "import platform, keras; print(platform.python_version(), "
         "keras.__version__)"],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    assert f"Python {expected[0]}" in versions and f"Keras {expected[1]}" in versions, versions
    assert "No local copy: MNIST_DIR is not set. Downloading mnist.npz from" in lesson_1
    assert "MNIST downloaded and verified" in lesson_1
    assert re.search(r"test accuracy \d+\.\d+%", "".join(map(_texts, executed["04_train"])))
    assert (content / "build" / "models" / "mnist_cnn.keras").is_file()
    assert mnist_mirror.requests == ["/mnist.npz"]  # downloaded once, then read from Keras's cache
    for stem, cells in executed.items():
        # the quiz reaches Colab as the lesson holds it: Markdown that Colab renders itself,
        # one disclosure (<details>) per option, needing no kernel and no widget
        committed = nbformat.read(PROJECT_ROOT / "notebooks" / f"{stem}.ipynb", as_version=4)
        quiz = [c.source for c in committed.cells if "quiz" in c.metadata.get("tags", [])]
        ran = [c.source for c in cells if "quiz" in c.metadata.get("tags", [])]
        assert quiz and ran == quiz and all("<details><summary>" in cell for cell in ran), stem
    if "08_your_handwriting" in executed:
        # Colab shows a widget from outside ipywidgets only once its custom widget manager is
        # enabled; anywidget enables it when the pad is made (with ipywidgets 7, Colab's own
        # display hook then marks the pad's output for that manager).
        pads = [
            output
            for cell in executed["08_your_handwriting"]
            for output in cell.get("outputs", [])
            if WIDGET_VIEW in output.get("data", {}) and "DrawingPad" in str(output["data"])
        ]
        assert pads, "lesson 8 shows no drawing pad"
        assert colab.calls.read_text().splitlines() == ["enable_custom_widget_manager"]
