"""``python -m course_admin.bench`` (`make bench`): every measurement of ``measure``, in
order, each printing its progress; then results.md and results.json (``report``)."""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from course_admin.bench import measure, report
from course_admin.bench.figures import KerasSpeed, Limit, Machine, Results, Speed
from course_utils.project import BACKENDS, PROJECT_ROOT, build_dir

#: Where a full run writes its results: the published ones.
PUBLISHED = PROJECT_ROOT / "benchmarks"


def parser() -> argparse.ArgumentParser:
    found = argparse.ArgumentParser(
        prog="python -m course_admin.bench",
        description="How fast the course runs on this machine, against what the machine can "
        "do (`make bench`; 70-90 minutes on 2 cores). Writes results.md and results.json.",
    )
    found.add_argument("--seeds", type=int, default=3, help="seeds for the accuracy figure")
    found.add_argument(
        "--quick",
        action="store_true",
        help="every step at a tiny size, to check the benchmark (writes build/bench-quick/)",
    )
    found.add_argument(
        "--output", type=Path, help=f"folder for results.md and results.json (default: {PUBLISHED})"
    )
    found.add_argument(
        "--report-only",
        action="store_true",
        help="measure nothing: rewrite results.md from the results.json in the output folder",
    )
    return found


def main(argv: list[str] | None = None) -> int:
    arguments = parser().parse_args(argv)
    if arguments.report_only:
        output = arguments.output or PUBLISHED
        report.write(report.read(output), output)
        print(f"Rewrote {output / report.MARKDOWN} from {report.JSON}")
        return 0
    quick = {measure.QUICK_ENV: "1"} if arguments.quick else {}
    with measure.environment(**quick):  # the worker processes inherit it
        seeds = 1 if measure.quick() else arguments.seeds
        output = arguments.output or (build_dir() / "bench-quick" if measure.quick() else PUBLISHED)
        results = measure_everything(seeds)
    report.write(results, output)
    print(f"\nWrote {output / report.MARKDOWN} and {report.JSON} in {results.bench_seconds} s")
    return 0


def measure_everything(seeds: int) -> Results:
    """Every step, in order, with its progress printed."""
    print("Loading TensorFlow ...", flush=True)
    from course_utils import models
    from course_utils.environment import versions

    import keras

    started = time.perf_counter()
    print("[1/7] the machine's matrix-multiply rate")
    limits = measure.machine_limit()
    print("[2/7] training speed of the seed CNN")
    keras_runs = [measure.keras_speed(backend) for backend in BACKENDS]
    for entry in keras_runs:
        if isinstance(entry, KerasSpeed):
            print(f"  Keras on {entry.backend}: {entry.epoch_seconds} s per epoch, "
                  f"{entry.images_per_second:,} images/s")  # fmt: skip
    reference = measure.torch_reference()
    flops = measure.training_flops_per_image(models.build_seed_cnn())
    tensorflow_run = keras_runs[BACKENDS.index("tensorflow")]
    if not isinstance(tensorflow_run, KerasSpeed):
        raise SystemExit(f"Keras on TensorFlow was not timed: {tensorflow_run.skipped}")
    achieved = flops * tensorflow_run.images_per_second / 1e9
    print(f"  Keras on TensorFlow reaches {achieved:.1f} GFLOP/s, "
          f"{achieved / limits.fp32.gflops:.0%} of the float32 limit")  # fmt: skip
    print(f"[3/7] test accuracy over {seeds} seeds")
    accuracy = measure.accuracy_over_seeds(list(range(1, seeds + 1)))
    print("[4/7] make course at the default parameters")
    full = measure.course_times()
    print("[5/7] the tests' fast runs")
    fast = measure.course_times(fast=True)
    print("[6/7] lesson 7 at its defaults with two more seeds")
    stronger = measure.stronger_over_seeds([1, 2] if seeds > 1 else [], full)
    print("[7/7] lessons 4 and 7 at full size on the other Keras backends")
    per_backend = measure.lessons_per_backend(list(BACKENDS), full)
    return Results(
        date=time.strftime("%Y-%m-%d"),
        machine=Machine(measure.cpu_model(), os.cpu_count(), versions()),
        speed=Speed(keras_runs, reference),
        limit=Limit.reached(limits, flops, achieved),
        accuracy=accuracy,
        course=full,
        fast_runs=fast,
        stronger_seeds=stronger,
        per_backend=per_backend,
        bench_seconds=round(time.perf_counter() - started),
        keras=keras.__version__,
    )


if __name__ == "__main__":
    raise SystemExit(main())
