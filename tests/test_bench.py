"""benchmarks/bench.py: the arithmetic, the limits' measuring processes and the report (the
timings themselves are only reported by `make bench`, never asserted)."""

from __future__ import annotations

import importlib.util
import os
import platform

from course_utils import models
from course_utils.paths import PROJECT_ROOT

import pytest

_spec = importlib.util.spec_from_file_location("bench", PROJECT_ROOT / "benchmarks" / "bench.py")
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)


def test_training_flops_follow_from_the_layer_shapes() -> None:
    forward_multiply_adds = 26 * 26 * 32 * 9 + 11 * 11 * 32 * 9 * 32 + 800 * 128 + 128 * 10
    assert bench.training_flops_per_image(models.build_seed_cnn()) == 3 * 2 * forward_multiply_adds


def test_matmul_rate_is_a_positive_number() -> None:
    assert bench.matmul_gflops(size=64, repeats=2) > 0


def test_report_lists_every_measurement_and_says_what_was_skipped() -> None:
    results = {
        "date": "2026-11-24",
        "machine": {"cpu": "Test CPU", "cores": 2, "versions": {"keras": "3"}},
        "speed": {
            "keras": [
                {"backend": "tensorflow", "epoch_seconds": 10.0, "images_per_second": 6000},
                {"backend": "jax", "skipped": "jax is not installed"},
            ],
            "torch_reference": {"skipped": "torch is not installed"},
        },
        "limit": {"size": 2048, "repeats": 8,
                  "fp32_machine_settings": {"gflops": 100.0, "kernel": "openblas Haswell",
                                            "settings": {"OPENBLAS_CORETYPE": "Haswell",
                                                         "OPENBLAS_L2_SIZE": None}},
                  "fp32": {"gflops": 200.0, "kernel": "openblas SkylakeX",
                           "settings": {"OPENBLAS_CORETYPE": None, "OPENBLAS_L2_SIZE": None}},
                  "bf16": {"skipped": "this processor has no bfloat16 instructions"},
                  "matmul_gflops": 200.0, "training_flops_per_image": 8481024,
                  "training_gflop_per_epoch": 508.9, "achieved_gflops": 50.9, "ratio": 0.2545,
                  "ratio_bf16": None},
        "accuracy": {"runs": [{"seed": 1, "test_accuracy": 0.99, "test_loss": 0.03,
                               "training_seconds": 40.0}], "mean": 0.99, "stdev": 0.0},
        "course": {"lessons": {"04_train": 60.0, "07_going_further": 700.0},
                   "total_seconds": 760.0,
                   "figures": {"07_going_further": {"test_accuracy": 0.99581, "parameters": 189226,
                                                    "training_seconds": 600.5}}},
        "fast_runs": {"lessons": {"04_train": 12.0}, "total_seconds": 12.0},
    }  # fmt: skip
    page = bench.markdown(results)
    assert "| Keras 3 on tensorflow | 10.0 | 6,000 |" in page
    assert "| Keras 3 on jax | skipped: jax is not installed | |" in page
    assert "skipped: torch is not installed" in page
    assert (
        "| float32, NumPy with this machine's OpenBLAS settings (OPENBLAS_CORETYPE=Haswell; "
        "kernel openblas Haswell) | 100.0 GFLOP/s |" in page
    )
    assert (
        "| **float32 limit**: NumPy with the OpenBLAS variables unset "
        "(kernel openblas SkylakeX) | 200.0 GFLOP/s |" in page
    )
    assert "| bfloat16 matrix multiply | not measured: this processor has no bfloat16" in page
    assert "| achieved / float32 limit | 25% |" in page
    assert "| achieved / bfloat16 limit | none: no bfloat16 limit measured |" in page
    assert "| 04_train | 60.0 |  | 12.0 |" in page
    assert (
        "| 07_going_further | 700.0 | 189,226 parameters, training 600.5 s, "
        "test accuracy 0.9958 |  |" in page
    )
    assert "| total | 760.0 | | 12.0 |" in page


def test_report_shows_the_bfloat16_limit_and_its_kernel_when_measured() -> None:
    limit = {
        "fp32_machine_settings": {"gflops": 200.0, "kernel": "openblas Haswell", "settings": {}},
        "fp32": {"gflops": 450.0, "kernel": "openblas SkylakeX", "settings": {}},
        "bf16": {"gflops": 1500.0, "library": "PyTorch 2.13.0, torch.matmul on bfloat16 tensors",
                 "onednn_isa": "Intel AVX-512 with Intel AMX", "onednn_kernels":
                 ["matmul brg_matmul:avx512_core_amx"]},
        "training_flops_per_image": 8481024, "training_gflop_per_epoch": 508.9,
        "achieved_gflops": 60.0, "ratio": 0.133, "ratio_bf16": 0.04,
    }  # fmt: skip
    lines = bench.limit_lines(limit)
    assert (
        "| **bfloat16 limit**: PyTorch 2.13.0, torch.matmul on bfloat16 tensors (oneDNN on "
        "Intel AVX-512 with Intel AMX: matmul brg_matmul:avx512_core_amx) | 1500.0 GFLOP/s |"
    ) in lines
    assert "| achieved / bfloat16 limit | 4% |" in lines
    assert (
        "| float32, NumPy with this machine's OpenBLAS settings (none set; kernel "
        "openblas Haswell) | 200.0 GFLOP/s |" in lines
    )


def test_onednn_log_gives_the_instruction_set_and_the_busiest_kernel() -> None:
    log = [
        "onednn_verbose,v1,info,oneDNN v3.7.3 (commit N/A)",
        "onednn_verbose,v1,info,cpu,isa:Intel AVX-512 with Intel AMX",
        "onednn_verbose,v1,primitive,exec,cpu,reorder,jit:uni,undef,src:f32",
        "onednn_verbose,v1,primitive,exec,cpu,matmul,brg_matmul:avx512_core_amx,undef,src:bf16",
        "onednn_verbose,v1,primitive,exec,cpu,matmul,brg_matmul:avx512_core_amx,undef,src:bf16",
        "some other line the library printed",
    ]
    assert bench.onednn_kernels(log) == {
        "onednn_isa": "Intel AVX-512 with Intel AMX",
        "onednn_kernels": ["matmul brg_matmul:avx512_core_amx", "reorder jit:uni"],
    }
    assert bench.onednn_kernels([]) == {"onednn_isa": None, "onednn_kernels": []}


@pytest.mark.skipif(platform.machine() != "x86_64", reason="OPENBLAS_CORETYPE names x86 kernels")
def test_the_limit_is_measured_without_the_openblas_variables_and_only_there(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The limit's process runs without OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE; the
    comparison's process, and this one, keep the machine's values."""
    machine = {name: os.environ.get(name) for name in bench.OPENBLAS_VARIABLES}
    coretype = machine["OPENBLAS_CORETYPE"] or "Haswell"
    monkeypatch.setenv("OPENBLAS_CORETYPE", coretype)
    monkeypatch.setenv(bench.QUICK_ENV, "1")
    limit = bench.machine_limit()
    assert limit["size"] == bench.QUICK_MATMUL_SIZE < 2048, "--quick measures small matrices"
    assert limit["fp32"]["settings"] == {name: None for name in bench.OPENBLAS_VARIABLES}
    assert limit["fp32_machine_settings"]["settings"]["OPENBLAS_CORETYPE"] == coretype
    assert limit["fp32_machine_settings"]["kernel"].lower() == f"openblas {coretype}".lower()
    assert limit["fp32"]["kernel"].startswith("openblas ")
    assert limit["fp32"]["gflops"] > 0 and limit["fp32_machine_settings"]["gflops"] > 0
    assert os.environ["OPENBLAS_CORETYPE"] == coretype


def test_bfloat16_is_measured_only_on_a_processor_with_bfloat16_instructions() -> None:
    without = bench.bf16_limit(64, 1, dict(os.environ), flags={"avx2", "fma"})
    reason = "this processor has no bfloat16 instructions (neither avx512_bf16 nor amx_bf16 in "
    assert without == {"skipped": reason + "/proc/cpuinfo)"}
    measured = bench.bf16_limit(64, 1, dict(os.environ), flags={"avx2", "amx_bf16"})
    if importlib.util.find_spec("torch") is None:
        assert measured == {"skipped": "torch is not installed (pip install -e '.[bench]')"}
    else:  # on a processor without the instructions PyTorch still multiplies, only slowly
        assert measured["gflops"] > 0 and measured["cpu_flags"] == ["amx_bf16"]
        assert "torch.matmul on bfloat16 tensors" in measured["library"]
        assert set(measured) >= {"onednn_isa", "onednn_kernels", "threads"}


def test_the_speed_step_prints_each_epoch_and_quick_times_few_images(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(bench.QUICK_ENV, "1")
    result = bench.keras_speed("tensorflow")
    printed = capsys.readouterr().out
    assert "  Keras on tensorflow:\n" in printed
    assert "    | epoch 1/2 (warm-up): " in printed and "    | epoch 2/2: " in printed
    assert result["backend"] == "tensorflow" and result["epoch_seconds"] > 0
    assert result["images_per_second"] == pytest.approx(2000 / result["epoch_seconds"], rel=0.01)


def test_the_fast_run_is_the_tests_fast_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast column runs the lessons as the tests do: small parameters and COURSE_FAST=1
    (which lessons 7 and 8 read); the default run has neither, and the setting goes away."""
    seen: list[tuple] = []

    def run_course(output: object, overrides: dict) -> dict:
        seen.append((overrides, os.environ.get("COURSE_FAST"), os.environ["COURSE_BUILD_DIR"]))
        return {"passed": True, "total_seconds": 1.0, "lessons": []}

    monkeypatch.setattr(bench.course, "run_course", run_course)
    monkeypatch.delenv(bench.QUICK_ENV, raising=False)
    monkeypatch.delenv("COURSE_FAST", raising=False)  # the tests' conftest sets it
    bench.course_times(fast=True)
    bench.course_times()
    (fast, fast_flag, fast_build), (full, full_flag, _) = seen
    assert (fast, fast_flag) == (bench.FAST, "1") and (full, full_flag) == ({}, None)
    assert fast_build != os.environ["COURSE_BUILD_DIR"] and "COURSE_FAST" not in os.environ


def test_lesson_seven_runs_with_each_seed_and_reports_the_mean(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each extra seed reaches lesson 7 as its `seed` parameter; the course run gives seed 42."""
    seen: list[dict] = []

    def run_lesson(notebook: object, folder: object, overrides: dict, console: object) -> object:
        seen.append(overrides)
        figures = {"test_accuracy": 0.9950 + overrides["seed"] / 10_000, "training_seconds": 9.0}
        return bench.course.LessonRun("07_going_further", 1.0, overrides, figures, None)

    monkeypatch.setattr(bench.course, "run_lesson", run_lesson)
    monkeypatch.delenv(bench.QUICK_ENV, raising=False)
    course_run = {"figures": {"07_going_further": {"test_accuracy": 0.9962,
                                                   "training_seconds": 8.0}}}  # fmt: skip
    stronger = bench.stronger_over_seeds([1, 2], course_run)
    assert seen == [{"seed": 1}, {"seed": 2}]
    assert [run["seed"] for run in stronger["runs"]] == [42, 1, 2]
    assert stronger["mean"] == round((0.9962 + 0.9951 + 0.9952) / 3, 4)
    page = "\n".join(bench.stronger_lines(stronger))
    assert "| 1 | 0.9951 | 9.0 |" in page and "| mean | 0.9955 | |" in page
