"""course_admin.bench: the arithmetic, the limits' measuring processes, the worker protocol and
the report (the timings themselves are only reported by `make bench`, never asserted)."""

from __future__ import annotations

import importlib.util
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

from course_admin import course
from course_admin.bench import figures, measure, report
from course_admin.bench.figures import (
    BackendLesson,
    Bf16Rate,
    CourseTimes,
    Fp32Rate,
    Limit,
    OneDnn,
    Results,
    Skipped,
)
from course_utils import models
from course_utils.project import PROJECT_ROOT

import pytest

pytestmark = pytest.mark.newest

PUBLISHED = PROJECT_ROOT / "benchmarks"

# results.json of a run where JAX and PyTorch were not installed
SKIPPING_RUN = {
    "date": "2026-11-24",
    "machine": {"cpu": "Test CPU", "cores": 2, "versions": {"keras": "3"}},
    "speed": {
        "keras": [
            {"backend": "tensorflow", "warm_up_epoch_seconds": 12.0, "epoch_seconds": 10.0,
             "images_per_second": 6000},
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
                           "training_seconds": 40.0}], "mean": 0.99, "stdev": 0.0, "min": 0.99,
                 "max": 0.99},
    "course": {"passed": True, "total_seconds": 760.0,
               "lessons": {"04_train": 60.0, "07_going_further": 700.0},
               "figures": {"07_going_further": {"test_accuracy": 0.99581, "parameters": 189226,
                                                "training_seconds": 600.5}}},
    "fast_runs": {"passed": True, "total_seconds": 12.0, "lessons": {"04_train": 12.0},
                  "figures": {}},
    "stronger_seeds": {"runs": [{"seed": 42, "test_accuracy": None, "training_seconds": None,
                                 "error": "cell 5 raised ValueError"}], "mean": None},
    "per_backend": {"tensorflow": {"04_train": {"seconds": 60.0, "test_accuracy": 0.9893},
                                   "07_going_further": {"seconds": 700.0,
                                                        "test_accuracy": 0.99581}},
                    "jax": {"skipped": "jax is not installed"}},
    "bench_seconds": 1800,
    "keras": "3.15.1",
}  # fmt: skip


def test_training_flops_follow_from_the_layer_shapes() -> None:
    forward_multiply_adds = 26 * 26 * 32 * 9 + 11 * 11 * 32 * 9 * 32 + 800 * 128 + 128 * 10
    flops = measure.training_flops_per_image(models.build_seed_cnn())
    assert flops == 3 * 2 * forward_multiply_adds


def test_matmul_rate_is_a_positive_number() -> None:
    assert measure.matmul_gflops(size=64, repeats=2) > 0


def test_report_lists_every_measurement_and_says_what_was_skipped() -> None:
    page = report.markdown(figures.from_json(Results, SKIPPING_RUN))
    assert "| Keras 3 on tensorflow | 10.0 | 6,000 |" in page
    assert "| Keras 3 on jax | skipped: jax is not installed | |" in page
    assert "| PyTorch, written directly | skipped: torch is not installed | |" in page
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
    # a results.json from before the lessons' CPU seconds and peak memory were measured
    assert "| 04_train | 60.0 | – | – |  | 12.0 | – | – |" in page
    assert (
        "| 07_going_further | 700.0 | – | – | 189,226 parameters, training 600.5 s, "
        "test accuracy 0.9958 |  |  |  |" in page
    )
    assert "| total | 760.0 | – |  |  | 12.0 | – |  |" in page
    assert "| 42 | cell 5 raised ValueError | None |" in page and "| mean | none | |" in page
    assert "| tensorflow | 0.9893 | 60.0 | 0.9958 | 700.0 |" in page
    assert "| jax | skipped: jax is not installed | | | |" in page


def test_results_json_keeps_its_keys_and_leaves_out_errors_that_did_not_happen() -> None:
    """Every record goes back to the JSON it came from: same keys, same order, ``error``
    only where a lesson failed, and None where a figure is missing."""
    results = figures.from_json(Results, SKIPPING_RUN)
    assert isinstance(results.speed.torch_reference, Skipped)
    assert isinstance(results.per_backend["tensorflow"]["04_train"], BackendLesson)
    back = figures.to_json(results)
    assert back == SKIPPING_RUN
    assert json.dumps(back) == json.dumps(SKIPPING_RUN), "the keys' order changed"
    assert "error" not in back["per_backend"]["tensorflow"]["04_train"]
    assert back["stronger_seeds"]["runs"][0]["test_accuracy"] is None


def test_the_course_table_shows_each_lessons_cpu_seconds_and_peak_memory() -> None:
    """Beside each lesson's time, in both course runs, its kernel's CPU seconds and peak
    memory; a dash where one was not measured; they go to results.json and back."""
    measured = json.loads(json.dumps(SKIPPING_RUN))
    measured["course"]["peak_memory_mib"] = {"04_train": 1843.4, "07_going_further": 2210.0}
    measured["course"]["cpu_seconds"] = {"04_train": 101.3, "07_going_further": None}
    measured["fast_runs"]["peak_memory_mib"] = {"04_train": 1500.6}
    measured["fast_runs"]["cpu_seconds"] = {"04_train": 20.5}
    results = figures.from_json(Results, measured)
    assert results.course.peak_memory_mib == {"04_train": 1843.4, "07_going_further": 2210.0}
    assert results.fast_runs.cpu_seconds == {"04_train": 20.5}
    assert json.dumps(figures.to_json(results)) == json.dumps(measured)
    lines = report.course_lines(results)
    head = lines.index(next(line for line in lines if line.startswith("| lesson |")))
    assert lines[head : head + 2] == [
        "| lesson | `make course` (defaults), s | CPU s | peak MiB | what it reported "
        "| tests' fast run (2,000 images, 1 epoch), s | CPU s | peak MiB |",
        "|---|---|---|---|---|---|---|---|",
    ]
    assert lines[head + 2 :] == [
        "| 04_train | 60.0 | 101.3 | 1,843 |  | 12.0 | 20.5 | 1,501 |",
        "| 07_going_further | 700.0 | – | 2,210 | 189,226 parameters, training 600.5 s, "
        "test accuracy 0.9958 |  |  |  |",
        "| total | 760.0 | – |  |  | 12.0 | 20.5 |  |",  # a total only of measured lessons
    ]


def test_the_published_results_render_to_the_published_page() -> None:
    """benchmarks/results.md is what the report makes of benchmarks/results.json, and the
    records hold every figure of it: a change to the report's tables or to the records shows
    here (rewrite the page with `python -m course_admin.bench --report-only`)."""
    published = json.loads((PUBLISHED / report.JSON).read_text())
    results = report.read(PUBLISHED)
    assert figures.to_json(results) == published
    assert report.markdown(results) == (PUBLISHED / report.MARKDOWN).read_text()


def test_the_report_writes_both_files_and_reads_them_back(tmp_path: Path) -> None:
    results = figures.from_json(Results, SKIPPING_RUN)
    report.write(results, tmp_path / "out")
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == [
        "results.json",
        "results.md",
    ]
    assert report.read(tmp_path / "out") == results
    assert (tmp_path / "out" / "results.md").read_text() == report.markdown(results)


def test_report_shows_the_bfloat16_limit_and_its_kernel_when_measured() -> None:
    machine = Fp32Rate(200.0, "openblas Haswell", {})
    limit = Limit(
        size=2048, repeats=8, fp32_machine_settings=machine,
        fp32=Fp32Rate(450.0, "openblas SkylakeX", {}),
        bf16=Bf16Rate(1500.0, "PyTorch 2.13.0, torch.matmul on bfloat16 tensors", threads=2,
                      onednn_isa="Intel AVX-512 with Intel AMX",
                      onednn_kernels=["matmul brg_matmul:avx512_core_amx"]),
        matmul_gflops=450.0, training_flops_per_image=8481024, training_gflop_per_epoch=508.9,
        achieved_gflops=60.0, ratio=0.133, ratio_bf16=0.04,
    )  # fmt: skip
    lines = report.limit_lines(limit)
    assert (
        "| **bfloat16 limit**: PyTorch 2.13.0, torch.matmul on bfloat16 tensors (oneDNN on "
        "Intel AVX-512 with Intel AMX: matmul brg_matmul:avx512_core_amx) | 1500.0 GFLOP/s |"
    ) in lines
    assert "| achieved / bfloat16 limit | 4% |" in lines
    assert (
        "| float32, NumPy with this machine's OpenBLAS settings (none set; kernel "
        "openblas Haswell) | 200.0 GFLOP/s |" in lines
    )


def test_the_limit_figures_are_the_shares_of_each_limit_the_training_reaches() -> None:
    fp32 = Fp32Rate(200.0, "openblas SkylakeX", {})
    measured = figures.MatmulLimits(512, 5, fp32, fp32, Bf16Rate(1000.0, "PyTorch", 2))
    limit = Limit.reached(measured, flops_per_image=8481024, achieved=50.04)
    assert (limit.size, limit.repeats, limit.bf16) == (512, 5, measured.bf16)
    assert (limit.matmul_gflops, limit.training_gflop_per_epoch) == (200.0, 508.9)
    assert (limit.achieved_gflops, limit.ratio, limit.ratio_bf16) == (50.0, 0.25, 0.05)
    without_bf16 = figures.MatmulLimits(512, 5, fp32, fp32, Skipped("no bfloat16"))
    assert Limit.reached(without_bf16, 8481024, 50.0).ratio_bf16 is None


def test_onednn_log_gives_the_instruction_set_and_the_busiest_kernel() -> None:
    log = [
        "onednn_verbose,v1,info,oneDNN v3.7.3 (commit N/A)",
        "onednn_verbose,v1,info,cpu,isa:Intel AVX-512 with Intel AMX",
        "onednn_verbose,v1,primitive,exec,cpu,reorder,jit:uni,undef,src:f32",
        "onednn_verbose,v1,primitive,exec,cpu,matmul,brg_matmul:avx512_core_amx,undef,src:bf16",
        "onednn_verbose,v1,primitive,exec,cpu,matmul,brg_matmul:avx512_core_amx,undef,src:bf16",
        "some other line the library printed",
    ]
    assert measure.onednn_kernels(log) == OneDnn(
        isa="Intel AVX-512 with Intel AMX",
        kernels=["matmul brg_matmul:avx512_core_amx", "reorder jit:uni"],
    )
    assert measure.onednn_kernels([]) == OneDnn(isa=None, kernels=[])


@pytest.mark.skipif(platform.machine() != "x86_64", reason="OPENBLAS_CORETYPE names x86 kernels")
def test_the_limit_is_measured_without_the_openblas_variables_and_only_there(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The limit's process runs without OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE; the
    comparison's process, and this one, keep the machine's values."""
    machine = {name: os.environ.get(name) for name in measure.OPENBLAS_VARIABLES}
    coretype = machine["OPENBLAS_CORETYPE"] or "Haswell"
    monkeypatch.setenv("OPENBLAS_CORETYPE", coretype)
    monkeypatch.setenv(measure.QUICK_ENV, "1")
    limit = measure.machine_limit()
    assert limit.size == measure.QUICK_MATMUL_SIZE < 2048, "--quick measures small matrices"
    assert limit.fp32.settings == {name: None for name in measure.OPENBLAS_VARIABLES}
    assert limit.fp32_machine_settings.settings["OPENBLAS_CORETYPE"] == coretype
    assert limit.fp32_machine_settings.kernel.lower() == f"openblas {coretype}".lower()
    assert limit.fp32.kernel.startswith("openblas ")
    assert limit.fp32.gflops > 0 and limit.fp32_machine_settings.gflops > 0
    assert os.environ["OPENBLAS_CORETYPE"] == coretype


def test_bfloat16_is_measured_only_on_a_processor_with_bfloat16_instructions() -> None:
    without = measure.bf16_limit(64, 1, dict(os.environ), flags={"avx2", "fma"})
    reason = "this processor has no bfloat16 instructions (neither avx512_bf16 nor amx_bf16 in "
    assert without == Skipped(reason + "/proc/cpuinfo)")
    measured = measure.bf16_limit(64, 1, dict(os.environ), flags={"avx2", "amx_bf16"})
    if importlib.util.find_spec("torch") is None:
        assert measured == Skipped("torch is not installed (pip install -e '.[bench]')")
    else:  # on a processor without the instructions PyTorch still multiplies, only slowly
        assert isinstance(measured, Bf16Rate)
        assert measured.gflops > 0 and measured.cpu_flags == ["amx_bf16"]
        assert "torch.matmul on bfloat16 tensors" in measured.library
        assert measured.threads > 0 and isinstance(measured.onednn_kernels, list)


def test_a_worker_answers_with_its_record_and_fails_loudly() -> None:
    """A worker prints its record last, as JSON; the other lines come back as its log."""
    printed = 'onednn_verbose,v1,info\n{"gflops": 1.5, "kernel": "k", "settings": {}}\nat exit\n'
    record, log = measure.worker_record("fp32", printed)
    assert record == Fp32Rate(1.5, "k", {}) and log == ["onednn_verbose,v1,info", "at exit"]
    with pytest.raises(RuntimeError, match="the fp32 worker printed no result"):
        measure.worker_record("fp32", "Traceback ...\n")
    with pytest.raises(RuntimeError, match="the no-such worker failed with exit code 1: KeyError"):
        measure.run_worker("no-such", dict(os.environ))


def test_environment_sets_and_restores_the_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BENCH_TEST_KEPT", "before")
    monkeypatch.setenv("BENCH_TEST_UNSET", "before")
    monkeypatch.delenv("BENCH_TEST_NEW", raising=False)
    with pytest.raises(ZeroDivisionError):  # restored after a failure too
        with measure.environment(BENCH_TEST_KEPT="inside", BENCH_TEST_NEW="new",
                                 BENCH_TEST_UNSET=None):  # fmt: skip
            assert os.environ["BENCH_TEST_KEPT"] == "inside"
            assert os.environ["BENCH_TEST_NEW"] == "new"
            assert "BENCH_TEST_UNSET" not in os.environ
            1 / 0  # noqa: B018
    assert os.environ["BENCH_TEST_KEPT"] == os.environ["BENCH_TEST_UNSET"] == "before"
    assert "BENCH_TEST_NEW" not in os.environ


def test_the_speed_step_prints_each_epoch_and_quick_times_few_images(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(measure.QUICK_ENV, "1")
    result = measure.keras_speed("tensorflow")
    printed = capsys.readouterr().out
    assert "  Keras on tensorflow:\n" in printed
    assert "    | epoch 1/2 (warm-up): " in printed and "    | epoch 2/2: " in printed
    assert isinstance(result, figures.KerasSpeed), result
    assert result.backend == "tensorflow" and result.epoch_seconds > 0
    # epoch_seconds is rounded to 0.01 s: at a quarter of a second an epoch, 2% of it
    fastest, slowest = result.epoch_seconds - 0.005, result.epoch_seconds + 0.005
    assert 2000 / slowest - 1 <= result.images_per_second <= 2000 / fastest + 1, result


def test_the_fast_run_is_the_tests_fast_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast column runs the lessons as the tests do (the fast parameters), the default
    run with none, each in a throw-away build folder that goes away."""
    seen: list[tuple] = []

    def run_course(output: object, overrides: dict) -> dict:
        seen.append((overrides, os.environ["COURSE_BUILD_DIR"]))
        lessons = [{"lesson": "04_train", "seconds": 3.0, "figures": {"test_accuracy": 0.9},
                    "peak_memory_mib": 812.5, "cpu_seconds": 5.5}]  # fmt: skip
        return {"passed": True, "total_seconds": 3.0, "lessons": lessons}

    monkeypatch.setattr(measure.course, "run_course", run_course)
    monkeypatch.delenv(measure.QUICK_ENV, raising=False)
    times = measure.course_times(fast=True)
    measure.course_times()
    (fast, fast_build), (full, full_build) = seen
    assert fast == measure.FAST == course.FAST_PARAMETERS and full == {}
    assert os.environ["COURSE_BUILD_DIR"] not in (fast_build, full_build)
    assert times == CourseTimes(
        True, 3.0, {"04_train": 3.0}, {"04_train": {"test_accuracy": 0.9}},
        peak_memory_mib={"04_train": 812.5}, cpu_seconds={"04_train": 5.5},
    )  # fmt: skip


def test_lesson_seven_runs_with_each_seed_and_reports_the_mean(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each extra seed reaches lesson 7 as its `seed` parameter; the course run gives seed 42."""
    seen: list[dict] = []

    def run_lesson(notebook: object, folder: object, overrides: dict, console: object) -> object:
        seen.append(overrides)
        reported = {"test_accuracy": 0.9950 + overrides["seed"] / 10_000, "training_seconds": 9.0}
        return measure.course.LessonRun("07_going_further", 1.0, overrides, reported, None)

    monkeypatch.setattr(measure.course, "run_lesson", run_lesson)
    monkeypatch.delenv(measure.QUICK_ENV, raising=False)
    lesson_seven = {"test_accuracy": 0.9962, "training_seconds": 8.0}
    course_run = CourseTimes(True, 8.0, {}, {"07_going_further": lesson_seven})
    stronger = measure.stronger_over_seeds([1, 2], course_run)
    assert seen == [{"seed": 1}, {"seed": 2}]
    assert [run.seed for run in stronger.runs] == [42, 1, 2]
    assert stronger.mean == round((0.9962 + 0.9951 + 0.9952) / 3, 4)
    page = "\n".join(report.stronger_lines(stronger))
    assert "| 1 | 0.9951 | 9.0 |" in page and "| mean | 0.9955 | |" in page


def test_make_bench_reports_lessons_4_and_7_per_backend() -> None:
    tensorflow_course = CourseTimes(
        passed=True,
        total_seconds=771.0,
        lessons={"04_train": 57.0, "07_going_further": 714.0},
        figures={"04_train": {"test_accuracy": 0.9897}, "07_going_further": {}},
    )
    found = measure.lessons_per_backend(["tensorflow"], tensorflow_course)
    found["torch"] = {"04_train": BackendLesson(80.0, None, "cell 3")}
    found["jax"] = Skipped("jax is not installed")
    lines = report.backend_lines(found)
    assert "| tensorflow | 0.9897 | 57.0 | none | 714.0 |" in lines
    assert "| torch | cell 3 | 80.0 | none |  |" in lines
    assert "| jax | skipped: jax is not installed | | | |" in lines


def test_the_benchmark_starts_no_backend_until_it_measures() -> None:
    """Importing the benchmark's modules, and its --help, load neither Keras nor a backend,
    nor the lessons' helpers that start them (course_utils.startup)."""
    probe = (
        "import sys, course_admin.bench, course_admin.bench.measure, course_admin.bench.report\n"
        "import course_admin.bench.figures, course_admin.bench.__main__ as main\n"
        "try:\n    main.main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('tensorflow', 'keras', 'jax', 'torch', 'course_utils.startup')"
        " if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=PROJECT_ROOT
    )
    assert "--report-only" in result.stdout and "--quick" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "[]"
