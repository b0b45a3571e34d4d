"""Every lesson is a complete unit of teaching, and its student edition hides the solutions
but keeps the exercises and runs from top to bottom."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from course_admin import student
from course_utils import project
from course_utils.project import PROJECT_ROOT

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
    quiz = [cell.source for cell in tagged(source, "quiz", "markdown")]
    assert quiz and [cell.source for cell in tagged(edition, "quiz", "markdown")] == quiz
    assert all(cell.get("outputs", []) == [] for cell in edition.cells)


def solution_dependencies(notebook: nbformat.NotebookNode) -> list[str]:
    """Where a cell outside the solutions reads a name that a solution cell earlier binds (a
    student edition, which leaves the solutions out, would read the answer cell's ``None``
    there, or nothing), or an object whose method a solution calls (which may change it). A
    student edition runs exactly as the lesson does where this list is empty: its other cells
    are the lesson's own, in the same order. Modules are left out: calling them changes
    nothing later cells see."""

    def code(cell: nbformat.NotebookNode) -> ast.Module:
        lines = cell.source.splitlines()
        return ast.parse("\n".join(line for line in lines if line.lstrip()[:1] not in "%!"))

    imported = set()
    for cell in notebook.cells:
        if cell.cell_type == "code":
            for node in ast.walk(code(cell)):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    imported |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    touched: dict[str, int] = {}  # name: the first solution cell that binds it or calls it
    found = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        nodes = list(ast.walk(code(cell)))
        if student.SOLUTION_TAG in cell.metadata.get("tags", []):
            bound = {
                node.id for node in nodes
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del)
            }  # fmt: skip
            bound |= {
                node.func.value.id for node in nodes
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
            }  # fmt: skip
            bound |= {node.name for node in nodes if isinstance(node, ast.FunctionDef)}
            for name in bound - imported:
                touched.setdefault(name, index)
            continue
        read = {node.id for node in nodes if isinstance(node, ast.Name)}
        found += [
            f"cell {index} reads {name}, which solution cell {touched[name]} sets or changes"
            for name in sorted(read & set(touched))
        ]
    return found


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda path: path.stem)
def test_a_student_edition_needs_nothing_a_solution_computes(lesson: Path) -> None:
    """The student edition runs as the lesson does, which the fast course runs on every
    backend, and its self-checks say "Not yet." as the answer cells do there
    (tests/test_fast_course.py), as long as no later cell takes anything from a solution."""
    assert solution_dependencies(source_of(lesson)) == []


def test_the_dependency_check_sees_a_cell_that_needs_a_solution() -> None:
    """The check above would fail: on a made-up lesson whose later cells use an answer."""
    cells = [
        nbformat.v4.new_code_cell("import numpy as np\nmodel = make()\nsevens = None"),
        nbformat.v4.new_code_cell(
            "sevens = 7\nmodel.fit(np.zeros(3))", metadata={"tags": ["solution"]}
        ),
        nbformat.v4.new_code_cell("print(sevens)"),
        nbformat.v4.new_code_cell("model.predict(np.ones(3))"),
    ]
    cells[1].metadata["tags"] = [student.SOLUTION_TAG]
    found = solution_dependencies(nbformat.v4.new_notebook(cells=cells))
    assert found == [
        "cell 2 reads sevens, which solution cell 1 sets or changes",
        "cell 3 reads model, which solution cell 1 sets or changes",
    ]
