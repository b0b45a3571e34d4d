"""Student editions: the lessons with every solution taken out.

One source serves both editions. In a lesson, each exercise has an answer cell, where the
student writes, followed by its solution in a code cell of its own tagged ``solution``::

    sevens = None  # your answer
    # YOUR CODE HERE
    checks.check_digit_count(sevens, y_train, digit=7)

    # @title Solution: open it once you have tried the exercise     (tagged "solution")
    sevens = int(np.sum(y_train == 7))
    checks.check_digit_count(sevens, y_train, digit=7)

Every door folds the solution away until the student opens it: JupyterLab (and so Binder
and a hub) by the cell's ``jupyter.source_hidden``, Colab by its ``cellView: form``, the site
by the ``hide-cell`` tag, which hides the code and its output (the self-check's line, which
states the answer) behind one button (:data:`FOLDED`; the tests check every solution cell
has them). A Markdown cell tagged ``solution`` (a discussion of the answer, "What to
expect") is folded too: ``jupyter.source_hidden`` for JupyterLab, and its text inside an
HTML ``<details>`` element, which the site, JupyterLab and Colab all show closed under its
``<summary>`` line (:data:`DISCUSSION_OPENS`). The student edition leaves every cell tagged
``solution`` out, code or Markdown, so the answer cells' self-checks say "Not yet." and no
discussion gives an answer away.

``python -m course_admin.student`` (``make student``) writes the editions to
``build/student/``.
"""

from __future__ import annotations

import argparse
import copy
from pathlib import Path
from typing import Any

from course_utils.project import build_dir, lessons

import nbformat

PLACEHOLDER = "# YOUR CODE HERE"
SOLUTION_TAG = "solution"
EXERCISE_TAG = "exercise"
#: The first line of every solution cell: Colab shows it on the folded cell.
SOLUTION_TITLE = "# @title Solution: open it once you have tried the exercise"
#: What folds a solution cell away at each door: JupyterLab's metadata, Colab's, the site's tag.
FOLDED = {"jupyter": {"source_hidden": True}, "cellView": "form"}
FOLDED_TAG = "hide-cell"
#: How a Markdown solution cell (a discussion of the answer) starts and ends: folded at every
#: door by HTML's disclosure element.
DISCUSSION_OPENS = "<details><summary>What to expect (open it once you have tried the exercise)"
DISCUSSION_CLOSES = "</details>"
#: The markers of an earlier convention (a solution inside the answer cell), now refused.
OLD_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")


class SolutionCellError(ValueError):
    """A solution cell that would not be folded away, or a solution mixed into another cell."""


def folding_problem(cell: Any) -> str | None:
    """Why this solution cell would not be folded away at every door, or None."""
    if cell.cell_type == "markdown":
        missing = [
            what
            for what, present in [
                (
                    "jupyter.source_hidden (JupyterLab)",
                    cell.metadata.get("jupyter", {}).get("source_hidden") is True,
                ),
                (
                    "its <details> element (the site, Colab)",
                    cell.source.startswith(DISCUSSION_OPENS)
                    and cell.source.rstrip().endswith(DISCUSSION_CLOSES),
                ),
            ]
            if not present
        ]
        return f"a solution's discussion lacks {', '.join(missing)}" if missing else None
    missing = [
        what
        for what, present in [
            (
                "jupyter.source_hidden (JupyterLab)",
                cell.metadata.get("jupyter", {}).get("source_hidden") is True,
            ),
            ("cellView: form (Colab)", cell.metadata.get("cellView") == "form"),
            (f"the {FOLDED_TAG} tag (the site)", FOLDED_TAG in cell.metadata.get("tags", [])),
            ("its title line", cell.source.startswith(SOLUTION_TITLE)),
        ]
        if not present
    ]
    return f"a solution cell lacks {', '.join(missing)}" if missing else None


def student_edition(
    notebook: nbformat.NotebookNode, name: str = "notebook"
) -> nbformat.NotebookNode:
    """A copy of ``notebook`` without solutions or outputs."""
    edition = copy.deepcopy(notebook)
    for index, cell in enumerate(edition.cells):
        if any(marker in cell.source for marker in OLD_MARKERS):
            raise SolutionCellError(
                f"{name}, cell {index}: a solution marked inside a cell; give the solution a "
                f"code cell of its own, tagged '{SOLUTION_TAG}', after the answer cell."
            )
    edition.cells = [
        cell for cell in edition.cells if SOLUTION_TAG not in cell.metadata.get("tags", [])
    ]
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
    for lesson in lessons(suffix=".ipynb"):
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
