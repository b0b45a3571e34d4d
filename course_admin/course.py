"""Run every lesson in order with papermill and report how long each took and what it found.

``python -m course_admin.course`` (``make course``) runs the real course: each lesson at its
own default parameters, executed copies in ``build/course/``, and the figures in
``build/course-results.json``. ``--set train_size=2000 --set epochs=1 --set fast=True``
runs the tests' fast version (FAST_PARAMETERS); a value is given only to the lessons whose
parameters cell declares that name.

While a lesson runs, the terminal shows which cell of how many is running, what the cell
prints (Keras's one line per epoch), and a short "still running" line whenever a cell has
been silent for a few seconds, so a long training never looks like a hang.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

from course_utils import project
from course_utils.project import atomic_write, build_dir
from course_utils.results import read_results

#: The figure shown in the summary table for a lesson, when it reports one of these.
KEY_FIGURES = ("test_accuracy", "parameters", "training_images", "x_train_shape", "predicted_digit")

#: Longest silence, in seconds, before the terminal hears that a cell is still running.
HEARTBEAT_SECONDS = 8.0
#: The papermill engine that reports each cell as it starts (registered on first use).
PROGRESS_ENGINE = "course-progress"
#: The course as the tests run it, in seconds: the one fast mode. Each lesson takes the
#: parameters its parameters cell declares (papermill writes them in after that cell):
#: lessons 4 to 6 a small training set and one epoch; lessons 7 and 8 ``fast``, from which
#: they shrink every size themselves.
FAST_PARAMETERS = {"train_size": 2000, "epochs": 1, "fast": True}


class LessonConsole:
    """One lesson's live progress in the terminal.

    ``cell_started`` prints which code cell of how many is starting; ``write`` (papermill's
    ``stdout_file`` and ``stderr_file``) prints what the cell prints, line by line, indented;
    while open, a background thread prints a "still running" line after every
    ``heartbeat`` seconds of silence. A progress bar redrawn with ``\\r`` shows only its
    latest state, in that line.
    """

    def __init__(
        self, label: str, stream: TextIO | None = None, heartbeat: float = HEARTBEAT_SECONDS
    ) -> None:
        self.label = label
        self.stream = stream or sys.stdout
        self.heartbeat = heartbeat
        self.cell = "starting the kernel"
        self.cell_started_at = self.last_output = time.monotonic()
        self.partial = ""
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._beat, daemon=True)

    def __enter__(self) -> LessonConsole:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._closed.set()
        self._thread.join()
        with self._lock:
            if self.partial.strip():
                self._print(f"    | {self.partial}")
            self.partial = ""

    def cell_started(self, number: int, total: int) -> None:
        """Announce code cell ``number`` of ``total``."""
        with self._lock:
            self.cell = f"cell {number}/{total}"
            self.cell_started_at = time.monotonic()
            self._print(f"  {self.label}: {self.cell}")

    def doing(self, what: str) -> None:
        """Name what runs now, for the still-running lines, without printing anything."""
        with self._lock:
            self.cell = what
            self.cell_started_at = time.monotonic()

    def write(self, text: str) -> int:
        """Print the complete lines of ``text``; keep an unfinished line for later."""
        with self._lock:
            *lines, self.partial = (self.partial + text).split("\n")
            for line in lines:
                shown = _latest(line)
                if shown:
                    self._print(f"    | {shown}")
        return len(text)

    def flush(self) -> None:
        self.stream.flush()

    def _print(self, line: str) -> None:
        self.stream.write(line + "\n")
        self.stream.flush()
        self.last_output = time.monotonic()

    def _beat(self) -> None:
        while not self._closed.wait(min(1.0, self.heartbeat / 4)):
            with self._lock:
                if time.monotonic() - self.last_output < self.heartbeat:
                    continue
                running = time.monotonic() - self.cell_started_at
                latest = _latest(self.partial)
                note = f": {latest}" if latest else ""
                still = f"{self.cell}, still running after {running:.0f} s"
                self._print(f"  {self.label}: {still}{note}")


def _latest(line: str) -> str:
    """What a terminal would show of ``line``: the text after its last carriage return."""
    return line.rstrip("\r").rsplit("\r", 1)[-1].rstrip()


def _register_progress_engine() -> None:
    """Register :data:`PROGRESS_ENGINE`: papermill's nbclient engine, plus a call to
    ``cell_started(number, total)`` (an engine argument) as each code cell starts."""
    from papermill.engines import NBClientEngine, papermill_engines

    class ProgressEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, cell_started=None, **kwargs):
            if cell_started is not None:
                announce_cell(nb_man, cell_started)
            return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)

    papermill_engines.register(PROGRESS_ENGINE, ProgressEngine)


def announce_cell(nb_man: Any, cell_started: Any) -> None:
    """Wrap papermill's ``nb_man.cell_start`` so that each code cell is announced first."""
    original = nb_man.cell_start
    code_cells = [index for index, cell in enumerate(nb_man.nb.cells) if cell.cell_type == "code"]

    def cell_start(cell: Any, cell_index: int | None = None, **kwargs: Any) -> Any:
        if cell_index in code_cells:
            cell_started(code_cells.index(cell_index) + 1, len(code_cells))
        return original(cell, cell_index, **kwargs)

    nb_man.cell_start = cell_start


@dataclass
class LessonRun:
    """What one lesson's run produced, and what its kernel used: its peak resident memory in
    MiB (VmHWM, which counts the mapped libraries too), its peak anonymous memory in MiB (what
    a container's memory limit charges and cannot reclaim: the figure that sizes a hub or
    Binder pod) and its CPU seconds (None where the operating system does not say)."""

    lesson: str
    seconds: float
    parameters: dict[str, Any]
    figures: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    peak_memory_mib: float | None = None
    cpu_seconds: float | None = None
    peak_anonymous_mib: float | None = None


def process_usage(pid: int) -> tuple[float, float] | None:
    """Process ``pid``'s peak resident memory in MiB (the kernel's high-water mark, VmHWM)
    and its CPU seconds (user and system, its own and its finished children's), read from
    Linux's /proc; None where there is no /proc or the process has gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        counters = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    peak_kib = next(
        int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")
    )
    ticks = sum(int(value) for value in counters[11:15])  # utime, stime, cutime, cstime
    return peak_kib / 1024, ticks / os.sysconf("SC_CLK_TCK")


def anonymous_mib(pid: int) -> float | None:
    """Process ``pid``'s anonymous resident memory now (RssAnon), in MiB; None without it."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    found = next((line for line in status.splitlines() if line.startswith("RssAnon:")), None)
    return int(found.split()[1]) / 1024 if found else None


class AnonymousPeak:
    """The largest anonymous memory a process reaches, sampled every ``interval`` seconds on
    a thread of its own. Linux keeps no high-water mark of it (VmHWM counts mapped files
    too), so it is sampled: a peak shorter than the interval can be missed."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        self.pid, self.interval, self.peak = pid, interval, None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while True:
            now = anonymous_mib(self.pid)
            if now is not None:
                self.peak = max(self.peak or 0.0, now)
            if self._stop.wait(self.interval):
                return

    def stop(self) -> float | None:
        """Take a last sample, stop, and return the peak in MiB (None if never read)."""
        self._stop.set()
        self._thread.join()
        return self.peak


def measuring_kernel_manager(usage: list[tuple[float, ...]]) -> type:
    """A Jupyter kernel manager that samples its kernel's anonymous memory while it runs
    (AnonymousPeak), and reads its usage (process_usage) into ``usage`` just before it shuts
    the kernel down, when the whole lesson has run: (VmHWM, CPU seconds, anonymous peak)."""
    from jupyter_client.manager import AsyncKernelManager

    class MeasuringKernelManager(AsyncKernelManager):
        sampler: AnonymousPeak | None = None

        async def start_kernel(self, **kwargs: Any) -> None:
            await super().start_kernel(**kwargs)
            pid = getattr(self.provisioner, "pid", None)
            self.sampler = AnonymousPeak(pid) if pid else None

        async def shutdown_kernel(self, now: bool = False, restart: bool = False) -> None:
            pid = getattr(self.provisioner, "pid", None)
            measured = process_usage(pid) if pid else None
            peak = self.sampler.stop() if self.sampler else None
            if measured:
                usage.append((*measured, peak))
            await super().shutdown_kernel(now=now, restart=restart)

    return MeasuringKernelManager


def run_lesson(
    notebook: Path,
    output_dir: Path,
    overrides: dict[str, Any],
    console: LessonConsole | None = None,
) -> LessonRun:
    """Execute one lesson with papermill; never raises for a failing cell. With a
    ``console``, its progress and its printed output reach the terminal as it runs."""
    import papermill

    declared = papermill.inspect_notebook(str(notebook))
    parameters = {name: value for name, value in overrides.items() if name in declared}
    output = output_dir / notebook.name
    started = time.perf_counter()
    error = None
    usage: list[tuple[float, ...]] = []
    streaming = {}
    if console is not None:
        _register_progress_engine()
        streaming = {
            "engine_name": PROGRESS_ENGINE,
            "cell_started": console.cell_started,
            "stdout_file": console,
            "stderr_file": console,
        }
    try:
        papermill.execute_notebook(
            str(notebook),
            str(output),
            parameters=parameters,
            cwd=str(notebook.parent),
            progress_bar=False,
            kernel_name="python3",
            extra_arguments=["--log-level=ERROR"],  # no kernel start-up notices in the log
            kernel_manager_class=measuring_kernel_manager(usage),
            **streaming,
        )
    except papermill.PapermillExecutionError as failure:
        error = (
            f"cell {failure.cell_index} (In [{failure.exec_count}]) raised "
            f"{failure.ename}: {failure.evalue}"
        )
    seconds = time.perf_counter() - started
    figures = read_results(json.loads(output.read_text())) if output.exists() else {}
    run = LessonRun(notebook.stem, round(seconds, 1), parameters, figures, error)
    if usage:
        run.peak_memory_mib, run.cpu_seconds, anonymous = usage[-1]
        run.peak_memory_mib, run.cpu_seconds = (
            round(run.peak_memory_mib, 1),
            round(run.cpu_seconds, 1),
        )
        run.peak_anonymous_mib = round(anonymous, 1) if anonymous is not None else None
    return run


def _key_figure(run: LessonRun) -> str:
    for name in KEY_FIGURES:
        if name in run.figures:
            value = run.figures[name]
            shown = f"{value:.4f}" if isinstance(value, float) else str(value)
            return f"{name.replace('_', ' ')} {shown}"
    return ""


def run_course(
    output_dir: Path | None = None,
    overrides: dict[str, Any] | None = None,
    notebooks: list[Path] | None = None,
) -> dict:
    """Run every lesson (or ``notebooks``) in order, print live progress and a table, write
    the results JSON.

    Stops at the first lesson that fails, since later lessons build on earlier ones.
    """
    from course_utils.environment import versions  # it starts TensorFlow

    output_dir = Path(output_dir or build_dir() / "course")
    output_dir.mkdir(parents=True, exist_ok=True)
    overrides = overrides or {}
    runs: list[LessonRun] = []
    notebooks = notebooks or project.lessons(suffix=".ipynb")
    for number, notebook in enumerate(notebooks, start=1):
        label = f"[{number}/{len(notebooks)}] {notebook.stem}"
        print(label, flush=True)
        with LessonConsole(label) as console:
            run = run_lesson(notebook, output_dir, overrides, console)
        runs.append(run)
        print(f"{label} done in {run.seconds:.1f} s  {run.error or _key_figure(run)}", flush=True)
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
    with atomic_write(results_file) as written:  # a reader never finds half of it
        written.write_text(json.dumps(results, indent=2) + "\n")
    print()
    print(f"{'lesson':20} {'seconds':>8} {'CPU s':>7} {'peak MiB':>8} {'anon MiB':>8}  key figure")
    for run in runs:
        measured = (run.cpu_seconds, run.peak_memory_mib, run.peak_anonymous_mib)
        cpu, peak, anonymous = (f"{value:.0f}" if value is not None else "-" for value in measured)
        figure = _key_figure(run) or run.error or ""
        print(f"{run.lesson:20} {run.seconds:8.1f} {cpu:>7} {peak:>8} {anonymous:>8}  {figure}")
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
    parser.add_argument(
        "--lessons", type=Path, metavar="FOLDER", help="run the lessons in FOLDER instead"
    )
    arguments = parser.parse_args(argv)
    notebooks = None
    if arguments.lessons is not None:
        notebooks = project.lessons(arguments.lessons, ".ipynb")
        if not notebooks:
            parser.error(f"no lessons (NN_name.ipynb) in {arguments.lessons}")
    results = run_course(arguments.output, dict(arguments.set), notebooks)
    if not results["passed"]:
        failed = results["lessons"][-1]
        print(f"error: lesson {failed['lesson']} failed: {failed['error']}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
