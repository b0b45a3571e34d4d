"""Run every lesson in order with papermill and report how long each took and what it found.

``python -m course_utils.course`` (``make course``) runs the real course: each lesson at its
own default parameters, executed copies in ``build/course/``, and the figures in
``build/course-results.json``. ``--set train_size=2000 --set epochs=1`` runs a quick version;
a value is given only to the lessons whose parameters cell declares that name.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from course_utils.environment import versions
from course_utils.paths import NOTEBOOK_DIR, build_dir
from course_utils.results import read_results

#: The figure shown in the summary table for a lesson, when it reports one of these.
KEY_FIGURES = ("test_accuracy", "parameters", "training_images", "x_train_shape", "predicted_digit")


@dataclass
class LessonRun:
    """What one lesson's run produced."""

    lesson: str
    seconds: float
    parameters: dict[str, Any]
    figures: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


def lessons() -> list[Path]:
    """The lessons' notebooks, in course order."""
    return sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))


def run_lesson(notebook: Path, output_dir: Path, overrides: dict[str, Any]) -> LessonRun:
    """Execute one lesson with papermill; never raises for a failing cell."""
    import papermill

    declared = papermill.inspect_notebook(str(notebook))
    parameters = {name: value for name, value in overrides.items() if name in declared}
    output = output_dir / notebook.name
    started = time.perf_counter()
    error = None
    try:
        papermill.execute_notebook(
            str(notebook),
            str(output),
            parameters=parameters,
            cwd=str(notebook.parent),
            progress_bar=False,
            kernel_name="python3",
            extra_arguments=["--log-level=ERROR"],  # no kernel start-up notices in the log
        )
    except papermill.PapermillExecutionError as failure:
        error = (
            f"cell {failure.cell_index} (In [{failure.exec_count}]) raised "
            f"{failure.ename}: {failure.evalue}"
        )
    seconds = time.perf_counter() - started
    figures = read_results(json.loads(output.read_text())) if output.exists() else {}
    return LessonRun(notebook.stem, round(seconds, 1), parameters, figures, error)


def _key_figure(run: LessonRun) -> str:
    for name in KEY_FIGURES:
        if name in run.figures:
            value = run.figures[name]
            shown = f"{value:.4f}" if isinstance(value, float) else str(value)
            return f"{name.replace('_', ' ')} {shown}"
    return ""


def run_course(output_dir: Path | None = None, overrides: dict[str, Any] | None = None) -> dict:
    """Run every lesson in order, print progress and a table, write the results JSON.

    Stops at the first lesson that fails, since later lessons build on earlier ones.
    """
    output_dir = Path(output_dir or build_dir() / "course")
    output_dir.mkdir(parents=True, exist_ok=True)
    overrides = overrides or {}
    runs: list[LessonRun] = []
    notebooks = lessons()
    for number, notebook in enumerate(notebooks, start=1):
        print(f"[{number}/{len(notebooks)}] {notebook.stem} ...", end=" ", flush=True)
        run = run_lesson(notebook, output_dir, overrides)
        runs.append(run)
        print(f"{run.seconds:6.1f} s  {run.error or _key_figure(run)}", flush=True)
        if run.error:
            break
    total = round(sum(run.seconds for run in runs), 1)
    results = {
        "total_seconds": total,
        "passed": all(run.error is None for run in runs) and len(runs) == len(notebooks),
        # the kernels inherit KERAS_BACKEND, which may differ from this process's Keras
        "environment": {**versions(), "backend": os.environ.get("KERAS_BACKEND", "tensorflow")},
        "lessons": [asdict(run) for run in runs],
    }
    results_file = output_dir.parent / "course-results.json"
    results_file.write_text(json.dumps(results, indent=2) + "\n")
    print()
    print(f"{'lesson':20} {'seconds':>8}  key figure")
    for run in runs:
        print(f"{run.lesson:20} {run.seconds:8.1f}  {_key_figure(run) or run.error or ''}")
    print(f"{'total':20} {total:8.1f}")
    print(f"\nExecuted notebooks in {output_dir}; figures in {results_file}")
    return results


def _parse_override(text: str) -> tuple[str, Any]:
    name, separator, value = text.partition("=")
    if not separator or not name.isidentifier():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, e.g. epochs=1; got {text!r}")
    try:
        return name, ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return name, value


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; exits 1 if any lesson failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, help="folder for the executed notebooks")
    parser.add_argument(
        "--set",
        type=_parse_override,
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a lesson parameter, e.g. --set epochs=1 (repeatable)",
    )
    arguments = parser.parse_args(argv)
    results = run_course(arguments.output, dict(arguments.set))
    if not results["passed"]:
        failed = results["lessons"][-1]
        print(f"error: lesson {failed['lesson']} failed: {failed['error']}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
