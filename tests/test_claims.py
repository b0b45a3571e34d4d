"""What the lessons, the introduction and the README say about the lessons' own results,
checked against the lessons as the book build executes them: at their default parameters,
the real course. A claim that a run no longer bears out fails here, so the prose is fixed
(or the change undone) before a student reads something the cell beside it contradicts.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from course_tools import project
from course_tools.project import PROJECT_ROOT
from course_utils.results import read_results

import pytest

pytestmark = [pytest.mark.book, pytest.mark.newest]


@pytest.fixture(scope="module")
def executed(site: Path) -> dict[str, dict[str, Any]]:
    """Each lesson as the book executed it: its report() figures and everything it printed."""
    folder = site.parent / "jupyter_execute" / "notebooks"
    lessons = {}
    for path in project.lessons(folder, ".ipynb"):
        notebook = json.loads(path.read_text())
        printed = "".join(
            "".join(output.get("text", ""))
            for cell in notebook["cells"]
            for output in cell.get("outputs", [])
        )
        lessons[path.stem] = {"figures": read_results(notebook), "printed": printed}
    assert len(lessons) == len(project.lessons()), f"the book executed {sorted(lessons)}"
    return lessons


def _prose(relative: str) -> str:
    return " ".join((PROJECT_ROOT / relative).read_text().split())


def test_the_seed_network_reads_about_99_digits_in_100(executed: dict) -> None:
    accuracy = executed["04_train"]["figures"]["test_accuracy"]
    assert 0.985 <= accuracy < 0.995, accuracy
    assert "correctly about 99 times in 100" in _prose("book/intro.md")
    assert "gets about 99 of every 100 right" in _prose("notebooks/01_load_mnist.md")


def test_the_stronger_network_reaches_about_99_5_percent_half_the_mistakes(executed: dict) -> None:
    seed = executed["04_train"]["figures"]["test_accuracy"]
    stronger = executed["07_going_further"]["figures"]["test_accuracy"]
    assert abs(stronger - 0.995) <= 0.0015, stronger
    assert 0.3 <= (1 - stronger) / (1 - seed) <= 0.7, "'about half of the mistakes gone'"
    for source in ("book/intro.md", "README.md", "notebooks/07_going_further.md"):
        assert "about 99.5%" in _prose(source), source
        assert "99.4%" not in _prose(source), source


def test_shifted_copies_are_the_recipes_answer_and_do_not_hurt(executed: dict) -> None:
    figures = executed["07_going_further"]["figures"]
    assert figures["test_accuracy"] >= figures["test_accuracy_one_prediction"]


def test_the_schedule_ends_where_its_docstring_says(executed: dict) -> None:
    printed = executed["07_going_further"]["printed"]
    rates = re.findall(r"step +(\d+): learning rate ([0-9.]+)", printed)
    assert [rate for _, rate in rates][:2] == ["0.00000", "0.00400"], rates
    assert rates[-1][1] == "0.00004", rates
    assert "cosine down to 0.00004" in _prose("notebooks/07_going_further.md")


def test_each_ingredient_is_measured_on_its_own(executed: dict) -> None:
    printed = executed["07_going_further"]["printed"]
    rows = re.findall(r"^(\S.*?) +validation accuracy (0\.\d{4})", printed, flags=re.M)
    names = list(dict.fromkeys(name.strip() for name, _ in rows))  # once each, in order
    assert names == [
        "seed network (lesson 4)", "new shape", "+ batch normalisation", "+ batches of 256",
        "+ learning-rate schedule", "+ data augmentation", "+ label smoothing",
        "+ shifted copies at test time",
    ]  # fmt: skip


def test_the_stronger_network_beats_the_seed_network_where_lesson_8_says(executed: dict) -> None:
    figures = executed["08_your_handwriting"]["figures"]
    assert figures["stronger_test_accuracy"] > figures["seed_test_accuracy"]
    assert figures["stronger_moved_accuracy"] > 10 * figures["seed_moved_accuracy"]
    assert abs(figures["stronger_fooled"] - figures["seed_fooled"]) <= 1, "about as many"


def test_what_fools_the_seed_network_is_what_lesson_8_says(executed: dict) -> None:
    printed = executed["08_your_handwriting"]["printed"]
    readings = {
        name.strip(): (int(digit), int(percent))
        for name, digit, percent in re.findall(
            r"^(\S.{0,21}?) +read as (\d) \( *(\d+)%\)", printed, flags=re.M
        )
    }
    survived = {"thin 7": 7, "thick 7": 7, "crossed 7": 7, "European 1": 1}
    fooled = {"off centre 7": 2, "7 turned 45 degrees": 2, "4 turned 90 degrees": 5}
    for name, digit in {**survived, **fooled}.items():
        assert readings[name][0] == digit, (name, readings[name])
    assert all(readings[name][1] >= 80 for name in fooled), readings
    assert "each with a probability of 80% or more" in _prose("notebooks/08_your_handwriting.md")


def test_mnist_is_roughly_balanced_as_lesson_1_says(executed: dict) -> None:
    counts = [
        int(count)
        for count in re.findall(
            r"^digit \d: +(\d+) images", executed["01_load_mnist"]["printed"], flags=re.M
        )
    ]
    assert len(counts) == 10 and sum(counts) == 60_000
    assert all(0.09 <= count / 60_000 <= 0.115 for count in counts), counts
    assert "each digit makes up about a tenth of the data" in _prose("notebooks/01_load_mnist.md")


def test_lesson_1s_pixel_printout_fits_without_wrapping(executed: dict) -> None:
    printed = executed["01_load_mnist"]["printed"]
    grid = [
        line for line in printed.splitlines() if re.fullmatch(r"( *\d{1,3})( +\d{1,3}){19}", line)
    ]
    assert len(grid) == 20 and max(map(len, grid)) <= 80, grid


def test_the_appendix_trains_on_four_devices_and_the_gradients_agree(executed: dict) -> None:
    """The book builds in the course's environment, with no backend chosen: lesson 9 switches
    to JAX's four virtual devices, and its prose about the run holds."""
    figures = executed["09_several_devices"]["figures"]
    assert figures["ran_distributed"] is True and figures["devices"] == 4
    assert figures["gradient_difference"] < 1e-12  # "agree up to the rounding"
    assert figures["rows_per_device"] == "16 16 16 16"
    assert figures["test_accuracy"] > 0.9
    prose = _prose("notebooks/09_several_devices.md")
    assert "agree up to the rounding of floating-point numbers" in prose
    assert "cut into the same four slices of 16" in prose
