"""Jupytext pairs: each lesson's MyST .md (the source) and its .ipynb must say the same."""

from __future__ import annotations

from pathlib import Path

import jupytext
import nbformat


def _cells(notebook: nbformat.NotebookNode) -> list[tuple[str, str, list[str]]]:
    return [
        (cell.cell_type, cell.source.strip(), sorted(cell.metadata.get("tags", [])))
        for cell in notebook.cells
    ]


def pair_problem(markdown: Path) -> str | None:
    """What is wrong with the pair of ``markdown`` (a lesson's .md), or None if in sync."""
    ipynb = markdown.with_suffix(".ipynb")
    if not ipynb.exists():
        return f"{markdown.name} has no paired {ipynb.name}: run `jupytext --sync {markdown}`"
    source, paired = _cells(jupytext.read(markdown)), _cells(jupytext.read(ipynb))
    if source != paired:
        first = next(
            (index for index, (a, b) in enumerate(zip(source, paired, strict=False)) if a != b),
            min(len(source), len(paired)),
        )
        return (
            f"{markdown.name} and {ipynb.name} differ from cell {first} on: "
            f"run `jupytext --sync {markdown}` (the newer file wins)"
        )
    return None
