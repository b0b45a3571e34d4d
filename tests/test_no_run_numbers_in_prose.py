"""No number that a run decides is written into a lesson's prose.

Training, timing and sampling give other figures on another seed or processor, so a
decimal or a percentage copied from one run into the Markdown turns false on the next
machine: the cell beside it prints the run's own figure instead. What the prose may say is
listed once below: fixed facts (a default, a setting the lesson's code makes, exact
arithmetic, a claim `tests/test_prose_matches_results.py` checks with a margin), each with
why it holds on every machine. The prose is the Markdown cells, and the captions and alt
text of figures.
"""

from __future__ import annotations

import re
from pathlib import Path

from course_utils import project

import jupytext
import pytest

pytestmark = pytest.mark.newest

#: A decimal (0.9002, 2.5) or a percentage (79%, 99.5 %, 80 percent).
RUN_NUMBER = re.compile(
    r"(?<![\w.,])(\d+\.\d+(?:\s?(?:%|percent\b))?|\d+\s?(?:%|percent\b))(?![\w.]\d)"
)

#: The numbers a lesson's prose may state, and why each holds on every machine.
FIXED_FACTS = {
    "0.001": "Adam's default learning rate in Keras (lesson 4 prints it)",
    "10%": "the validation split the lessons set (validation_split=0.1); also lesson 7's "
    "dropout, zoom and batch-normalisation momentum 0.9, all set in code",
    "25%": "the seed network's dropout rate, Dropout(0.25)",
    "90%": "the seed network's dense hidden layer holds 102,528 of its 113,386 parameters",
    "1%": "the share a batch moves Keras's batch-normalisation average by (momentum 0.99)",
    "5%": "lesson 7's warm-up: the first 5% of the steps (set in its code)",
    "0.004": "lesson 7's peak learning rate (set in its code)",
    "0.00004": "where lesson 7's schedule ends (printed by the lesson, set in its code)",
    "2.5": "lesson 7's largest shift in augmentation, in pixels (set in its code)",
    "0.1": "lesson 7's label smoothing (set in its code); -log(0.1) is a blind guess's loss",
    "0.91": "label smoothing 0.1's target for the right digit: 0.9 + 0.1/10",
    "0.01": "label smoothing 0.1's target for each other digit: 0.1/10",
    "0.017%": "one image of lesson 7's 6,000 validation images: 1/6000",
    "99%": "the seed network's test accuracy, 'about 99%' (test_prose_matches_results), or a "
    "confidence in a pitfall's example",
    "99.0%": "the seed network's test accuracy to one decimal, 'about 99.0%' "
    "(test_prose_matches_results)",
    "99.5%": "the stronger network's test accuracy, 'about 99.5%' (test_prose_matches_results)",
    "100%": "what softmax's ten probabilities add up to",
    "14.0": "the centre of a 28-pixel frame, measured from its left (or top) edge",
    "14.5": "where MNIST put its digits' centre of mass (LeCun et al.'s description of the "
    "set, lesson 8 computes it)",
    "3.15": "a Keras version",
    "2.8": "the square root of 8, the square-root rule's factor for 8 devices (lesson 9)",
    "0.0028": "0.001 times the square root of 8: the square-root rule for 8 devices (lesson 9)",
    "0.008": "exercise 9.2's rate: 0.001 scaled by a global batch of 512 over 64",
}


def exercise_labels() -> set[str]:
    """The exercises' numbers ("4.2"): labels, not results."""
    return {
        label
        for path in project.lessons()
        for label in re.findall(r"^### Exercise (\d+\.\d+)", path.read_text(), flags=re.M)
    }


def prose_of(lesson: Path) -> str:
    """A lesson's Markdown cells and its figures' captions and alt text."""
    parts = []
    for cell in jupytext.read(lesson).cells:
        if cell.cell_type == "markdown":
            parts.append(cell.source)
        figure = cell.metadata.get("mystnb", {})
        parts.append(str(figure.get("figure", {}).get("caption", "")))
        parts.append(str(figure.get("image", {}).get("alt", "")))
    return "\n".join(parts)


def run_numbers(prose: str, allowed: set[str]) -> list[str]:
    """The decimals and percentages in ``prose`` that are not ``allowed``, in order, each
    with the words around it. Inline code (`0.001` in backticks) is code, and an address
    (arxiv.org/abs/1706.02677) a name, not a claim."""
    prose = re.sub(r"`[^`\n]*`|\]\([^)\s]*\)|https?://\S+", "", prose)
    found = []
    for match in RUN_NUMBER.finditer(prose):
        number = re.sub(r"\s?(?:%|percent)$", "%", match.group(1))
        if number in allowed or number.rstrip("%") in allowed:
            continue
        context = " ".join(prose[max(0, match.start() - 50) : match.end() + 20].split())
        found.append(f"{number}: ...{context}...")
    return found


def test_the_scan_finds_a_run_number_and_passes_a_fixed_fact() -> None:
    allowed = set(FIXED_FACTS) | {"4.2"}
    prose = (
        "Exercise 4.2: Adam's rate is 0.001, and 10% is held out. The probability rose "
        "to 0.9002; the CNN reads 97.21 % of them, 79 percent of the 7s, or 80% at least. "
        "Keep `0.3104` in code, [this](https://arxiv.org/abs/1706.02677) a link. A batch of "
        "64 and 1,000 images are counts, not results."
    )
    assert [line.split(":")[0] for line in run_numbers(prose, allowed)] == [
        "0.9002", "97.21%", "79%", "80%",
    ]  # fmt: skip


@pytest.mark.parametrize("lesson", project.lessons(), ids=lambda path: path.stem)
def test_no_number_a_run_decides_is_written_in_the_prose(lesson: Path) -> None:
    found = run_numbers(prose_of(lesson), set(FIXED_FACTS) | exercise_labels())
    assert not found, (
        f"{lesson.name} states numbers that a run decides: let a cell print them (or, for "
        "a fixed fact, add it to FIXED_FACTS with why it holds on every machine):\n"
        + "\n".join(found)
    )
