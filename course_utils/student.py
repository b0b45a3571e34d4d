"""Student editions: the lessons with every solution taken out.

One source serves both editions. In a lesson, a solution is marked the way nbgrader marks
it, inside a code cell tagged ``solution``::

    sevens = None  # your answer
    ### BEGIN SOLUTION
    sevens = int(np.sum(y_train == 7))
    ### END SOLUTION
    checks.check_digit_count(sevens, y_train, digit=7)

The student edition keeps the lines around the markers and puts ``# YOUR CODE HERE`` in place
of the solution, so the self-check runs and says "Not yet" instead of failing. A Markdown
cell tagged ``solution`` (a discussion of the answer) is left out whole.

``python -m course_utils.student`` (``make student``) writes the editions to
``build/student/``.
"""

from __future__ import annotations

import argparse
import copy
from pathlib import Path

from course_utils.paths import NOTEBOOK_DIR, build_dir

import nbformat

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
PLACEHOLDER = "# YOUR CODE HERE"
SOLUTION_TAG = "solution"
EXERCISE_TAG = "exercise"


class SolutionMarkerError(ValueError):
    """A solution cell's markers are missing, unbalanced or nested."""


def strip_solution(source: str, where: str = "cell") -> str:
    """Replace every marked block of ``source`` by the placeholder, keeping its indentation."""
    kept: list[str] = []
    inside = False
    for line in source.splitlines():
        marker = line.strip()
        if marker == BEGIN:
            if inside:
                raise SolutionMarkerError(f"{where}: {BEGIN} inside another solution block.")
            inside = True
            kept.append(line[: len(line) - len(line.lstrip())] + PLACEHOLDER)
        elif marker == END:
            if not inside:
                raise SolutionMarkerError(f"{where}: {END} without a {BEGIN} before it.")
            inside = False
        elif not inside:
            kept.append(line)
    if inside:
        raise SolutionMarkerError(f"{where}: {BEGIN} is never closed by {END}.")
    return "\n".join(kept)


def student_edition(
    notebook: nbformat.NotebookNode, name: str = "notebook"
) -> nbformat.NotebookNode:
    """A copy of ``notebook`` without solutions or outputs."""
    edition = copy.deepcopy(notebook)
    cells = []
    for index, cell in enumerate(edition.cells):
        tags = cell.metadata.get("tags", [])
        where = f"{name}, cell {index}"
        has_markers = BEGIN in cell.source or END in cell.source
        if SOLUTION_TAG not in tags:
            if has_markers:
                raise SolutionMarkerError(
                    f"{where}: solution markers in a cell not tagged '{SOLUTION_TAG}'."
                )
            cells.append(cell)
            continue
        if cell.cell_type == "markdown":
            continue  # a discussion of the answer
        if not has_markers:
            raise SolutionMarkerError(f"{where}: tagged '{SOLUTION_TAG}' but has no {BEGIN}.")
        cell.source = strip_solution(cell.source, where)
        cell.metadata["tags"] = [tag for tag in tags if tag not in (SOLUTION_TAG, "hide-input")]
        cells.append(cell)
    edition.cells = cells
    edition.metadata.pop("jupytext", None)  # a handout, not paired with a source
    for cell in edition.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return edition


def write_student_editions(output_dir: Path | None = None) -> list[Path]:
    """Write the student edition of every lesson; return the files written."""
    output_dir = Path(output_dir or build_dir() / "student")
    output_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for lesson in sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb")):
        edition = student_edition(nbformat.read(lesson, as_version=4), lesson.name)
        target = output_dir / lesson.name
        nbformat.write(edition, target)
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    """Command line: write the student editions and say where."""
    parser = argparse.ArgumentParser(description="Write the lessons without their solutions.")
    parser.add_argument("--output", type=Path, help="folder for the student editions")
    arguments = parser.parse_args(argv)
    written = write_student_editions(arguments.output)
    for path in written:
        print(f"wrote {path}")
    print(f"{len(written)} student editions, no solutions: hand out the folder {written[0].parent}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
