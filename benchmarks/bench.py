"""`make bench`: how fast the course runs on this machine, against what the machine can do.

Measures, in one run, and writes benchmarks/results.md (a table) and results.json:

- the seed CNN's training speed as the course trains it (batch 64) on all 60,000 images:
  median seconds per epoch after a warm-up epoch, and images per second; on Keras's
  TensorFlow backend, and on the JAX and PyTorch backends when those are installed
  (`pip install -e ".[bench]"`), each in a fresh process;
- the same network written directly in PyTorch, as an outside reference (when installed);
- the machine's limits: the float32 matrix-multiply rate of NumPy's OpenBLAS, once with this
  machine's OpenBLAS settings and once with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset (the
  limit; each in a process of its own, so that nothing else loses the machine's settings),
  with the kernel that ran (threadpoolctl); where the processor has bfloat16 instructions
  (avx512_bf16 or amx_bf16), the bfloat16 rate of torch.matmul (oneDNN) and oneDNN's kernel;
  the training FLOPs of one epoch computed from the layer shapes, and the share of each limit
  the training reaches;
- test accuracy of the seed CNN trained exactly as lesson 4 does, over several seeds;
- wall time of `make course` at the default parameters and of the tests' fast runs, per lesson;
- lesson 7's test accuracy and training time with two more seeds (1 and 2) besides its own;
- lessons 4 and 7 at full size on Keras's JAX and PyTorch backends too (test accuracy and wall
  time; TensorFlow's come from the `make course` run), each lesson run by papermill with the
  kernel on that backend. Long: on 2 cores JAX trains about 4 times slower than TensorFlow.

Figures are reported, never asserted. Every step prints its progress as it goes.
``--quick`` runs every step at a tiny size (for tests) and writes to build/bench-quick/.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from course_utils import course, models  # noqa: E402
from course_utils.data import load_prepared  # noqa: E402
from course_utils.environment import versions  # noqa: E402
from course_utils.paths import NOTEBOOK_DIR, build_dir  # noqa: E402

FAST = course.FAST_PARAMETERS
TIMED_EPOCHS = 3
#: Set by ``--quick`` and inherited by the worker processes: every measurement at a tiny size.
QUICK_ENV = "COURSE_BENCH_QUICK"
QUICK_IMAGES = 2000
QUICK_MATMUL_SIZE = 512
#: This machine's OpenBLAS settings, which hold NumPy to older kernels. The limit is measured
#: without them, in a process of its own; the lessons and tests keep them.
OPENBLAS_VARIABLES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
#: /proc/cpuinfo flags of the instructions that multiply bfloat16 matrices in hardware.
BF16_FLAGS = ("avx512_bf16", "amx_bf16")


def quick() -> bool:
    """Whether this run (``--quick``) measures everything at a tiny size."""
    return os.environ.get(QUICK_ENV) == "1"


def images_to_time() -> int | None:
    """How many training images the timed runs use: all of them, or a few with --quick."""
    return QUICK_IMAGES if quick() else None


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


def blas_kernel() -> str:
    """NumPy's BLAS library and the kernel family it runs here (e.g. 'openblas SkylakeX'),
    as threadpoolctl reports it."""
    import numpy  # noqa: F401  (loads the BLAS library)

    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "unknown (threadpoolctl is not installed: pip install threadpoolctl)"
    for pool in threadpool_info():
        if pool.get("user_api") == "blas":
            return f"{pool['internal_api']} {pool.get('architecture') or ''}".strip()
    return "unknown: no BLAS library loaded"


def fp32_worker(size: int, repeats: int) -> dict:
    """The float32 rate, the kernel that ran, and the OpenBLAS settings this process had."""
    return {
        "gflops": round(matmul_gflops(size, repeats), 1),
        "kernel": blas_kernel(),
        "settings": {name: os.environ.get(name) for name in OPENBLAS_VARIABLES},
    }


def bf16_worker(size: int, repeats: int) -> dict:
    """Best bfloat16 matrix-multiply rate of ``torch.matmul`` here, in GFLOP/s. PyTorch hands
    bfloat16 products to oneDNN, which uses AVX512-BF16 or AMX where the processor has them."""
    import torch

    a, b = (torch.rand(size, size).to(torch.bfloat16) for _ in range(2))
    torch.matmul(a, b)  # warm-up
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        torch.matmul(a, b)
        best = min(best, time.perf_counter() - started)
    return {
        "gflops": round(2 * size**3 / best / 1e9, 1),
        "library": f"PyTorch {torch.__version__}, torch.matmul on bfloat16 tensors",
        "threads": torch.get_num_threads(),
    }


def cpu_flags() -> set[str]:
    """The processor's feature flags, from /proc/cpuinfo (empty where there is none)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def onednn_kernels(log: list[str]) -> dict:
    """oneDNN's instruction set and the kernels it ran, from ONEDNN_VERBOSE=1 lines such as
    ``onednn_verbose,v1,primitive,exec,cpu,matmul,brg_matmul:avx512_core_amx,...``."""
    isa, kernels = None, {}
    for line in log:
        fields = line.split(",")
        if not line.startswith("onednn_verbose"):
            continue
        if "info" in fields and any(field.startswith("isa:") for field in fields):
            isa = next(field for field in fields if field.startswith("isa:"))[4:]
        elif "exec" in fields:
            at = fields.index("exec")
            kind, implementation = fields[at + 2 : at + 4]
            name = f"{kind} {implementation}".strip()
            kernels[name] = kernels.get(name, 0) + 1
    busiest = sorted(kernels, key=kernels.get, reverse=True)
    return {"onednn_isa": isa, "onednn_kernels": busiest}


def run_worker(flag: str, size: int, repeats: int, environment: dict[str, str]) -> tuple:
    """Run one of this script's measuring workers in a fresh process with ``environment``;
    return its result (the line in JSON) and the other lines it printed."""
    result = subprocess.run(
        [sys.executable, __file__, flag, "--size", str(size), "--repeats", str(repeats)],
        env=environment, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        last = result.stderr.strip().splitlines()[-1:] or ["no message"]
        raise RuntimeError(f"{flag} failed with exit code {result.returncode}: {last[0]}")
    # a library's own lines (oneDNN's log) may reach stdout after the result, at exit
    lines = result.stdout.strip().splitlines()
    answers = [line for line in lines if line.startswith("{")]
    if not answers:
        raise RuntimeError(f"{flag} printed no result: {lines[-1:]}")
    return json.loads(answers[-1]), [line for line in lines if not line.startswith("{")]


def bf16_limit(size: int, repeats: int, environment: dict[str, str], flags: set[str]) -> dict:
    """The bfloat16 limit where the processor has the instructions (``flags``); else why not."""
    found = [flag for flag in BF16_FLAGS if flag in flags]
    if not found:
        return {"skipped": "this processor has no bfloat16 instructions "
                           "(neither avx512_bf16 nor amx_bf16 in /proc/cpuinfo)"}  # fmt: skip
    if importlib.util.find_spec("torch") is None:
        return {"skipped": "torch is not installed (pip install -e '.[bench]')"}
    result, log = run_worker("--bf16-worker", size, repeats, {**environment, "ONEDNN_VERBOSE": "1"})
    return {**result, **onednn_kernels(log), "cpu_flags": found}


def machine_limit() -> dict:
    """The float32 matrix-multiply rate with the machine's OpenBLAS settings and without them
    (the limit), and the bfloat16 limit; each in a fresh process."""
    size, repeats = (QUICK_MATMUL_SIZE, 5) if quick() else (2048, 8)
    as_set, _ = run_worker("--fp32-worker", size, repeats, dict(os.environ))
    print(f"  float32, this machine's OpenBLAS settings: {as_set['gflops']:.1f} GFLOP/s "
          f"({as_set['kernel']})")  # fmt: skip
    clean = {name: value for name, value in os.environ.items() if name not in OPENBLAS_VARIABLES}
    unset, _ = run_worker("--fp32-worker", size, repeats, clean)
    print(f"  float32, OpenBLAS variables unset: {unset['gflops']:.1f} GFLOP/s ({unset['kernel']})")
    bf16 = bf16_limit(size, repeats, clean, cpu_flags())
    if "skipped" in bf16:
        print(f"  bfloat16: not measured: {bf16['skipped']}")
    else:
        print(f"  bfloat16: {bf16['gflops']:.1f} GFLOP/s ({bf16['library']}; {bf16_kernel(bf16)})")
    return {"size": size, "repeats": repeats, "fp32_machine_settings": as_set, "fp32": unset,
            "bf16": bf16}  # fmt: skip


def bf16_kernel(bf16: dict) -> str:
    """Which oneDNN kernels multiplied the bfloat16 matrices, in words."""
    if not bf16["onednn_kernels"]:
        return "no oneDNN call seen: PyTorch's own kernel"
    return f"oneDNN on {bf16['onednn_isa']}: {', '.join(bf16['onednn_kernels'][:2])}"


def limit_figures(limit: dict, flops_per_image: int, achieved: float) -> dict:
    """The limits and the share of each that the training reaches, for results.json."""
    bf16 = limit["bf16"]
    return {
        **limit,
        "matmul_gflops": limit["fp32"]["gflops"],
        "training_flops_per_image": flops_per_image,
        "training_gflop_per_epoch": round(flops_per_image * 60_000 / 1e9, 1),
        "achieved_gflops": round(achieved, 1),
        "ratio": round(achieved / limit["fp32"]["gflops"], 3),
        "ratio_bf16": None if "skipped" in bf16 else round(achieved / bf16["gflops"], 3),
    }


def limit_lines(limit: dict) -> list[str]:
    """The section of results.md on the machine's limits."""
    size, repeats = limit.get("size", 2048), limit.get("repeats", 8)
    as_set, unset, bf16 = limit["fp32_machine_settings"], limit["fp32"], limit["bf16"]
    settings = ", ".join(f"{name}={value}" for name, value in as_set["settings"].items() if value)
    if "skipped" in bf16:
        bf16_row = f"| bfloat16 matrix multiply | not measured: {bf16['skipped']} |"
        bf16_ratio = "| achieved / bfloat16 limit | none: no bfloat16 limit measured |"
    else:
        bf16_row = (f"| **bfloat16 limit**: {bf16['library']} ({bf16_kernel(bf16)}) "
                    f"| {bf16['gflops']:.1f} GFLOP/s |")  # fmt: skip
        bf16_ratio = f"| achieved / bfloat16 limit | {limit['ratio_bf16']:.0%} |"
    return [
        "",
        "## Against the machine's limits",
        "",
        f"Matrix multiplies of {size} x {size}, best of {repeats}, each in a process of its own. "
        "The float32 limit is NumPy's OpenBLAS with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE "
        "unset, free to pick the processor's best kernel; the lessons and tests keep the "
        "machine's settings.",
        "",
        "| | |",
        "|---|---|",
        f"| float32, NumPy with this machine's OpenBLAS settings "
        f"({settings or 'none set'}; kernel {as_set['kernel']}) | {as_set['gflops']:.1f} GFLOP/s |",
        f"| **float32 limit**: NumPy with the OpenBLAS variables unset "
        f"(kernel {unset['kernel']}) | {unset['gflops']:.1f} GFLOP/s |",
        bf16_row,
        f"| training FLOPs per image (3 x forward, from layer shapes) "
        f"| {limit['training_flops_per_image']:,} |",
        f"| training FLOPs per epoch (60,000 images) "
        f"| {limit['training_gflop_per_epoch']:.0f} GFLOP |",
        f"| achieved by Keras on TensorFlow (float32) | {limit['achieved_gflops']:.1f} GFLOP/s |",
        f"| achieved / float32 limit | {limit['ratio']:.0%} |",
        bf16_ratio,
    ]  # fmt: skip


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

    (x_train, y_train), _ = load_prepared(images_to_time())
    keras.utils.set_random_seed(0)
    model = models.build_seed_cnn()
    epochs = 2 if quick() else 1 + TIMED_EPOCHS
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    times: list[float] = []

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.started = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            times.append(time.perf_counter() - self.started)
            warm_up = " (warm-up)" if epoch == 0 else ""
            print(f"epoch {epoch + 1}/{epochs}{warm_up}: {times[-1]:.1f} s",
                  file=sys.stderr, flush=True)  # fmt: skip

    model.fit(x_train, y_train, epochs=epochs, batch_size=models.BATCH_SIZE,
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
    print(f"  Keras on {backend}:", flush=True)
    with (
        subprocess.Popen(
            [sys.executable, __file__, "--speed-worker"], env=environment,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        ) as worker,
        course.LessonConsole(f"  Keras on {backend}") as console,
    ):  # fmt: skip
        console.doing("timing epochs")
        said = []
        for line in worker.stderr:  # the epoch lines, as they come; else still-running lines
            said.append(line.rstrip())
            console.write(line)
        printed = worker.stdout.read()
    if worker.returncode != 0:
        reason = said[-1].strip() if said else "failed"
        print(f"  Keras on {backend} failed: {reason}")
        return {"backend": backend, "skipped": f"failed: {reason}"}
    return json.loads(printed.strip().splitlines()[-1])


def torch_reference() -> dict:
    """The seed network written directly in PyTorch, trained the same way, timed per epoch."""
    if importlib.util.find_spec("torch") is None:
        reason = "torch is not installed (pip install -e '.[bench]')"
        print(f"  skipped the PyTorch reference: {reason}")
        return {"skipped": reason}
    import torch
    from torch import nn

    (x_train, y_train), _ = load_prepared(images_to_time())
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
    epochs = 2 if quick() else 1 + TIMED_EPOCHS
    for epoch in range(epochs):
        started = time.perf_counter()
        order = torch.randperm(len(images))
        for start in range(0, len(images), models.BATCH_SIZE):
            batch = order[start : start + models.BATCH_SIZE]
            optimizer.zero_grad()
            loss_function(network(images[batch]), labels[batch]).backward()
            optimizer.step()
        times.append(time.perf_counter() - started)
        print(f"    PyTorch reference, epoch {epoch + 1}/{epochs}: {times[-1]:.1f} s", flush=True)
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
    (x_train, y_train), (x_test, y_test) = load_prepared(images_to_time())
    runs = []
    for seed in seeds:
        started = time.perf_counter()
        print(f"  seed {seed}:", flush=True)
        model, _ = models.train_seed_cnn(  # verbose=2: one line per epoch
            x_train, y_train, epochs=1 if quick() else 4, seed=seed, verbose=2
        )
        seconds = time.perf_counter() - started
        loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
        runs.append(
            {
                "seed": seed,
                "test_accuracy": round(float(accuracy), 4),
                "test_loss": round(float(loss), 4),
                "training_seconds": round(seconds, 1),
            }
        )
        print(f"  seed {seed}: test accuracy {accuracy:.4f} in {seconds:.0f} s")
    accuracies = [run["test_accuracy"] for run in runs]
    return {
        "runs": runs,
        "mean": round(statistics.mean(accuracies), 4),
        "stdev": round(statistics.stdev(accuracies), 4) if len(accuracies) > 1 else 0.0,
        "min": min(accuracies),
        "max": max(accuracies),
    }


@contextlib.contextmanager
def throwaway_build(fast: bool, **variables: str) -> Iterator[Path]:
    """A temporary COURSE_BUILD_DIR for the lessons run inside, with COURSE_FAST=1 when
    ``fast`` (as the tests run them) and any other ``variables``; all undone afterwards."""
    with tempfile.TemporaryDirectory() as folder:
        fast_flag = {course.FAST_VARIABLE: "1"} if fast else {}
        with mock.patch.dict(os.environ, COURSE_BUILD_DIR=folder, **fast_flag, **variables):
            yield Path(folder)


def course_times(fast: bool = False) -> dict:
    """Run every lesson as `make course` does, in a throw-away folder: at the default
    parameters, or (``fast``, and always with --quick) as the tests run them: the small
    parameters, and COURSE_FAST=1, which lessons 7 and 8 read (course.FAST_VARIABLE)."""
    fast = fast or quick()
    with throwaway_build(fast) as folder:
        results = course.run_course(folder / "course", FAST if fast else {})
    return {
        "passed": results["passed"],
        "total_seconds": results["total_seconds"],
        "lessons": {run["lesson"]: run["seconds"] for run in results["lessons"]},
        "figures": {run["lesson"]: run["figures"] for run in results["lessons"]},
    }


BACKEND_LESSONS = ("04_train", "07_going_further")
STRONGER_LESSON = "07_going_further"


def stronger_over_seeds(seeds: list[int], tensorflow_course: dict) -> dict:
    """Lesson 7 at its default parameters with each of ``seeds`` as its ``seed`` (the
    `make course` run gives the lesson's own seed): test accuracy and training time."""
    import papermill

    notebook = NOTEBOOK_DIR / f"{STRONGER_LESSON}.ipynb"
    own_seed = int(papermill.inspect_notebook(str(notebook))["seed"]["default"])
    figures = tensorflow_course["figures"].get(STRONGER_LESSON, {})
    runs = [{"seed": own_seed, "test_accuracy": figures.get("test_accuracy"),
             "training_seconds": figures.get("training_seconds")}]  # fmt: skip
    with throwaway_build(quick()) as folder:
        for seed in seeds:
            parameters = {**(FAST if quick() else {}), "seed": seed}
            with course.LessonConsole(f"{STRONGER_LESSON}, seed {seed}") as console:
                run = course.run_lesson(notebook, folder, parameters, console)
            runs.append({"seed": seed, "test_accuracy": run.figures.get("test_accuracy"),
                         "training_seconds": run.figures.get("training_seconds"),
                         **({"error": run.error} if run.error else {})})  # fmt: skip
            print(f"  seed {seed}: test accuracy {runs[-1]['test_accuracy']}, "
                  f"training {runs[-1]['training_seconds']} s")  # fmt: skip
    accuracies = [run["test_accuracy"] for run in runs if run["test_accuracy"] is not None]
    return {"runs": runs, "mean": round(statistics.mean(accuracies), 4) if accuracies else None}


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
        with throwaway_build(quick(), KERAS_BACKEND=backend) as folder:
            for stem in BACKEND_LESSONS:
                print(f"  {stem} on {backend} ...", flush=True)
                notebook = NOTEBOOK_DIR / f"{stem}.ipynb"
                with course.LessonConsole(f"{stem} on {backend}") as console:
                    run = course.run_lesson(notebook, folder, FAST if quick() else {}, console)
                accuracy = run.figures.get("test_accuracy")
                found[backend][stem] = {"seconds": run.seconds, "test_accuracy": accuracy}
                if run.error:
                    found[backend][stem]["error"] = run.error
                print(f"  {stem} on {backend}: {run.seconds:.0f} s, test accuracy {accuracy}"
                      f"{', ' + run.error if run.error else ''}")  # fmt: skip
    return found


def stronger_lines(stronger: dict) -> list[str]:
    """The table of lesson 7 per seed, for results.md."""
    lines = [
        "",
        "## Lesson 7 at its defaults, per seed (TensorFlow)",
        "",
        "| seed | test accuracy, with shifted copies | training seconds |",
        "|---|---|---|",
    ]
    for run in stronger["runs"]:
        accuracy = run["test_accuracy"]
        shown = f"{accuracy:.4f}" if accuracy is not None else run.get("error", "none")
        lines.append(f"| {run['seed']} | {shown} | {run['training_seconds']} |")
    mean = stronger["mean"]
    lines.append(f"| mean | {f'{mean:.4f}' if mean is not None else 'none'} | |")
    return lines


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
    lines += limit_lines(results["limit"])
    lines += [
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
    if "stronger_seeds" in results:
        lines += stronger_lines(results["stronger_seeds"])
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
    parser.add_argument(
        "--quick",
        action="store_true",
        help="every step at a tiny size, for tests (writes build/bench-quick/)",
    )
    parser.add_argument(
        "--output", type=Path, help="folder for results.md and results.json (default: benchmarks/)"
    )
    parser.add_argument("--speed-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--fp32-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--bf16-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, default=2048, help=argparse.SUPPRESS)
    parser.add_argument("--repeats", type=int, default=8, help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    if arguments.speed_worker:
        print(json.dumps(speed_worker()))
        return 0
    if arguments.fp32_worker or arguments.bf16_worker:
        worker = fp32_worker if arguments.fp32_worker else bf16_worker
        print(json.dumps(worker(arguments.size, arguments.repeats)), flush=True)
        return 0
    if arguments.quick:
        os.environ[QUICK_ENV] = "1"  # the worker processes inherit it
        arguments.seeds = 1
    output = arguments.output or (build_dir() / "bench-quick" if quick() else HERE)

    started = time.perf_counter()
    import keras

    print("[1/7] the machine's matrix-multiply rate")
    limit = machine_limit()
    print("[2/7] training speed of the seed CNN")
    keras_runs = [keras_speed(backend) for backend in ("tensorflow", "jax", "torch")]
    for entry in keras_runs:
        if "skipped" not in entry:
            print(f"  Keras on {entry['backend']}: {entry['epoch_seconds']} s per epoch, "
                  f"{entry['images_per_second']:,} images/s")  # fmt: skip
    reference = torch_reference()
    flops = training_flops_per_image(models.build_seed_cnn())
    tensorflow_run = keras_runs[0]
    achieved = flops * tensorflow_run["images_per_second"] / 1e9
    print(f"  Keras on TensorFlow reaches {achieved:.1f} GFLOP/s, "
          f"{achieved / limit['fp32']['gflops']:.0%} of the float32 limit")  # fmt: skip
    print(f"[3/7] test accuracy over {arguments.seeds} seeds")
    accuracy = accuracy_over_seeds(list(range(1, arguments.seeds + 1)))
    print("[4/7] make course at the default parameters")
    full = course_times()
    print("[5/7] the tests' fast runs")
    fast = course_times(fast=True)
    print("[6/7] lesson 7 at its defaults with two more seeds")
    stronger = stronger_over_seeds([1, 2] if arguments.seeds > 1 else [], full)
    print("[7/7] lessons 4 and 7 at full size on the other Keras backends")
    per_backend = lessons_per_backend(["tensorflow", "jax", "torch"], full)
    results = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": {"cpu": cpu_model(), "cores": os.cpu_count(), "versions": versions()},
        "speed": {"keras": keras_runs, "torch_reference": reference},
        "limit": limit_figures(limit, flops, achieved),
        "accuracy": accuracy,
        "course": full,
        "fast_runs": fast,
        "stronger_seeds": stronger,
        "per_backend": per_backend,
        "bench_seconds": round(time.perf_counter() - started),
        "keras": keras.__version__,
    }
    output.mkdir(parents=True, exist_ok=True)
    (output / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    (output / "results.md").write_text(markdown(results))
    print(f"\nWrote {output / 'results.md'} and results.json in {results['bench_seconds']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
