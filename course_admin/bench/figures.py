"""The benchmark's figures as typed records: what ``measure`` produces, ``report`` renders and
results.json holds. :func:`to_json` and :func:`from_json` keep results.json's keys, in order."""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass
from typing import Any

#: The lessons measured on every Keras backend (results.json's ``per_backend``).
BACKEND_LESSONS = ("04_train", "07_going_further")


@dataclass(frozen=True)
class Skipped:
    """A measurement that did not run, and why."""

    skipped: str


@dataclass(frozen=True)
class Machine:
    cpu: str
    cores: int | None
    #: course_utils.environment.versions(): Python, Keras, its backend, NumPy, the device
    versions: dict[str, str]


@dataclass(frozen=True)
class KerasSpeed:
    """The seed CNN's training speed on one Keras backend (median after a warm-up epoch)."""

    backend: str
    warm_up_epoch_seconds: float
    epoch_seconds: float
    images_per_second: int


@dataclass(frozen=True)
class SkippedBackend:
    """A Keras backend whose speed was not measured, and why."""

    backend: str
    skipped: str


@dataclass(frozen=True)
class TorchReference:
    """The seed network written directly in PyTorch, trained the same way."""

    torch: str
    threads: int
    epoch_seconds: float
    images_per_second: int
    parameters: int


@dataclass(frozen=True)
class Speed:
    keras: list[KerasSpeed | SkippedBackend]
    torch_reference: TorchReference | Skipped


@dataclass(frozen=True)
class Fp32Rate:
    """NumPy's float32 matrix-multiply rate, its BLAS kernel, and the OpenBLAS settings of the
    process that measured it."""

    gflops: float
    kernel: str
    settings: dict[str, str | None]


@dataclass(frozen=True)
class OneDnn:
    """What oneDNN's log (ONEDNN_VERBOSE=1) says: its instruction set, its kernels by use."""

    isa: str | None
    kernels: list[str]


@dataclass(frozen=True)
class Bf16Rate:
    """torch.matmul's bfloat16 rate, and the oneDNN kernels that ran it."""

    gflops: float
    library: str
    threads: int
    onednn_isa: str | None = None
    onednn_kernels: list[str] = dataclasses.field(default_factory=list)
    cpu_flags: list[str] = dataclasses.field(default_factory=list)

    def kernel_in_words(self) -> str:
        """Which oneDNN kernels multiplied the bfloat16 matrices."""
        if not self.onednn_kernels:
            return "no oneDNN call seen: PyTorch's own kernel"
        return f"oneDNN on {self.onednn_isa}: {', '.join(self.onednn_kernels[:2])}"


@dataclass(frozen=True)
class MatmulLimits:
    """The machine's matrix-multiply rates: float32 as set and unset (the limit), bfloat16."""

    size: int
    repeats: int
    fp32_machine_settings: Fp32Rate
    fp32: Fp32Rate
    bf16: Bf16Rate | Skipped


@dataclass(frozen=True)
class Limit(MatmulLimits):
    """The limits, the training's FLOPs, and the share of each limit the training reaches."""

    matmul_gflops: float
    training_flops_per_image: int
    training_gflop_per_epoch: float
    achieved_gflops: float
    ratio: float
    ratio_bf16: float | None

    @classmethod
    def reached(cls, limits: MatmulLimits, flops_per_image: int, achieved: float) -> Limit:
        """``limits`` against a training of ``flops_per_image`` that ran at ``achieved``
        GFLOP/s."""
        bf16 = limits.bf16
        return cls(
            **{field.name: getattr(limits, field.name) for field in dataclasses.fields(limits)},
            matmul_gflops=limits.fp32.gflops,
            training_flops_per_image=flops_per_image,
            training_gflop_per_epoch=round(flops_per_image * 60_000 / 1e9, 1),
            achieved_gflops=round(achieved, 1),
            ratio=round(achieved / limits.fp32.gflops, 3),
            ratio_bf16=round(achieved / bf16.gflops, 3) if isinstance(bf16, Bf16Rate) else None,
        )


@dataclass(frozen=True)
class SeedAccuracy:
    seed: int
    test_accuracy: float
    test_loss: float
    training_seconds: float


@dataclass(frozen=True)
class Accuracy:
    """The seed CNN trained as lesson 4 trains it, per seed."""

    runs: list[SeedAccuracy]
    mean: float
    stdev: float
    min: float
    max: float


@dataclass(frozen=True)
class CourseTimes:
    """One run of every lesson: seconds per lesson, the figures each lesson reported, and
    what each lesson's kernel used: its peak resident memory (MiB) and its CPU seconds."""

    passed: bool
    total_seconds: float
    lessons: dict[str, float]
    #: per lesson, what it recorded with course_utils.results (names differ by lesson)
    figures: dict[str, dict[str, Any]]
    #: per lesson, the kernel's peak resident memory in MiB (None: the system did not say);
    #: None for the whole run in results.json written before it was measured
    peak_memory_mib: dict[str, float | None] | None = None
    #: per lesson, the kernel's user and system CPU seconds; None as for peak_memory_mib
    cpu_seconds: dict[str, float | None] | None = None


@dataclass(frozen=True)
class StrongerRun:
    """Lesson 7 at its defaults with one seed; ``error`` when the lesson failed."""

    seed: int
    test_accuracy: float | None
    training_seconds: float | None
    error: str | None = None


@dataclass(frozen=True)
class Stronger:
    runs: list[StrongerRun]
    mean: float | None


@dataclass(frozen=True)
class BackendLesson:
    """One lesson at full size on one backend; ``error`` when the lesson failed."""

    seconds: float | None
    test_accuracy: float | None
    error: str | None = None


#: Per backend, the lessons of BACKEND_LESSONS by name, or why the backend was skipped.
PerBackend = dict[str, dict[str, BackendLesson] | Skipped]


@dataclass(frozen=True)
class Results:
    """Everything one run measured: results.json."""

    date: str
    machine: Machine
    speed: Speed
    limit: Limit
    accuracy: Accuracy
    course: CourseTimes
    fast_runs: CourseTimes
    stronger_seeds: Stronger
    per_backend: PerBackend
    bench_seconds: int
    keras: str


#: Fields left out of the JSON when None (a failed lesson's ``error`` is there only if it failed;
#: a course run's memory and CPU figures only if it measured them).
_OMITTED_WHEN_NONE = ("error", "peak_memory_mib", "cpu_seconds")


def to_json(record: Any) -> dict[str, Any]:
    """``record`` (a dataclass above) as JSON-ready dicts and lists, fields in order."""
    return dataclasses.asdict(record, dict_factory=_present)


def _present(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    return {
        name: value for name, value in pairs if not (name in _OMITTED_WHEN_NONE and value is None)
    }


def from_json(kind: Any, data: Any) -> Any:
    """``data``, as json.loads gives it, as ``kind``: a dataclass above, a list or dict of
    them, or a union of one with its skipped form (told apart by a ``skipped`` key)."""
    origin, arguments = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        if data is None:
            return None
        options = [option for option in arguments if option is not type(None)]
        if len(options) > 1:
            skipped = isinstance(data, dict) and "skipped" in data
            options = [option for option in options if _has_skipped_field(option) == skipped]
        return from_json(options[0], data)
    if origin is list:
        return [from_json(arguments[0], item) for item in data]
    if origin is dict:
        return {key: from_json(arguments[1], value) for key, value in data.items()}
    if dataclasses.is_dataclass(kind):
        hints = typing.get_type_hints(kind)
        return kind(
            **{
                field.name: from_json(hints[field.name], data[field.name])
                for field in dataclasses.fields(kind)
                if field.name in data
            }
        )
    return data


def _has_skipped_field(kind: Any) -> bool:
    return dataclasses.is_dataclass(kind) and any(
        field.name == "skipped" for field in dataclasses.fields(kind)
    )
