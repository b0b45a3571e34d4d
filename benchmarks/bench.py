"""`make bench`: how fast the course runs on this machine, against what the machine can do.

Measures, in one run, and writes benchmarks/results.md (a table) and results.json:

- the seed CNN's training speed as the course trains it (batch 64) on all 60,000 images:
  median seconds per epoch after a warm-up epoch, and images per second; on Keras's
  TensorFlow backend, and on the JAX and PyTorch backends when those are installed
  (`pip install -e ".[bench]"`), each in a fresh process;
- the same network written directly in PyTorch, as an outside reference (when installed);
- the machine's limit: float32 matrix-multiply rate with NumPy, the training FLOPs of one
  epoch computed from the layer shapes, and the share of the limit the training reaches;
- test accuracy of the seed CNN trained exactly as lesson 4 does, over several seeds;
- wall time of `make course` at the default parameters and of the tests' fast runs, per lesson;
- lessons 4 and 7 at full size on Keras's JAX and PyTorch backends too (test accuracy and wall
  time; TensorFlow's come from the `make course` run), each lesson run by papermill with the
  kernel on that backend. Long: on 2 cores JAX trains about 4 times slower than TensorFlow.

Figures are reported, never asserted.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from course_utils import course, models  # noqa: E402
from course_utils.data import load_prepared  # noqa: E402
from course_utils.environment import versions  # noqa: E402
from course_utils.paths import NOTEBOOK_DIR  # noqa: E402

FAST = {"train_size": 2000, "epochs": 1}
TIMED_EPOCHS = 3


def cpu_model() -> str:
    """The processor's name, from /proc/cpuinfo where there is one."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def matmul_gflops(size: int = 2048, repeats: int = 8) -> float:
    """Best float32 matrix-multiply rate NumPy reaches here, in GFLOP/s."""
    import numpy as np

    rng = np.random.default_rng(0)
    a, b = (rng.random((size, size), dtype=np.float32) for _ in range(2))
    a @ b  # warm-up
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - started)
    return 2 * size**3 / best / 1e9


def training_flops_per_image(model) -> int:
    """Multiply-adds of one forward pass (x2 for FLOPs) from the layer shapes; training is
    counted as three forward passes (forward, and backward for inputs and for weights)."""
    import keras

    forward = 0
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D):
            _, height, width, filters = layer.output.shape
            kernel_height, kernel_width, channels, _ = layer.kernel.shape
            forward += 2 * height * width * filters * kernel_height * kernel_width * channels
        elif isinstance(layer, keras.layers.Dense):
            inputs, units = layer.kernel.shape
            forward += 2 * inputs * units
    return 3 * forward


def speed_worker() -> dict:
    """Train the seed CNN as the course does and time each epoch (run in its own process)."""
    import keras

    (x_train, y_train), _ = load_prepared()
    keras.utils.set_random_seed(0)
    model = models.build_seed_cnn()
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    times: list[float] = []

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.started = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            times.append(time.perf_counter() - self.started)

    model.fit(x_train, y_train, epochs=1 + TIMED_EPOCHS, batch_size=models.BATCH_SIZE,
              verbose=0, callbacks=[EpochTimer()])  # fmt: skip
    seconds = statistics.median(times[1:])
    return {
        "backend": keras.backend.backend(),
        "warm_up_epoch_seconds": round(times[0], 2),
        "epoch_seconds": round(seconds, 2),
        "images_per_second": round(len(x_train) / seconds),
    }


def keras_speed(backend: str) -> dict:
    """:func:`speed_worker` on one Keras backend, in a fresh process; or why it was skipped."""
    module = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}[backend]
    if importlib.util.find_spec(module) is None:
        reason = f"{module} is not installed (pip install -e '.[bench]')"
        print(f"  skipped Keras on {backend}: {reason}")
        return {"backend": backend, "skipped": reason}
    environment = {**os.environ, "KERAS_BACKEND": backend}
    result = subprocess.run(
        [sys.executable, __file__, "--speed-worker"], env=environment, capture_output=True,
        text=True, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        reason = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "failed"
        print(f"  Keras on {backend} failed: {reason}")
        return {"backend": backend, "skipped": f"failed: {reason}"}
    return json.loads(result.stdout.strip().splitlines()[-1])


def torch_reference() -> dict:
    """The seed network written directly in PyTorch, trained the same way, timed per epoch."""
    if importlib.util.find_spec("torch") is None:
        reason = "torch is not installed (pip install -e '.[bench]')"
        print(f"  skipped the PyTorch reference: {reason}")
        return {"skipped": reason}
    import torch
    from torch import nn

    (x_train, y_train), _ = load_prepared()
    images = torch.from_numpy(x_train).permute(0, 3, 1, 2).contiguous()
    labels = torch.from_numpy(y_train.argmax(axis=1))
    torch.manual_seed(0)
    network = nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.25),
        nn.Flatten(), nn.Linear(800, 128), nn.ReLU(), nn.Linear(128, 10),
    )  # fmt: skip
    optimizer = torch.optim.Adam(network.parameters(), lr=1e-3)
    loss_function = nn.CrossEntropyLoss()
    times = []
    for _ in range(1 + TIMED_EPOCHS):
        started = time.perf_counter()
        order = torch.randperm(len(images))
        for start in range(0, len(images), models.BATCH_SIZE):
            batch = order[start : start + models.BATCH_SIZE]
            optimizer.zero_grad()
            loss_function(network(images[batch]), labels[batch]).backward()
            optimizer.step()
        times.append(time.perf_counter() - started)
    seconds = statistics.median(times[1:])
    return {
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "epoch_seconds": round(seconds, 2),
        "images_per_second": round(len(images) / seconds),
        "parameters": sum(p.numel() for p in network.parameters()),
    }


def accuracy_over_seeds(seeds: list[int]) -> dict:
    """Test accuracy of the seed CNN trained exactly as lesson 4 trains it, per seed."""
    (x_train, y_train), (x_test, y_test) = load_prepared()
    runs = []
    for seed in seeds:
        started = time.perf_counter()
        model, _ = models.train_seed_cnn(x_train, y_train, epochs=4, seed=seed, verbose=0)
        seconds = time.perf_counter() - started
        loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
        runs.append({"seed": seed, "test_accuracy": round(float(accuracy), 4),
                     "test_loss": round(float(loss), 4), "training_seconds": round(seconds, 1)})
        print(f"  seed {seed}: test accuracy {accuracy:.4f} in {seconds:.0f} s")
    accuracies = [run["test_accuracy"] for run in runs]
    return {
        "runs": runs,
        "mean": round(statistics.mean(accuracies), 4),
        "stdev": round(statistics.stdev(accuracies), 4) if len(accuracies) > 1 else 0.0,
        "min": min(accuracies),
        "max": max(accuracies),
    }


def course_times(overrides: dict) -> dict:
    """Run every lesson as `make course` does (with ``overrides``), in a throw-away folder."""
    with tempfile.TemporaryDirectory() as folder:
        previous = os.environ.get("COURSE_BUILD_DIR")
        os.environ["COURSE_BUILD_DIR"] = folder
        try:
            results = course.run_course(Path(folder) / "course", overrides)
        finally:
            if previous is None:
                os.environ.pop("COURSE_BUILD_DIR")
            else:
                os.environ["COURSE_BUILD_DIR"] = previous
    return {
        "passed": results["passed"],
        "total_seconds": results["total_seconds"],
        "lessons": {run["lesson"]: run["seconds"] for run in results["lessons"]},
        "figures": {run["lesson"]: run["figures"] for run in results["lessons"]},
    }


BACKEND_LESSONS = ("04_train", "07_going_further")


def lessons_per_backend(backends: list[str], tensorflow_course: dict) -> dict:
    """Lessons 4 and 7 at their default (full) parameters on each backend: test accuracy and
    wall time. TensorFlow's figures are those of ``tensorflow_course`` (the `make course` run)."""
    found: dict[str, dict] = {}
    for backend in backends:
        if backend == "tensorflow":
            figures = tensorflow_course["figures"]
            found[backend] = {
                stem: {"seconds": tensorflow_course["lessons"].get(stem),
                       "test_accuracy": figures.get(stem, {}).get("test_accuracy")}
                for stem in BACKEND_LESSONS
            }  # fmt: skip
            continue
        if importlib.util.find_spec(backend) is None:
            found[backend] = {"skipped": f"{backend} is not installed (pip install -e '.[bench]')"}
            print(f"  skipped {backend}: {found[backend]['skipped']}")
            continue
        found[backend] = {}
        saved = {name: os.environ.get(name) for name in ("KERAS_BACKEND", "COURSE_BUILD_DIR")}
        with tempfile.TemporaryDirectory() as folder:
            os.environ.update(KERAS_BACKEND=backend, COURSE_BUILD_DIR=folder)
            try:
                for stem in BACKEND_LESSONS:
                    print(f"  {stem} on {backend} ...", flush=True)
                    run = course.run_lesson(NOTEBOOK_DIR / f"{stem}.ipynb", Path(folder), {})
                    accuracy = run.figures.get("test_accuracy")
                    found[backend][stem] = {"seconds": run.seconds, "test_accuracy": accuracy}
                    if run.error:
                        found[backend][stem]["error"] = run.error
                    print(f"  {stem} on {backend}: {run.seconds:.0f} s, test accuracy {accuracy}"
                          f"{', ' + run.error if run.error else ''}")  # fmt: skip
            finally:
                for name, value in saved.items():
                    if value is None:
                        os.environ.pop(name, None)
                    else:
                        os.environ[name] = value
    return found


def backend_lines(per_backend: dict) -> list[str]:
    """The table of lessons 4 and 7 at full size per backend, for results.md."""
    lines = [
        "",
        "## Lessons 4 and 7 at full size, per Keras backend",
        "",
        "| backend | lesson 4: test accuracy | lesson 4, s "
        "| lesson 7: test accuracy | lesson 7, s |",
        "|---|---|---|---|---|",
    ]
    for backend, lessons in per_backend.items():
        if "skipped" in lessons:
            lines.append(f"| {backend} | skipped: {lessons['skipped']} | | | |")
            continue
        cells = []
        for stem in BACKEND_LESSONS:
            run = lessons.get(stem, {})
            accuracy = run.get("test_accuracy")
            cells += [f"{accuracy:.4f}" if accuracy is not None else run.get("error", "none"),
                      str(run.get("seconds", ""))]  # fmt: skip
        lines.append(f"| {backend} | " + " | ".join(cells) + " |")
    return lines


def markdown(results: dict) -> str:
    """The results as the readable page benchmarks/results.md."""
    machine, speed = results["machine"], results["speed"]
    lines = [
        "# Benchmark results",
        "",
        f"Measured by `make bench` on {results['date']} (written by benchmarks/bench.py; "
        "figures are reported, never asserted).",
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
        f"| processor | {machine['cpu']} |",
        f"| cores | {machine['cores']} |",
        *[f"| {name} | {value} |" for name, value in machine["versions"].items()],
        "",
        "## Training speed of the seed CNN (batch 64, all 60,000 images)",
        "",
        "Median of 3 epochs after a warm-up epoch.",
        "",
        "| implementation | seconds per epoch | images per second |",
        "|---|---|---|",
    ]
    for entry in speed["keras"]:
        name = f"Keras 3 on {entry['backend']}"
        if "skipped" in entry:
            lines.append(f"| {name} | skipped: {entry['skipped']} | |")
        else:
            lines.append(f"| {name} | {entry['epoch_seconds']} | {entry['images_per_second']:,} |")
    torch_entry = speed["torch_reference"]
    if "skipped" in torch_entry:
        lines.append(f"| PyTorch, written directly | skipped: {torch_entry['skipped']} | |")
    else:
        lines.append(
            f"| PyTorch {torch_entry['torch']}, written directly | {torch_entry['epoch_seconds']} "
            f"| {torch_entry['images_per_second']:,} |"
        )
    limit = results["limit"]
    lines += [
        "",
        "## Against the machine's limit",
        "",
        "| | |",
        "|---|---|",
        f"| NumPy float32 matrix multiply (2048 x 2048, best of 8) "
        f"| {limit['matmul_gflops']:.1f} GFLOP/s |",
        f"| training FLOPs per image (3 x forward, from layer shapes) "
        f"| {limit['training_flops_per_image']:,} |",
        f"| training FLOPs per epoch (60,000 images) "
        f"| {limit['training_gflop_per_epoch']:.0f} GFLOP |",
        f"| achieved by Keras on TensorFlow | {limit['achieved_gflops']:.1f} GFLOP/s |",
        f"| achieved / matrix-multiply rate | {limit['ratio']:.0%} |",
        "",
        "## Test accuracy of the seed CNN, trained as lesson 4 trains it",
        "",
        "| seed | test accuracy | test loss | training seconds |",
        "|---|---|---|---|",
    ]  # fmt: skip
    accuracy = results["accuracy"]
    lines += [
        f"| {run['seed']} | {run['test_accuracy']:.4f} | {run['test_loss']:.4f} | "
        f"{run['training_seconds']} |"
        for run in accuracy["runs"]
    ]
    lines += [
        f"| mean (stdev) | {accuracy['mean']:.4f} ({accuracy['stdev']:.4f}) | | |",
        "",
        "## Wall time per lesson",
        "",
        "| lesson | `make course` (defaults), s | what it reported | "
        "tests' fast run (2,000 images, 1 epoch), s |",
        "|---|---|---|---|",
    ]
    full, fast = results["course"], results["fast_runs"]
    for lesson, seconds in full["lessons"].items():
        reported = key_figures(full.get("figures", {}).get(lesson, {}))
        lines.append(f"| {lesson} | {seconds} | {reported} | {fast['lessons'].get(lesson, '')} |")
    lines.append(f"| total | {full['total_seconds']} | | {fast['total_seconds']} |")
    if "per_backend" in results:
        lines += backend_lines(results["per_backend"])
    return "\n".join(lines) + "\n"


def key_figures(figures: dict) -> str:
    """A lesson's parameter count, training time and test accuracy, as one table cell."""
    parts = []
    if "parameters" in figures:
        parts.append(f"{figures['parameters']:,} parameters")
    if "training_seconds" in figures:
        parts.append(f"training {figures['training_seconds']} s")
    if "test_accuracy" in figures:
        parts.append(f"test accuracy {figures['test_accuracy']:.4f}")
    return ", ".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3, help="seeds for the accuracy figure")
    parser.add_argument("--speed-worker", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    if arguments.speed_worker:
        print(json.dumps(speed_worker()))
        return 0

    started = time.perf_counter()
    import keras

    print("[1/6] the machine's matrix-multiply rate")
    gflops = matmul_gflops()
    print(f"  {gflops:.1f} GFLOP/s")
    print("[2/6] training speed of the seed CNN")
    keras_runs = [keras_speed(backend) for backend in ("tensorflow", "jax", "torch")]
    for entry in keras_runs:
        if "skipped" not in entry:
            print(f"  Keras on {entry['backend']}: {entry['epoch_seconds']} s per epoch, "
                  f"{entry['images_per_second']:,} images/s")  # fmt: skip
    reference = torch_reference()
    flops = training_flops_per_image(models.build_seed_cnn())
    tensorflow_run = keras_runs[0]
    achieved = flops * 60_000 / tensorflow_run["epoch_seconds"] / 1e9
    print(f"[3/6] test accuracy over {arguments.seeds} seeds")
    accuracy = accuracy_over_seeds(list(range(1, arguments.seeds + 1)))
    print("[4/6] make course at the default parameters")
    full = course_times({})
    print("[5/6] the tests' fast runs")
    fast = course_times(FAST)
    print("[6/6] lessons 4 and 7 at full size on the other Keras backends")
    per_backend = lessons_per_backend(["tensorflow", "jax", "torch"], full)
    results = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": {"cpu": cpu_model(), "cores": os.cpu_count(), "versions": versions()},
        "speed": {"keras": keras_runs, "torch_reference": reference},
        "limit": {
            "matmul_gflops": round(gflops, 1),
            "training_flops_per_image": flops,
            "training_gflop_per_epoch": round(flops * 60_000 / 1e9, 1),
            "achieved_gflops": round(achieved, 1),
            "ratio": round(achieved / gflops, 3),
        },
        "accuracy": accuracy,
        "course": full,
        "fast_runs": fast,
        "per_backend": per_backend,
        "bench_seconds": round(time.perf_counter() - started),
        "keras": keras.__version__,
    }
    (HERE / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    (HERE / "results.md").write_text(markdown(results))
    print(f"\nWrote {HERE / 'results.md'} and results.json in {results['bench_seconds']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
