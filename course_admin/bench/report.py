"""The benchmark's report: results.md (the tables a reader sees) and results.json (every
figure), from the records of ``figures``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from course_admin.bench.figures import (
    BACKEND_LESSONS,
    Bf16Rate,
    CourseTimes,
    KerasSpeed,
    Limit,
    PerBackend,
    Results,
    Skipped,
    Stronger,
    from_json,
    to_json,
)
from course_utils.project import atomic_write

MARKDOWN, JSON = "results.md", "results.json"
#: What a cell shows for a figure the run did not measure (results.json of an older run).
NOT_MEASURED = "–"


def write(results: Results, folder: Path) -> None:
    """Write results.json and results.md into ``folder``, each whole or not at all."""
    folder.mkdir(parents=True, exist_ok=True)
    with atomic_write(folder / JSON) as written:
        written.write_text(json.dumps(to_json(results), indent=2) + "\n")
    with atomic_write(folder / MARKDOWN) as written:
        written.write_text(markdown(results))


def read(folder: Path) -> Results:
    """The results in ``folder``'s results.json."""
    return from_json(Results, json.loads((folder / JSON).read_text()))


def markdown(results: Results) -> str:
    """The results as the readable page benchmarks/results.md."""
    machine = results.machine
    lines = [
        "# Benchmark results",
        "",
        f"Measured by `make bench` on {results.date} (written by "
        "`python -m course_admin.bench`; figures are reported, never asserted).",
        *section("Machine", ["", ""]),
        f"| processor | {machine.cpu} |",
        f"| cores | {machine.cores} |",
        *[f"| {name} | {value} |" for name, value in machine.versions.items()],
    ]
    lines += speed_lines(results)
    lines += limit_lines(results.limit)
    lines += accuracy_lines(results)
    lines += course_lines(results)
    lines += stronger_lines(results.stronger_seeds)
    lines += backend_lines(results.per_backend)
    return "\n".join(lines) + "\n"


def section(title: str, columns: list[str], *paragraphs: str) -> list[str]:
    """A section's heading, its ``paragraphs``, and the head of its table: ``columns``'
    names (an empty name leaves the cell empty) over the row that makes it a table."""
    head = "|" + "".join(f" {column} |" if column else " |" for column in columns)
    text = [line for paragraph in paragraphs for line in (paragraph, "")]
    return ["", f"## {title}", "", *text, head, "|" + "---|" * len(columns)]


def speed_lines(results: Results) -> list[str]:
    """The table of training speeds."""
    lines = section(
        "Training speed of the seed CNN (batch 64, all 60,000 images)",
        ["implementation", "seconds per epoch", "images per second"],
        "Median of 3 epochs after a warm-up epoch.",
    )
    for entry in results.speed.keras:
        name = f"Keras 3 on {entry.backend}"
        if isinstance(entry, KerasSpeed):
            lines.append(f"| {name} | {entry.epoch_seconds} | {entry.images_per_second:,} |")
        else:
            lines.append(f"| {name} | skipped: {entry.skipped} | |")
    reference = results.speed.torch_reference
    if isinstance(reference, Skipped):
        lines.append(f"| PyTorch, written directly | skipped: {reference.skipped} | |")
    else:
        lines.append(
            f"| PyTorch {reference.torch}, written directly | {reference.epoch_seconds} "
            f"| {reference.images_per_second:,} |"
        )
    return lines


def limit_lines(limit: Limit) -> list[str]:
    """The section on the machine's limits."""
    as_set, unset, bf16 = limit.fp32_machine_settings, limit.fp32, limit.bf16
    settings = ", ".join(f"{name}={value}" for name, value in as_set.settings.items() if value)
    if isinstance(bf16, Bf16Rate):
        bf16_row = (f"| **bfloat16 limit**: {bf16.library} ({bf16.kernel_in_words()}) "
                    f"| {bf16.gflops:.1f} GFLOP/s |")  # fmt: skip
        bf16_ratio = f"| achieved / bfloat16 limit | {limit.ratio_bf16:.0%} |"
    else:
        bf16_row = f"| bfloat16 matrix multiply | not measured: {bf16.skipped} |"
        bf16_ratio = "| achieved / bfloat16 limit | none: no bfloat16 limit measured |"
    return [
        *section(
            "Against the machine's limits",
            ["", ""],
            f"Matrix multiplies of {limit.size} x {limit.size}, best of {limit.repeats}, each in a "
            "process of its own. The float32 limit is NumPy's OpenBLAS with OPENBLAS_CORETYPE and "
            "OPENBLAS_L2_SIZE unset, free to pick the processor's best kernel; the lessons and "
            "tests keep the machine's settings.",
        ),
        f"| float32, NumPy with this machine's OpenBLAS settings "
        f"({settings or 'none set'}; kernel {as_set.kernel}) | {as_set.gflops:.1f} GFLOP/s |",
        f"| **float32 limit**: NumPy with the OpenBLAS variables unset "
        f"(kernel {unset.kernel}) | {unset.gflops:.1f} GFLOP/s |",
        bf16_row,
        f"| training FLOPs per image (3 x forward, from layer shapes) "
        f"| {limit.training_flops_per_image:,} |",
        f"| training FLOPs per epoch (60,000 images) "
        f"| {limit.training_gflop_per_epoch:.0f} GFLOP |",
        f"| achieved by Keras on TensorFlow (float32) | {limit.achieved_gflops:.1f} GFLOP/s |",
        f"| achieved / float32 limit | {limit.ratio:.0%} |",
        bf16_ratio,
    ]  # fmt: skip


def accuracy_lines(results: Results) -> list[str]:
    """The table of the seed CNN's test accuracy per seed."""
    accuracy = results.accuracy
    return [
        *section(
            "Test accuracy of the seed CNN, trained as lesson 4 trains it",
            ["seed", "test accuracy", "test loss", "training seconds"],
        ),
        *[
            f"| {run.seed} | {run.test_accuracy:.4f} | {run.test_loss:.4f} | "
            f"{run.training_seconds} |"
            for run in accuracy.runs
        ],
        f"| mean (stdev) | {accuracy.mean:.4f} ({accuracy.stdev:.4f}) | | |",
    ]


def course_lines(results: Results) -> list[str]:
    """The table of wall time, CPU seconds and peak memory per lesson, `make course` against
    the tests' fast run."""
    full, fast = results.course, results.fast_runs
    usage = ["CPU s", "peak MiB"]
    lines = section(
        "Wall time per lesson",
        ["lesson", "`make course` (defaults), s", *usage, "what it reported",
         "tests' fast run (2,000 images, 1 epoch), s", *usage],
        "Each lesson runs in a Jupyter kernel of its own: CPU s is the user and system CPU "
        "time of that kernel, peak MiB its peak resident memory (VmHWM); "
        f"{NOT_MEASURED} where the run did not measure them.",
    )  # fmt: skip
    for lesson in full.lessons:
        reported = key_figures(full.figures.get(lesson, {}))
        cells = [lesson, *lesson_cells(full, lesson), reported, *lesson_cells(fast, lesson)]
        lines.append("| " + " | ".join(cells) + " |")
    cells = ["total", *total_cells(full), "", *total_cells(fast)]
    lines.append("| " + " | ".join(cells) + " |")
    return lines


def lesson_cells(times: CourseTimes, lesson: str) -> list[str]:
    """A lesson's wall seconds, CPU seconds and peak MiB in ``times``, as three table cells:
    empty where the lesson did not run, NOT_MEASURED where a figure was not measured."""
    if lesson not in times.lessons:
        return ["", "", ""]
    cpu = (times.cpu_seconds or {}).get(lesson)
    peak = (times.peak_memory_mib or {}).get(lesson)
    return [
        str(times.lessons[lesson]),
        NOT_MEASURED if cpu is None else str(cpu),
        NOT_MEASURED if peak is None else f"{peak:,.0f}",
    ]


def total_cells(times: CourseTimes) -> list[str]:
    """The whole run's wall seconds and CPU seconds (NOT_MEASURED unless every lesson's was
    measured), and an empty peak memory cell, as three table cells."""
    cpu = [(times.cpu_seconds or {}).get(lesson) for lesson in times.lessons]
    known = None not in cpu
    return [str(times.total_seconds), str(round(sum(cpu), 1)) if known else NOT_MEASURED, ""]


def key_figures(figures: dict[str, Any]) -> str:
    """A lesson's parameter count, training time and test accuracy, as one table cell."""
    parts = []
    if "parameters" in figures:
        parts.append(f"{figures['parameters']:,} parameters")
    if "training_seconds" in figures:
        parts.append(f"training {figures['training_seconds']} s")
    if "test_accuracy" in figures:
        parts.append(f"test accuracy {figures['test_accuracy']:.4f}")
    return ", ".join(parts)


def stronger_lines(stronger: Stronger) -> list[str]:
    """The table of lesson 7 per seed."""
    lines = section(
        "Lesson 7 at its defaults, per seed (TensorFlow)",
        ["seed", "test accuracy, with shifted copies", "training seconds"],
    )
    for run in stronger.runs:
        accuracy = run.test_accuracy
        shown = f"{accuracy:.4f}" if accuracy is not None else run.error or "none"
        lines.append(f"| {run.seed} | {shown} | {run.training_seconds} |")
    mean = stronger.mean
    lines.append(f"| mean | {f'{mean:.4f}' if mean is not None else 'none'} | |")
    return lines


def backend_lines(per_backend: PerBackend) -> list[str]:
    """The table of lessons 4 and 7 at full size per backend."""
    lines = section(
        "Lessons 4 and 7 at full size, per Keras backend",
        ["backend", "lesson 4: test accuracy", "lesson 4, s", "lesson 7: test accuracy",
         "lesson 7, s"],
    )  # fmt: skip
    for backend, lessons in per_backend.items():
        if isinstance(lessons, Skipped):
            lines.append(f"| {backend} | skipped: {lessons.skipped} | | | |")
            continue
        cells = []
        for stem in BACKEND_LESSONS:
            run = lessons.get(stem)
            if run is None:
                cells += ["none", ""]
                continue
            accuracy = run.test_accuracy
            cells += [f"{accuracy:.4f}" if accuracy is not None else run.error or "none",
                      str(run.seconds)]  # fmt: skip
        lines.append(f"| {backend} | " + " | ".join(cells) + " |")
    return lines
