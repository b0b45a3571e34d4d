"""The benchmark's measurements, each returning a record of ``figures``, and the worker
processes some of them run in.

A worker is a function of :data:`WORKERS` run in a fresh Python process (``python -c``, see
:func:`worker_command`) with an environment of its own: a Keras backend, or the OpenBLAS
settings unset. It prints its record as one JSON line, last on stdout; anything else it
prints (oneDNN's log, the epoch lines on stderr) is passed back or shown as it comes.

Keras, its backends, the lessons' helpers that start TensorFlow, and PyTorch are imported inside
the functions that need them, so that importing this module starts none of them.
"""

from __future__ import annotations

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
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from course_admin import course
from course_admin.bench.figures import (
    BACKEND_LESSONS,
    Accuracy,
    BackendLesson,
    Bf16Rate,
    CourseTimes,
    Fp32Rate,
    KerasSpeed,
    MatmulLimits,
    OneDnn,
    PerBackend,
    SeedAccuracy,
    Skipped,
    SkippedBackend,
    Stronger,
    StrongerRun,
    TorchReference,
    from_json,
    to_json,
)
from course_utils.project import NOTEBOOK_DIR

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
STRONGER_LESSON = "07_going_further"
NOT_INSTALLED = "{} is not installed (pip install -e '.[bench]')"


@contextlib.contextmanager
def environment(**variables: str | None) -> Iterator[None]:
    """Set ``variables`` in os.environ (None: unset) for the block; restore them after."""
    saved = {name: os.environ.get(name) for name in variables}
    try:
        for name, value in variables.items():
            _set(name, value)
        yield
    finally:
        for name, value in saved.items():
            _set(name, value)


def _set(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


def quick() -> bool:
    """Whether this run (``--quick``) measures everything at a tiny size."""
    return os.environ.get(QUICK_ENV) == "1"


def images_to_time() -> int | None:
    """How many training images the timed runs use: all of them, or a few with --quick."""
    return QUICK_IMAGES if quick() else None


def _cpuinfo(field: str) -> str | None:
    """The first value of ``field`` in /proc/cpuinfo, where there is one."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith(field):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def cpu_model() -> str:
    """The processor's name, from /proc/cpuinfo where there is one."""
    return _cpuinfo("model name") or platform.processor() or platform.machine()


def cpu_flags() -> set[str]:
    """The processor's feature flags, from /proc/cpuinfo (empty where there is none)."""
    return set((_cpuinfo("flags") or "").split())


# The workers: each runs in a process of its own and returns a record.


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


def fp32_worker(size: int, repeats: int) -> Fp32Rate:
    """The float32 rate, the kernel that ran, and the OpenBLAS settings this process had."""
    return Fp32Rate(
        gflops=round(matmul_gflops(size, repeats), 1),
        kernel=blas_kernel(),
        settings={name: os.environ.get(name) for name in OPENBLAS_VARIABLES},
    )


def bf16_worker(size: int, repeats: int) -> Bf16Rate:
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
    return Bf16Rate(
        gflops=round(2 * size**3 / best / 1e9, 1),
        library=f"PyTorch {torch.__version__}, torch.matmul on bfloat16 tensors",
        threads=torch.get_num_threads(),
    )


def speed_worker() -> KerasSpeed:
    """Train the seed CNN as the course does and time each epoch, on the Keras backend that
    KERAS_BACKEND names; one line per epoch on stderr."""
    from course_utils import models
    from course_utils.data import load_prepared

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
    return KerasSpeed(
        backend=keras.backend.backend(),
        warm_up_epoch_seconds=round(times[0], 2),
        epoch_seconds=round(seconds, 2),
        images_per_second=round(len(x_train) / seconds),
    )


#: The workers by name, with the record each returns.
WORKERS: dict[str, tuple[Callable[..., Any], type]] = {
    "fp32": (fp32_worker, Fp32Rate),
    "bf16": (bf16_worker, Bf16Rate),
    "speed": (speed_worker, KerasSpeed),
}


def worker_command(name: str, **arguments: int) -> list[str]:
    """The command that runs worker ``name`` with ``arguments`` in a fresh process."""
    serve = "from course_admin.bench.measure import serve_worker; serve_worker()"
    return [sys.executable, "-c", serve, name, json.dumps(arguments)]


def serve_worker(argv: list[str] | None = None) -> None:
    """A worker process's body: run the worker that ``argv`` (``NAME ARGUMENTS-JSON``) names
    and print its record as the last line on stdout."""
    name, arguments = argv or sys.argv[1:]
    worker, _ = WORKERS[name]
    print(json.dumps(to_json(worker(**json.loads(arguments)))), flush=True)


def worker_record(name: str, stdout: str) -> tuple[Any, list[str]]:
    """The record in a worker's ``stdout``, and the other lines it printed (a library's own
    lines, such as oneDNN's log, may come after the record, at exit)."""
    lines = stdout.strip().splitlines()
    records = [line for line in lines if line.startswith("{")]
    if not records:
        raise RuntimeError(f"the {name} worker printed no result: {lines[-1:]}")
    _, kind = WORKERS[name]
    return from_json(kind, json.loads(records[-1])), [
        line for line in lines if not line.startswith("{")
    ]


def run_worker(name: str, env: dict[str, str], **arguments: int) -> tuple[Any, list[str]]:
    """Run worker ``name`` in a fresh process with the environment ``env``; return its record
    and the other lines it printed."""
    result = subprocess.run(
        worker_command(name, **arguments), env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        last = result.stderr.strip().splitlines()[-1:] or ["no message"]
        raise RuntimeError(
            f"the {name} worker failed with exit code {result.returncode}: {last[0]}"
        )
    return worker_record(name, result.stdout)


# The machine's limits.


def onednn_kernels(log: list[str]) -> OneDnn:
    """oneDNN's instruction set and the kernels it ran, busiest first, from ONEDNN_VERBOSE=1
    lines such as ``onednn_verbose,v1,primitive,exec,cpu,matmul,brg_matmul:avx512_core_amx``."""
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
    return OneDnn(isa, sorted(kernels, key=kernels.get, reverse=True))


def bf16_limit(size: int, repeats: int, env: dict[str, str], flags: set[str]) -> Bf16Rate | Skipped:
    """The bfloat16 limit where the processor has the instructions (``flags``); else why not."""
    found = [flag for flag in BF16_FLAGS if flag in flags]
    if not found:
        return Skipped("this processor has no bfloat16 instructions "
                       "(neither avx512_bf16 nor amx_bf16 in /proc/cpuinfo)")  # fmt: skip
    if importlib.util.find_spec("torch") is None:
        return Skipped(NOT_INSTALLED.format("torch"))
    rate, log = run_worker("bf16", {**env, "ONEDNN_VERBOSE": "1"}, size=size, repeats=repeats)
    onednn = onednn_kernels(log)
    return Bf16Rate(rate.gflops, rate.library, rate.threads, onednn.isa, onednn.kernels, found)


def machine_limit() -> MatmulLimits:
    """The float32 matrix-multiply rate with the machine's OpenBLAS settings and without them
    (the limit), and the bfloat16 limit; each in a fresh process."""
    size, repeats = (QUICK_MATMUL_SIZE, 5) if quick() else (2048, 8)
    as_set, _ = run_worker("fp32", dict(os.environ), size=size, repeats=repeats)
    print(f"  float32, this machine's OpenBLAS settings: {as_set.gflops:.1f} GFLOP/s "
          f"({as_set.kernel})")  # fmt: skip
    clean = {name: value for name, value in os.environ.items() if name not in OPENBLAS_VARIABLES}
    unset, _ = run_worker("fp32", clean, size=size, repeats=repeats)
    print(f"  float32, OpenBLAS variables unset: {unset.gflops:.1f} GFLOP/s ({unset.kernel})")
    bf16 = bf16_limit(size, repeats, clean, cpu_flags())
    if isinstance(bf16, Skipped):
        print(f"  bfloat16: not measured: {bf16.skipped}")
    else:
        print(f"  bfloat16: {bf16.gflops:.1f} GFLOP/s ({bf16.library}; {bf16.kernel_in_words()})")
    return MatmulLimits(size, repeats, as_set, unset, bf16)


def training_flops_per_image(model: Any) -> int:
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


# Training speed.


def keras_speed(backend: str) -> KerasSpeed | SkippedBackend:
    """:func:`speed_worker` on one Keras backend, in a fresh process, its epoch lines shown as
    they come; or why it was skipped."""
    if importlib.util.find_spec(backend) is None:
        reason = NOT_INSTALLED.format(backend)
        print(f"  skipped Keras on {backend}: {reason}")
        return SkippedBackend(backend, reason)
    print(f"  Keras on {backend}:", flush=True)
    with (
        subprocess.Popen(
            worker_command("speed"), env={**os.environ, "KERAS_BACKEND": backend},
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
        return SkippedBackend(backend, f"failed: {reason}")
    record, _ = worker_record("speed", printed)
    return record


def torch_reference() -> TorchReference | Skipped:
    """The seed network written directly in PyTorch, trained the same way, timed per epoch."""
    if importlib.util.find_spec("torch") is None:
        reason = NOT_INSTALLED.format("torch")
        print(f"  skipped the PyTorch reference: {reason}")
        return Skipped(reason)
    from course_utils.data import load_prepared
    from course_utils.models import BATCH_SIZE

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
        for start in range(0, len(images), BATCH_SIZE):
            batch = order[start : start + BATCH_SIZE]
            optimizer.zero_grad()
            loss_function(network(images[batch]), labels[batch]).backward()
            optimizer.step()
        times.append(time.perf_counter() - started)
        print(f"    PyTorch reference, epoch {epoch + 1}/{epochs}: {times[-1]:.1f} s", flush=True)
    seconds = statistics.median(times[1:])
    return TorchReference(
        torch=torch.__version__,
        threads=torch.get_num_threads(),
        epoch_seconds=round(seconds, 2),
        images_per_second=round(len(images) / seconds),
        parameters=sum(p.numel() for p in network.parameters()),
    )


# Accuracy and the lessons' times.


def accuracy_over_seeds(seeds: list[int]) -> Accuracy:
    """Test accuracy of the seed CNN trained exactly as lesson 4 trains it, per seed."""
    from course_utils import models
    from course_utils.data import load_prepared

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
            SeedAccuracy(seed, round(float(accuracy), 4), round(float(loss), 4), round(seconds, 1))
        )
        print(f"  seed {seed}: test accuracy {accuracy:.4f} in {seconds:.0f} s")
    accuracies = [run.test_accuracy for run in runs]
    return Accuracy(
        runs=runs,
        mean=round(statistics.mean(accuracies), 4),
        stdev=round(statistics.stdev(accuracies), 4) if len(accuracies) > 1 else 0.0,
        min=min(accuracies),
        max=max(accuracies),
    )


@contextlib.contextmanager
def throwaway_build(fast: bool, **variables: str) -> Iterator[Path]:
    """A temporary COURSE_BUILD_DIR for the lessons run inside, with any other
    ``variables``; all undone afterwards."""
    with tempfile.TemporaryDirectory() as folder:
        with environment(COURSE_BUILD_DIR=folder, **variables):
            yield Path(folder)


def course_times(fast: bool = False) -> CourseTimes:
    """Run every lesson as `make course` does, in a throw-away folder: at the default
    parameters, or (``fast``, and always with --quick) as the tests run them: the small
    parameters (course.FAST_PARAMETERS). With each lesson's time, its kernel's peak memory and
    CPU seconds."""
    fast = fast or quick()
    with throwaway_build(fast) as folder:
        results = course.run_course(folder / "course", FAST if fast else {})
    return CourseTimes(
        passed=results["passed"],
        total_seconds=results["total_seconds"],
        lessons={run["lesson"]: run["seconds"] for run in results["lessons"]},
        figures={run["lesson"]: run["figures"] for run in results["lessons"]},
        peak_memory_mib={run["lesson"]: run["peak_memory_mib"] for run in results["lessons"]},
        cpu_seconds={run["lesson"]: run["cpu_seconds"] for run in results["lessons"]},
    )


def stronger_over_seeds(seeds: list[int], tensorflow_course: CourseTimes) -> Stronger:
    """Lesson 7 at its default parameters with each of ``seeds`` as its ``seed`` (the
    `make course` run gives the lesson's own seed): test accuracy and training time."""
    import papermill

    notebook = NOTEBOOK_DIR / f"{STRONGER_LESSON}.ipynb"
    own_seed = int(papermill.inspect_notebook(str(notebook))["seed"]["default"])
    figures = tensorflow_course.figures.get(STRONGER_LESSON, {})
    runs = [StrongerRun(own_seed, figures.get("test_accuracy"), figures.get("training_seconds"))]
    with throwaway_build(quick()) as folder:
        for seed in seeds:
            parameters = {**(FAST if quick() else {}), "seed": seed}
            with course.LessonConsole(f"{STRONGER_LESSON}, seed {seed}") as console:
                run = course.run_lesson(notebook, folder, parameters, console)
            runs.append(StrongerRun(seed, run.figures.get("test_accuracy"),
                                    run.figures.get("training_seconds"), run.error))  # fmt: skip
            print(f"  seed {seed}: test accuracy {runs[-1].test_accuracy}, "
                  f"training {runs[-1].training_seconds} s")  # fmt: skip
    accuracies = [run.test_accuracy for run in runs if run.test_accuracy is not None]
    return Stronger(runs, round(statistics.mean(accuracies), 4) if accuracies else None)


def lessons_per_backend(backends: list[str], tensorflow_course: CourseTimes) -> PerBackend:
    """Lessons 4 and 7 at their default (full) parameters on each backend: test accuracy and
    wall time. TensorFlow's figures are those of ``tensorflow_course`` (the `make course` run)."""
    found: PerBackend = {}
    for backend in backends:
        if backend == "tensorflow":
            figures = tensorflow_course.figures
            found[backend] = {
                stem: BackendLesson(tensorflow_course.lessons.get(stem),
                                    figures.get(stem, {}).get("test_accuracy"))
                for stem in BACKEND_LESSONS
            }  # fmt: skip
            continue
        if importlib.util.find_spec(backend) is None:
            found[backend] = skipped = Skipped(NOT_INSTALLED.format(backend))
            print(f"  skipped {backend}: {skipped.skipped}")
            continue
        lessons: dict[str, BackendLesson] = {}
        found[backend] = lessons
        with throwaway_build(quick(), KERAS_BACKEND=backend) as folder:
            for stem in BACKEND_LESSONS:
                print(f"  {stem} on {backend} ...", flush=True)
                notebook = NOTEBOOK_DIR / f"{stem}.ipynb"
                with course.LessonConsole(f"{stem} on {backend}") as console:
                    run = course.run_lesson(notebook, folder, FAST if quick() else {}, console)
                accuracy = run.figures.get("test_accuracy")
                lessons[stem] = BackendLesson(run.seconds, accuracy, run.error)
                print(f"  {stem} on {backend}: {run.seconds:.0f} s, test accuracy {accuracy}"
                      f"{', ' + run.error if run.error else ''}")  # fmt: skip
    return found
