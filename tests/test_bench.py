"""benchmarks/bench.py: the arithmetic and the report (the timings themselves are only
reported by `make bench`, never asserted)."""

from __future__ import annotations

import importlib.util

from course_utils import models
from course_utils.paths import PROJECT_ROOT

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
        "limit": {"matmul_gflops": 100.0, "training_flops_per_image": 8481024,
                  "training_gflop_per_epoch": 508.9, "achieved_gflops": 50.9, "ratio": 0.509},
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
    assert "| achieved / matrix-multiply rate | 51% |" in page
    assert "| 04_train | 60.0 |  | 12.0 |" in page
    assert (
        "| 07_going_further | 700.0 | 189,226 parameters, training 600.5 s, "
        "test accuracy 0.9958 |  |" in page
    )
    assert "| total | 760.0 | | 12.0 |" in page
