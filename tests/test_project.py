"""course_utils.project: the lessons in order, and a file written whole or not at all."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from course_utils import project

import pytest


def test_the_lessons_are_the_numbered_files_in_course_order(tmp_path: Path) -> None:
    for name in ("02_b.md", "01_a.md", "01_a.ipynb", "README.md", "1_short.md", "10_c.md"):
        (tmp_path / name).write_text("")
    assert [path.name for path in project.lessons(tmp_path)] == ["01_a.md", "02_b.md", "10_c.md"]
    assert [path.name for path in project.lessons(tmp_path, ".ipynb")] == ["01_a.ipynb"]
    sources, notebooks = project.lessons(), project.lessons(suffix=".ipynb")
    assert sources and [path.stem for path in sources] == [path.stem for path in notebooks]


def test_an_atomic_write_replaces_the_target_whole(tmp_path: Path) -> None:
    target = tmp_path / "results.json"
    target.write_text("old")
    with project.atomic_write(target) as temporary:
        assert temporary.parent == tmp_path and temporary != target
        temporary.write_text("new")
        assert target.read_text() == "old", "the target changes only at the end"
    assert target.read_text() == "new"
    assert [path.name for path in tmp_path.iterdir()] == ["results.json"]
    umask = os.umask(0o022)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask  # as a plain write gives


def test_an_atomic_write_sets_the_mode_asked_for(tmp_path: Path) -> None:
    with project.atomic_write(tmp_path / "mnist.npz", mode=0o640, suffix=".part") as temporary:
        assert temporary.name.startswith(".mnist.npz.") and temporary.name.endswith(".part")
        temporary.write_bytes(b"data")
    assert stat.S_IMODE((tmp_path / "mnist.npz").stat().st_mode) == 0o640


@pytest.mark.parametrize("error", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_a_failed_atomic_write_leaves_the_target_and_no_partial_file(
    tmp_path: Path, error: BaseException
) -> None:
    target = tmp_path / "model.keras"
    target.write_text("previous")
    with pytest.raises(type(error)), project.atomic_write(target) as temporary:
        temporary.write_text("half")
        raise error
    assert target.read_text() == "previous"
    assert [path.name for path in tmp_path.iterdir()] == ["model.keras"]


def test_an_atomic_write_onto_a_folder_fails_and_leaves_nothing(tmp_path: Path) -> None:
    (tmp_path / "in the way").mkdir()
    with pytest.raises(OSError), project.atomic_write(tmp_path / "in the way") as temporary:
        temporary.write_text("data")
    assert [path.name for path in tmp_path.iterdir()] == ["in the way"]
