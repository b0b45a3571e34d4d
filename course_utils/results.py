"""A lesson's key figures: shown to the student as a small table, and stored in the cell's
output under a private MIME type so that ``make course`` can read them back from the
executed notebook."""

from __future__ import annotations

from typing import Any

MIME_TYPE = "application/x.course-results+json"


def report(**figures: float | int | str) -> None:
    """Show the lesson's key figures (e.g. ``report(test_accuracy=0.99)``) and record them."""
    from IPython.display import display

    rows = "\n".join(
        f"| {name.replace('_', ' ')} | {value:.4f} |"
        if isinstance(value, float)
        else f"| {name.replace('_', ' ')} | {value} |"
        for name, value in figures.items()
    )
    text = "\n".join(f"{name}: {value}" for name, value in figures.items())
    display(
        {
            "text/plain": text,
            "text/markdown": f"| figure | value |\n|---|---|\n{rows}",
            MIME_TYPE: figures,
        },
        raw=True,
    )


def read_results(notebook: dict[str, Any]) -> dict[str, Any]:
    """Collect every figure that :func:`report` recorded in an executed notebook (as JSON)."""
    found: dict[str, Any] = {}
    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []):
            figures = output.get("data", {}).get(MIME_TYPE)
            if isinstance(figures, dict):
                found.update(figures)
    return found
