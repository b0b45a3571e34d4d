"""Every lesson ends with a short quiz, "Check your understanding", kept in the lesson itself:
one Markdown cell tagged ``quiz`` per question, each option a ``<details>`` element whose
summary is the option and whose body says **Right.** or **Not quite.** and why. HTML's
disclosure element needs no kernel and no script, so the same quiz works in JupyterLab
(Binder, a hub), Colab and the site, by mouse or keyboard. The browser tests open an answer
on the site (tests/test_book.py) and in JupyterLab (tests/test_jupyterlab.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from course_utils import project

import jupytext
import nbformat
import pytest

QUIZ_TAG = "quiz"
HEADING = "## Check your understanding"
OPTION = re.compile(
    r"<details><summary>([A-F])\. (.+?)</summary>\n\n"
    r"\*\*(Right|Not quite)\.\*\* (.+?)\n\n</details>",
    re.S,
)
#: Enough words to teach: an explanation says why, not only "right" or "wrong".
SHORTEST_EXPLANATION = 80


@dataclass
class Question:
    number: int
    text: str
    options: list[tuple[str, str, bool, str]]  # letter, option, right?, explanation


def questions(notebook: nbformat.NotebookNode) -> list[Question]:
    """The quiz of a lesson, as written: each cell tagged ``quiz``, parsed."""
    found = []
    for cell in notebook.cells:
        if QUIZ_TAG not in cell.metadata.get("tags", []):
            continue
        head = re.match(r"\*\*Question (\d+)\.\*\* (.+?)\n\n<details>", cell.source, re.S)
        assert head, f"a quiz cell starts with **Question N.** and its text: {cell.source[:80]}"
        options = [
            (letter, option, verdict == "Right", " ".join(why.split()))
            for letter, option, verdict, why in OPTION.findall(cell.source)
        ]
        assert cell.source.count("<details>") == len(options), (
            f"an option out of shape in {cell.source[:80]}"
        )
        found.append(Question(int(head[1]), " ".join(head[2].split()), options))
    return found


def quiz_problems(quiz: list[Question]) -> list[str]:
    """What is wrong with a lesson's quiz, in words (an empty list: nothing)."""
    problems = [] if 3 <= len(quiz) <= 6 else [f"{len(quiz)} questions, not 3 to 6"]
    for expected, question in enumerate(quiz, start=1):
        name = f"question {question.number}"
        if question.number != expected:
            problems.append(f"{name} should be question {expected}")
        letters = [letter for letter, *_ in question.options]
        if not 3 <= len(letters) <= 4 or letters != list("ABCDEF"[: len(letters)]):
            problems.append(f"{name}: options {letters}, not A, B, C (and D)")
        rights = sum(right for _, _, right, _ in question.options)
        if rights != 1:
            problems.append(f"{name}: {rights} right answers, not exactly one")
        problems += [
            f"{name}, option {letter}: explain why, in more words"
            for letter, _, _, why in question.options
            if len(why) < SHORTEST_EXPLANATION
        ]
    places = {next(i for i, option in enumerate(q.options) if option[2]) for q in quiz}
    if len(quiz) > 1 and len(places) == 1:
        problems.append("the right answer is in the same place in every question")
    return problems


@pytest.mark.parametrize("lesson", project.lessons(), ids=lambda path: path.stem)
def test_every_lesson_ends_with_a_quiz_that_explains_every_answer(lesson: Path) -> None:
    notebook = jupytext.read(lesson)
    quiz = questions(notebook)
    assert quiz_problems(quiz) == []
    text = lesson.read_text()
    assert text.index("## Recap") < text.index(HEADING) < text.index("## Further reading")
    for cell in notebook.cells:
        if QUIZ_TAG in cell.metadata.get("tags", []):
            # shown at every door: not folded, not removed from the site, not a solution
            assert cell.cell_type == "markdown" and cell.metadata.get("tags") == [QUIZ_TAG]
            assert "jupyter" not in cell.metadata, cell.metadata


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda q: q[0].options.pop(), "options ['A', 'B'], not A, B, C"),
        (lambda q: q[1].options.__setitem__(0, ("A", "x", True, "y" * 90)), "2 right answers"),
        (lambda q: q[2].options.__setitem__(1, ("B", "x", False, "No.")), "in more words"),
        (lambda q: q.pop(), "2 questions, not 3 to 6"),
        (lambda q: setattr(q[1], "number", 5), "question 5 should be question 2"),
    ],
)
def test_a_quiz_out_of_shape_is_named(change, problem: str) -> None:  # noqa: ANN001
    """The checks above would fail: each fault, made in lesson 1's quiz, is named."""
    quiz = questions(jupytext.read(project.lessons()[0]))
    assert quiz_problems(quiz) == []
    change(quiz)
    assert any(problem in found for found in quiz_problems(quiz)), quiz_problems(quiz)


def test_a_right_answer_always_in_the_same_place_is_named() -> None:
    quiz = questions(jupytext.read(project.lessons()[0]))
    for question in quiz:
        question.options.sort(key=lambda option: not option[2])  # the right answer first
    assert "the right answer is in the same place in every question" in quiz_problems(quiz)


def test_the_right_answer_is_not_given_away_by_its_length() -> None:
    """Across the course, the right option is the longest in at most half of the questions:
    a student cannot guess by picking the longest."""
    longest = total = 0
    for lesson in project.lessons():
        for question in questions(jupytext.read(lesson)):
            lengths = [len(option) for _, option, _, _ in question.options]
            right = next(i for i, option in enumerate(question.options) if option[2])
            longest += lengths[right] == max(lengths)
            total += 1
    assert longest <= total / 2, f"the right answer is the longest in {longest} of {total}"
