"""`make course` shows its progress live: which lesson, which cell of how many, what the cells
print (the training's epoch lines), and a line whenever a cell has been silent for a while."""

from __future__ import annotations

import io
import subprocess
import sys
import time
from pathlib import Path

from course_admin import course

import nbformat
import pytest

KERNEL = {"name": "python3", "display_name": "Python 3", "language": "python"}


def write_fake_lesson(folder: Path) -> Path:
    """A two-cell lesson that trains for show: an epoch line, a pause, another epoch line;
    then a cell that works in silence."""
    folder.mkdir()
    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# A fake lesson"),
            nbformat.v4.new_code_cell(
                "import time\n"
                "print('Epoch 1/2 - loss 0.5', flush=True)\n"
                "time.sleep(3)\n"
                "print('Epoch 2/2 - loss 0.2', flush=True)"
            ),
            nbformat.v4.new_code_cell("time.sleep(3)"),
        ],
        metadata={"kernelspec": KERNEL},
    )
    path = folder / "01_fake.ipynb"
    nbformat.write(notebook, path)
    return path


def test_make_course_prints_cells_and_epoch_lines_while_the_lesson_runs(tmp_path: Path) -> None:
    write_fake_lesson(tmp_path / "lessons")
    command = [sys.executable, "-m", "course_admin.course", "--lessons", str(tmp_path / "lessons"),
               "--output", str(tmp_path / "build" / "course")]  # fmt: skip
    arrivals: list[tuple[float, str]] = []
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, bufsize=1) as process:
        for line in process.stdout:
            arrivals.append((time.monotonic(), line.rstrip()))
    assert process.returncode == 0, "\n".join(line for _, line in arrivals)

    printed = "\n".join(line for _, line in arrivals)

    def arrived(text: str) -> float:
        times = [moment for moment, line in arrivals if text in line]
        assert times, f"{text!r} never reached the terminal:\n{printed}"
        return times[0]

    assert arrived("[1/1] 01_fake: cell 1/2") < arrived("| Epoch 1/2 - loss 0.5")
    # each line arrives when the cell prints it, not when the lesson ends
    assert arrived("| Epoch 2/2") - arrived("| Epoch 1/2") > 2
    assert arrived("[1/1] 01_fake done in") - arrived("[1/1] 01_fake: cell 2/2") > 2
    assert (tmp_path / "build" / "course" / "01_fake.ipynb").is_file()


def test_an_empty_lessons_folder_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        course.main(["--lessons", str(tmp_path)])
    assert stopped.value.code == 2
    assert f"no lessons (NN_name.ipynb) in {tmp_path}" in capsys.readouterr().err


def test_console_prints_whole_lines_and_only_a_progress_bar_latest_state() -> None:
    stream = io.StringIO()
    with course.LessonConsole("[4/7] 04_train", stream, heartbeat=60) as console:
        console.cell_started(3, 12)
        console.write("Epoch 1/4\n844/844 - 9s")
        assert stream.getvalue().endswith("| Epoch 1/4\n"), "an unfinished line waits"
        console.write(" - accuracy: 0.91\n")
        console.write("\r1/10 [=>...]\r5/10 [====>.]\r10/10 [======]\r\n")
        console.write("last words without a newline")
    assert stream.getvalue().splitlines() == [
        "  [4/7] 04_train: cell 3/12",
        "    | Epoch 1/4",
        "    | 844/844 - 9s - accuracy: 0.91",
        "    | 10/10 [======]",
        "    | last words without a newline",
    ]


def test_console_says_a_silent_cell_is_still_running() -> None:
    stream = io.StringIO()
    with course.LessonConsole("[7/7] 07_going_further", stream, heartbeat=0.2) as console:
        console.cell_started(5, 20)
        console.write("\r12/844 [..............]")
        time.sleep(0.7)
    lines = stream.getvalue().splitlines()
    beats = [line for line in lines if "cell 5/20, still running after" in line]
    assert len(beats) >= 2, lines
    assert beats[0].endswith(": 12/844 [..............]"), "the bar's latest state is shown"


def test_console_names_what_runs_in_its_still_running_lines() -> None:
    stream = io.StringIO()
    with course.LessonConsole("  Keras on jax", stream, heartbeat=0.2) as console:
        console.doing("timing epochs")
        assert stream.getvalue() == "", "naming the step prints nothing by itself"
        time.sleep(0.5)
    assert "  Keras on jax: timing epochs, still running after " in stream.getvalue()


def test_the_anonymous_peak_sees_memory_a_process_takes_and_gives_back() -> None:
    """The kernels' anonymous memory (what a hub's limit charges) is sampled while they run:
    a block allocated and freed between two of the caller's looks is still in the peak."""
    import os

    import numpy as np

    before = course.anonymous_mib(os.getpid())
    sampler = course.AnonymousPeak(os.getpid(), interval=0.01)
    block = np.ones(64 * 2**20 // 8)  # 64 MiB, touched
    time.sleep(0.2)
    del block
    peak = sampler.stop()
    assert before is not None and peak is not None
    assert peak >= before + 60, (before, peak)
    assert course.anonymous_mib(os.getpid()) < peak
    assert course.anonymous_mib(2**22 + 12345) is None  # no such process
