"""The facts about the project that both packages use: where it is, where its lessons are,
where what it produces goes, which Keras backends it runs on, and how a file is written
whole or not at all.

Standard library only: the lesson helpers (``course_utils``) import this module too, and the
course's tools import it without starting TensorFlow.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = PROJECT_ROOT / "notebooks"
BUILD_ENV_VAR = "COURSE_BUILD_DIR"
#: Every Keras backend the course runs on (the tests run the fast course on each).
BACKENDS = ("tensorflow", "jax", "torch")
#: The most resident memory a lesson's kernel may reach in the fast course, in MiB: the
#: fast course's tests fail above it (tests/test_fast_course.py), so that a change which
#: doubles a lesson's memory fails there. Its kernels peak at 0.8 to 1.2 GiB.
FAST_COURSE_MEMORY_BUDGET_MIB = 1536
#: The most anonymous memory a lesson's kernel needed at its real size, in MiB: what a
#: container's memory limit charges and cannot reclaim (a kernel's resident peak, VmHWM,
#: also counts about 600 MiB of TensorFlow's mapped libraries, which the kernel can drop and
#: read again). Lesson 7, measured by `make course` on 2026-12-06 at seeds 42, 1 and 2
#: (1,664, 1,673 and 1,670 MiB; every lesson's figure is in the instructors' guide). A hub
#: gives each student at least this plus the server's own (tests/test_hub.py).
FULL_COURSE_PEAK_MIB = 1673
#: What a student's Jupyter server holds beside the kernel, in MiB: JupyterLab's server
#: with Jupytext and nbgitpuller measured about 100 after opening a lesson; a hub's
#: single-user server, a terminal and nbgitpuller's git add to it (150 to 250 in all).
#: A hub's memory limit is at least the peak above plus this (tests/test_hub.py).
SERVER_OVERHEAD_MIB = 256
#: The most disk a student's work takes, in MiB, beside the image: the repository that
#: nbgitpuller copies (3), MNIST in Keras's cache (11), lessons 4 and 7's saved networks (3)
#: and the executed lessons (2), measured on 2026-12-06 after the whole course, with room
#: for the outputs students keep. The hub's ephemeral-storage guarantee covers it
#: (tests/test_hub.py), and the fast course checks what it writes (tests/test_fast_course.py).
STUDENT_WRITES_MIB = 64
#: What a lesson's file name looks like: two digits, an underscore, a name.
LESSON_PATTERN = "[0-9][0-9]_*"


def in_checkout() -> bool:
    """Is the course running from a checkout (not installed on its own, as on Colab)?"""
    return NOTEBOOK_DIR.is_dir()


def build_dir() -> Path:
    """The folder for everything the course produces: ``$COURSE_BUILD_DIR``, else ``build/``
    in the checkout, else (installed on its own, as on Colab) ``build/`` in the current folder."""
    default = PROJECT_ROOT / "build" if in_checkout() else Path.cwd() / "build"
    return Path(os.environ.get(BUILD_ENV_VAR) or default).expanduser()


def lessons(folder: Path = NOTEBOOK_DIR, suffix: str = ".md") -> list[Path]:
    """The lessons in ``folder`` (``NN_name`` + ``suffix``: ``.md``, the sources, or
    ``.ipynb``, their pairs), in course order."""
    return sorted(Path(folder).glob(LESSON_PATTERN + suffix))


def _umask() -> int:
    """The process's umask, without changing it where Linux reports it."""
    with contextlib.suppress(OSError):
        found = re.search(r"^Umask:\s*([0-7]+)$", Path("/proc/self/status").read_text(), re.M)
        if found:
            return int(found.group(1), 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_write(target: Path, mode: int | None = None, suffix: str = ".part") -> Iterator[Path]:
    """Write ``target`` whole or not at all: yield a new, empty temporary file beside it
    (``.NAME.XXXXXXXX`` + ``suffix``; give the target's own suffix where the writer insists on
    one, as Keras's ``model.save`` does), to be written in the ``with`` block.

    When the block ends normally, the temporary file gets ``mode`` (by default what a newly
    created file gets: 0o666 less the umask) and replaces ``target`` in one step. When it
    raises, or the replacing fails, the temporary file is removed and the error goes on:
    ``target`` is left as it was. The temporary file is created exclusively (``mkstemp``), so
    a shared folder cannot slip another file or a link in its place.
    """
    target = Path(target)
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix, dir=target.parent)
    os.close(handle)
    try:
        yield Path(name)
        os.chmod(name, 0o666 & ~_umask() if mode is None else mode)  # mkstemp made it 0o600
        os.replace(name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(name)
        raise
