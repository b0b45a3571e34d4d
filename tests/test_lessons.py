"""Every lesson is a complete unit of teaching, and its student edition hides the solutions
but keeps the exercises and runs from top to bottom."""

from __future__ import annotations

import re
from pathlib import Path

from course_tools import course, project, student
from course_tools.project import PROJECT_ROOT

import jupytext
import nbformat
import pytest

pytestmark = pytest.mark.newest

LESSONS = project.lessons(suffix=".ipynb")
GLOSSARY = PROJECT_ROOT / "book" / "glossary.md"
REQUIRED_TERMS = [
    "convolution", "filter", "feature-map", "pooling", "dropout", "softmax",
    "one-hot-encoding", "epoch", "batch", "loss", "overfitting", "validation-set",
]  # fmt: skip


def source_of(lesson: Path) -> nbformat.NotebookNode:
    return jupytext.read(lesson.with_suffix(".md"))


def tagged(notebook: nbformat.NotebookNode, tag: str, cell_type: str | None = None) -> list:
    return [
        cell for cell in notebook.cells
        if tag in cell.metadata.get("tags", []) and cell_type in (None, cell.cell_type)
    ]  # fmt: skip


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda path: path.stem)
def test_lesson_has_objectives_time_exercises_pitfalls_and_recap(lesson: Path) -> None:
    text = lesson.with_suffix(".md").read_text()
    for part in ("**You will learn to**", "**You need**", "**Time**: about",
                 "## Exercises", "## Common pitfalls", "## Recap"):  # fmt: skip
        assert part in text, f"{lesson.stem} lacks {part!r}"
    notebook = source_of(lesson)
    exercises = tagged(notebook, student.EXERCISE_TAG, "markdown")
    solutions = tagged(notebook, student.SOLUTION_TAG, "code")
    assert len(exercises) >= 2
    checked = [cell for cell in solutions if "checks.check_" in cell.source]
    assert len(checked) == len(exercises), "every exercise ends in a self-check"


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda path: path.stem)
def test_every_figure_has_alt_text_and_a_caption(lesson: Path) -> None:
    for cell in source_of(lesson).cells:
        if cell.cell_type == "code" and "plotting.plot_" in cell.source:
            options = cell.metadata.get("mystnb", {})
            alt = options.get("image", {}).get("alt", "")
            caption = options.get("figure", {}).get("caption", "")
            assert len(alt) > 30 and caption, (
                f"{lesson.stem}: a figure lacks alt text:\n{cell.source}"
            )


def test_glossary_defines_the_course_terms_and_lessons_link_to_them() -> None:
    anchors = {
        re.sub(r"[^a-z0-9]+", "-", heading.lower()).strip("-")
        for heading in re.findall(r"^## (.+)$", GLOSSARY.read_text(), flags=re.M)
    }
    assert set(REQUIRED_TERMS) <= anchors
    linked = set()
    for lesson in LESSONS:
        for anchor in re.findall(
            r"\(\.\./book/glossary\.md#([a-z-]+)\)", lesson.with_suffix(".md").read_text()
        ):
            assert anchor in anchors, f"{lesson.stem} links to a missing glossary entry {anchor}"
            linked.add(anchor)
    assert set(REQUIRED_TERMS) <= linked, f"never linked: {set(REQUIRED_TERMS) - linked}"


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda path: path.stem)
def test_every_solution_is_folded_away_after_its_answer_cell(lesson: Path) -> None:
    """At every door: JupyterLab (Binder, a hub), Colab and the site; the student writes in
    the answer cell just before, which stays open and holds no solution."""
    notebook = nbformat.read(lesson, as_version=4)
    solutions = tagged(notebook, student.SOLUTION_TAG, "code")
    assert len(solutions) >= 2
    for cell in solutions + tagged(notebook, student.SOLUTION_TAG, "markdown"):
        assert student.folding_problem(cell) is None, (lesson.stem, cell.source[:80])
    answers = [
        notebook.cells[index - 1]
        for index, cell in enumerate(notebook.cells)
        if cell in solutions and notebook.cells[index - 1].cell_type == "code"
        and student.SOLUTION_TAG not in notebook.cells[index - 1].metadata.get("tags", [])
    ]  # fmt: skip
    for answer in answers:
        assert "source_hidden" not in answer.metadata.get("jupyter", {}), answer.source[:80]
        assert student.PLACEHOLDER in answer.source, answer.source[:80]


def test_a_solution_cell_left_unfolded_or_marked_the_old_way_is_named() -> None:
    bare = nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["solution"]})
    problem = student.folding_problem(bare)
    assert "jupyter.source_hidden (JupyterLab)" in problem and "cellView: form (Colab)" in problem
    assert "the hide-cell tag (the site)" in problem
    discussion = nbformat.v4.new_markdown_cell("**What to expect.** 42", metadata=bare.metadata)
    assert "its <details> element" in student.folding_problem(discussion)
    old = nbformat.v4.new_code_cell("x = None\n### BEGIN SOLUTION\nx = 1\n### END SOLUTION")
    with pytest.raises(
        student.SolutionCellError, match="a code cell of its own, tagged 'solution'"
    ):
        student.student_edition(nbformat.v4.new_notebook(cells=[old]))


@pytest.fixture(scope="module")
def editions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    output = tmp_path_factory.mktemp("student")
    assert student.main(["--output", str(output)]) == 0
    return {path.stem: path for path in sorted(output.glob("*.ipynb"))}


def test_every_lesson_has_a_student_edition(editions: dict[str, Path]) -> None:
    assert list(editions) == [lesson.stem for lesson in LESSONS]


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda path: path.stem)
def test_no_solution_leaks_and_every_exercise_stays(editions, lesson: Path) -> None:
    source = nbformat.read(lesson, as_version=4)
    edition = nbformat.read(editions[lesson.stem], as_version=4)
    edition_text = "\n".join(cell.source for cell in edition.cells)
    outside = "\n".join(
        cell.source
        for cell in source.cells
        if student.SOLUTION_TAG not in cell.metadata.get("tags", [])
    )
    for cell in tagged(source, student.SOLUTION_TAG):
        assert cell.source not in edition_text
        for line in cell.source.splitlines():
            if len(line.strip()) > 8 and line not in outside:
                assert line not in edition_text, f"solution line leaked: {line}"
    assert student.SOLUTION_TITLE not in edition_text
    assert "## Common pitfalls" in edition_text and "## Recap" in edition_text
    placeholders = sum(
        cell.source.count(student.PLACEHOLDER) for cell in edition.cells if cell.cell_type == "code"
    )
    in_source = sum(
        cell.source.count(student.PLACEHOLDER) for cell in source.cells if cell.cell_type == "code"
    )
    assert placeholders == in_source >= len(tagged(source, student.EXERCISE_TAG, "markdown"))
    exercises = [cell.source for cell in tagged(source, student.EXERCISE_TAG, "markdown")]
    assert [cell.source for cell in tagged(edition, student.EXERCISE_TAG, "markdown")] == exercises
    assert all(cell.get("outputs", []) == [] for cell in edition.cells)


def test_student_editions_run_and_every_check_says_not_yet(
    editions: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COURSE_BUILD_DIR", str(tmp_path / "build"))
    for stem, path in editions.items():
        run = course.run_lesson(path, tmp_path, course.FAST_PARAMETERS)
        assert run.error is None, f"student edition of {stem}: {run.error}"
        executed = nbformat.read(tmp_path / path.name, as_version=4)
        feedback = [
            output["data"]["text/plain"]
            for cell in executed.cells if "checks.check_" in cell.source
            for output in cell.outputs if "data" in output
        ]  # fmt: skip
        checks_in_source = sum("checks.check_" in cell.source for cell in executed.cells)
        assert len(feedback) == checks_in_source >= 2
        assert all(text.startswith("Not yet.") for text in feedback), feedback
