"""Lesson 9's self-checks (notebooks/09_several_devices.md), one per exercise:

- :func:`check_combined_gradient`: exercise 9.1, slices of different sizes
- :func:`check_scaled_training`: exercise 9.2, eight GPUs
"""

from __future__ import annotations

import math
from typing import Any

from course_utils.checks.feedback import (
    UNANSWERED,
    Feedback,
    _correct,
    _never_raises,
    _numeric_array,
    _scalar,
    _type_hint,
    _whole_number,
    _wrong,
)

import numpy as np


@_never_raises
def check_combined_gradient(answer: Any, slice_gradients: Any, slice_sizes: Any) -> Feedback:
    """Exercise 9.1: the gradient of the whole batch, combined from the mean gradients that
    devices worked out on slices of different sizes (``slice_sizes`` rows each)."""
    if answer is None:
        return UNANSWERED
    combined = _numeric_array(answer)
    gradients = np.asarray(slice_gradients, dtype=float)
    sizes = np.asarray(slice_sizes, dtype=float)
    if combined is None or combined.shape != gradients.shape[1:]:
        return _type_hint(
            "combined", answer, f"an array of the gradients' shape {gradients.shape[1:]}"
        )
    weights = sizes.reshape(-1, *[1] * (gradients.ndim - 1))
    expected = (weights * gradients).sum(axis=0) / sizes.sum()
    scale = np.abs(expected).max()

    def near(candidate: np.ndarray) -> bool:
        return bool(np.allclose(combined, candidate, rtol=1e-4, atol=1e-6 * scale))

    if near(expected):
        return _correct(
            f"Weighted by their {sizes.sum():.0f} rows, the slices give the whole batch's "
            "gradient: the all-reduce of data parallelism, done by hand."
        )
    if near(gradients.mean(axis=0)):
        return _wrong(
            "A plain average counts every slice the same, but the slices have different "
            "numbers of rows: each slice's gradient is a mean over its own rows."
        )
    if near(gradients.sum(axis=0)):
        return _wrong("A sum of means is far too large: the batch's gradient is a mean too.")
    if near((weights * gradients).sum(axis=0)):
        return _wrong("Nearly: after weighting by the rows, divide by the rows of the batch.")
    return _wrong(
        "Hint: turn each slice's mean back into a sum (multiply by its rows), add the sums, "
        "and divide by the number of rows in the whole batch."
    )


@_never_raises
def check_scaled_training(
    global_batch: Any,
    learning_rate: Any,
    devices: int,
    per_device_batch: int,
    base_learning_rate: float,
) -> Feedback:
    """Exercise 9.2: the global batch of ``devices`` devices with ``per_device_batch`` images
    each, and the learning rate that the linear scaling rule gives it, from
    ``base_learning_rate`` at a batch of ``per_device_batch`` on one device."""
    if global_batch is None or learning_rate is None:
        return UNANSWERED
    batch = _whole_number(global_batch)
    if batch is None:
        return _type_hint("global_batch", global_batch, "a whole number of images")
    rate = _scalar(learning_rate)
    if rate is None or not math.isfinite(rate) or rate <= 0:
        return _type_hint("learning_rate", learning_rate, "a positive number")
    expected_batch = devices * per_device_batch
    if batch != expected_batch:
        if batch == per_device_batch:
            return _wrong(
                "That is one device's batch: the global batch is what all the devices take "
                "in together in one step."
            )
        if batch == devices:
            return _wrong("That is the number of devices: how many images does each take?")
        return _wrong(
            "Not that global batch: each device takes its own batch of images in every "
            "step, and the global batch counts them all."
        )
    expected_rate = base_learning_rate * expected_batch / per_device_batch
    if math.isclose(rate, expected_rate, rel_tol=1e-3):
        return _correct(
            f"A global batch of {expected_batch:,} with a learning rate of {expected_rate:g}; "
            "start with a few epochs of warm-up from the small rate, as large-batch training "
            "does."
        )
    if math.isclose(rate, base_learning_rate, rel_tol=1e-3):
        return _wrong(
            "The global batch is right. With the same learning rate, a step averages more "
            "images but moves no further, so training needs more epochs: scale the rate."
        )
    if math.isclose(rate, base_learning_rate * per_device_batch / expected_batch, rel_tol=1e-3):
        return _wrong("The global batch is right; the learning rate is scaled the wrong way.")
    return _wrong(
        "The global batch is right. Hint: the linear scaling rule multiplies the learning "
        "rate by the factor by which the batch grew."
    )
