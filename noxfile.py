"""The course's test sessions, declared once: `make test` runs the default ones two at a
time (what CI runs, through .ci/run); `.venv/bin/nox -s NAME` runs one; `nox -l` lists them.

Sessions that test the course as `make setup` installs it run in that environment (.venv,
where nox itself runs). The others build their own with uv: another Python, the lowest
versions the course declares, Google Colab's runtime. pytest markers (pyproject.toml)
choose the tests of each session.
"""

from __future__ import annotations

import fcntl
import json
import re
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# The course's tools run from the checkout (the wheel holds only what the lessons import),
# and nox does not put the noxfile's folder on the path.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from course_admin.course import FAST_PARAMETERS  # noqa: E402
from course_admin.uv import configure_uv  # noqa: E402
from course_utils.project import BACKENDS, NOTEBOOK_DIR, PROJECT_ROOT, lessons  # noqa: E402

import nox  # noqa: E402

nox.options.default_venv_backend = "uv"
# Its environments go under build/, with everything else the course produces (and which the
# book build and git leave alone).
nox.options.envdir = "build/nox"
nox.options.error_on_missing_interpreters = True
# The sessions `make test` and CI run; `make test` starts them in the order they are declared
# below, longest first, so that two running at a time end close together.
nox.options.sessions = [
    "book",
    "lessons-tensorflow",
    "lessons-jax",
    "lessons-torch",
    "colab",
    "unit",
    "lowest",
    "browser",
    "lint",
]

PYTEST = (sys.executable, "-m", "pytest")
NOT_SEPARATE = "not (lessons or book or browser or colab)"
COLAB_RUNTIME = PROJECT_ROOT / "tests" / "colab-runtime.txt"
COLAB_PYTHON = re.search(r"^# python: *(\S+)", COLAB_RUNTIME.read_text(), re.M).group(1)
LOWEST_PYTHON = re.search(
    r'requires-python = ">=([\d.]+)', (PROJECT_ROOT / "pyproject.toml").read_text()
).group(1)
#: The course with the tools its tests need (as `make setup` installs it, but for the
#: backends of the bench extra: uv would fetch PyTorch's multi-GB CUDA build).
COURSE_WITH_TESTS = ("-e", ".[lab,dev,book]")
#: What a session's own environment says of itself once the course is installed.
SHOW_VERSIONS = (
    "import sys; from importlib.metadata import version; print('Python', sys.version.split()[0],"
    " *(f'{name} {version(name)}' for name in ('keras', 'tensorflow', 'numpy', 'jupyter-book')))"
)
#: The Python that ruff also formats (the lessons keep the layout their prose explains).
FORMATTED = ("course_utils", "course_admin", "tests", "noxfile.py")


configure_uv()  # uv with pip's indexes, and pyenv's Pythons (course_admin/uv.py)


@contextmanager
def one_install_at_a_time() -> Iterator[None]:
    """An editable install writes its metadata into the checkout: two sessions installing at
    once would trip over each other."""
    lock = PROJECT_ROOT / "build" / ".install.lock"
    lock.parent.mkdir(exist_ok=True)
    with lock.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def install_course(session: nox.Session, *options: str) -> None:
    with one_install_at_a_time():
        session.install(*options, *COURSE_WITH_TESTS)
    session.run("python", "-c", SHOW_VERSIONS)


@nox.session(venv_backend="none")
def book(session: nox.Session) -> None:
    """One strict build of the site at the lessons' real sizes: the site's tests, its axe-core
    audit, and what the prose claims about the lessons' results."""
    session.run(*PYTEST, "tests", "-m", "book", *session.posargs)


def lessons_on(backend: str) -> None:
    """Declare the session ``lessons-BACKEND``: the fast course with its assertions, on that
    Keras backend. TensorFlow's runs on Python 3.12 (the pinnable Colab runtime's; 3.11 runs
    every other session but Colab's, on 3.13) and re-runs lesson 7 with the same seed: its
    seeding (the network's, the data's order, the augmentation's) covers lesson 4's. Seeding
    is the course's own code, the same on every backend, so JAX and PyTorch re-run nothing."""
    keyword = "not same_seed_and_parameters"
    if backend == "tensorflow":
        keyword += " or 07_going_further"
    options = ["-s", "tests", "-m", "lessons", "-k", keyword]
    environment = {"COURSE_BACKENDS": backend}
    if backend == "tensorflow":

        @nox.session(name="lessons-tensorflow", python="3.12")
        def run(session: nox.Session) -> None:
            install_course(session)
            session.run("python", "-m", "pytest", *options, *session.posargs, env=environment)

    else:

        @nox.session(name=f"lessons-{backend}", venv_backend="none")
        def run(session: nox.Session) -> None:
            session.run(*PYTEST, *options, *session.posargs, env=environment)

    run.__doc__ = f"The fast course with its assertions on Keras's {backend} backend."


for _backend in BACKENDS:
    lessons_on(_backend)


def nbval_every_lesson(session: nox.Session) -> None:
    """nbval executes every lesson in the session's environment, in its fast mode: the
    parameters papermill writes into a copy of each (course_admin.course.FAST_PARAMETERS)."""
    folder = Path(session.create_tmp()) / "fast-lessons"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    parameters = json.dumps(FAST_PARAMETERS)  # YAML, as papermill's -y reads it
    for lesson in lessons(NOTEBOOK_DIR, ".ipynb"):
        target = str(folder / lesson.name)
        session.run(
            "papermill", "--prepare-only", "-y", parameters, str(lesson), target, silent=True
        )
    # the tests' conftest keeps the run hermetic (MNIST from ../shared, builds in a tmp folder);
    # PYTHONPATH, as older pytest loads `-p` plugins before it reads the ini's pythonpath
    session.run(
        "python", "-m", "pytest", "-p", "conftest", str(folder), env={"PYTHONPATH": "tests"}
    )


@nox.session(python=COLAB_PYTHON, venv_params=["--seed"])
def colab(session: nox.Session) -> None:
    """Google Colab's default runtime (tests/colab-runtime.txt: its Python and versions),
    without the course: every lesson from its .ipynb alone, its first cell installing the
    course from a wheel (tests/test_colab.py)."""
    session.install("-r", str(COLAB_RUNTIME))
    session.run(
        *PYTEST,
        "-s",
        "tests",
        "-m",
        "colab",
        *session.posargs,
        env={"COLAB_VENV": session.virtualenv.location},
    )


@nox.session(venv_backend="none")
def unit(session: nox.Session) -> None:
    """Every test that is not one of the sessions below, in the course's environment."""
    session.run(*PYTEST, "tests", "-m", NOT_SEPARATE, *session.posargs)


@nox.session(python=LOWEST_PYTHON)
def lowest(session: nox.Session) -> None:
    """The lowest versions pyproject.toml declares (uv's lowest-direct resolution), on the
    lowest Python: the unit tests on TensorFlow, then nbval executes every lesson."""
    install_course(session, "--resolution", "lowest-direct")
    session.run(
        "python",
        "-m",
        "pytest",
        "tests",
        "-m",
        "not (book or browser or colab or lessons or newest)",
        *session.posargs,
        env={"COURSE_BACKENDS": "tensorflow"},
    )
    nbval_every_lesson(session)


@nox.session(venv_backend="none")
def browser(session: nox.Session) -> None:
    """The lessons in JupyterLab, and the drawing pad, in Chromium."""
    session.run(*PYTEST, "tests", "-m", "browser and not book", *session.posargs)


@nox.session(venv_backend="none")
def lint(session: nox.Session) -> None:
    """ruff over the package, the tools, the tests and the lessons."""
    session.run(sys.executable, "-m", "ruff", "check", ".")
    session.run(sys.executable, "-m", "ruff", "format", "--check", *FORMATTED)
