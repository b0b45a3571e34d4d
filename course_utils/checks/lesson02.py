"""Lesson 2's self-checks (notebooks/02_prepare_data.md), one per exercise:

- :func:`check_preprocessed`: exercise 2.1, all three steps in one function
- :func:`check_rescaling_experiment`: exercise 2.2, does rescaling matter?
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from course_utils.checks.feedback import (
    HISTORY_KEYS,
    UNANSWERED,
    Feedback,
    _correct,
    _digits,
    _history,
    _never_raises,
    _numeric_array,
    _points,
    _recorded,
    _rows,
    _standard_error,
    _type_hint,
    _wrong,
)

import numpy as np

#: How many raw images (at most) exercise 2.1's check hands to the student's ``prepare``: a
#: sample of the raw arrays in an order of its own, which the lesson never prepared.
PREPARE_SAMPLE = 500


def _prepare_sample(raw_images: np.ndarray, raw_labels: Any) -> tuple[np.ndarray, np.ndarray]:
    """The raw images and labels that exercise 2.1's check gives the student's function:
    at most :data:`PREPARE_SAMPLE` of them (and fewer than all), in a shuffled order."""
    size = max(1, min(PREPARE_SAMPLE, len(raw_images) // 2))
    order = np.random.default_rng(0).permutation(len(raw_images))[:size]
    return raw_images[order].copy(), np.asarray(raw_labels)[order].copy()


@_never_raises
def check_preprocessed(prepare: Any, raw_images: np.ndarray, raw_labels: np.ndarray) -> Feedback:
    """Exercise 2.1: does the function ``prepare(images, labels)`` apply lesson 2's three
    steps, in their order, to raw MNIST arrays?

    The check calls ``prepare`` itself, on raw images and labels of its own choosing (a
    shuffled sample of ``raw_images`` and ``raw_labels``), so that it judges the student's
    preprocessing, not arrays that the lesson prepared already."""
    if prepare is None:
        return UNANSWERED
    if not callable(prepare):
        if isinstance(prepare, (tuple, list)) or _numeric_array(prepare) is not None:
            return _wrong(
                "`prepare` should be the function itself, not the arrays it returns: "
                "`def prepare(images, labels): ...`. The check calls it on raw arrays of "
                "its own."
            )
        return _type_hint("prepare", prepare, "a function, `def prepare(images, labels): ...`")
    raw_images = np.asarray(raw_images)
    given_images, given_labels = _prepare_sample(raw_images, raw_labels)
    try:
        result = prepare(given_images.copy(), given_labels.copy())
    except Exception as error:  # noqa: BLE001 - the student's function, reported not raised
        return _wrong(
            f"`prepare(images, labels)` raised {type(error).__name__} on {len(given_images)} "
            f"raw images of shape {given_images.shape[1:]} and {given_images.dtype}: "
            f"{str(error)[:200]}"
        )
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        return _wrong(
            "`prepare` should return two things, the images and the labels: "
            "`return images, labels`."
        )
    images, labels = result
    array, targets = _numeric_array(images), _numeric_array(labels)
    if array is None or targets is None:
        return _wrong(
            "`prepare` should return two arrays of numbers; it returned "
            f"{type(images).__name__} and {type(labels).__name__}."
        )
    given = len(given_images)
    for what, returned in (("images", array), ("labels", targets)):
        if len(returned) == len(raw_images) != given:
            return _wrong(
                f"`prepare` returned {len(returned):,} {what} for the {given} raw images it "
                "was given: it should prepare its arguments, `images` and `labels`, and "
                "nothing else (not the lesson's prepared arrays)."
            )
    return _judge_prepared(array, targets, given_images, given_labels)


def _judge_prepared(
    array: np.ndarray, targets: np.ndarray, raw_images: np.ndarray, raw_labels: np.ndarray
) -> Feedback:
    """Are ``array`` and ``targets`` the raw arrays after lesson 2's three steps?"""
    ready = raw_images.reshape(-1, 28, 28, 1).astype("float32") / 255
    digits = _digits(raw_labels)
    if array.ndim == 3 and array.shape[1:] == (28, 28):
        return _wrong(
            f"The images have shape {array.shape}: the channel axis is missing. "
            "Hint: `images.reshape(-1, 28, 28, 1)`."
        )
    if array.ndim == 4 and array.shape[1:] == (1, 28, 28):
        return _wrong("The channel axis comes first; Keras expects it last: (n, 28, 28, 1).")
    if array.ndim != 4 or array.shape[1:] != (28, 28, 1):
        return _wrong(f"The images should have shape (n, 28, 28, 1); yours have {array.shape}.")
    if len(array) != len(ready):
        return _wrong(
            f"`prepare` returned {len(array):,} images for the {len(ready):,} raw images it "
            "was given: prepare all of them, and nothing else."
        )
    if array.dtype.kind != "f":
        return _wrong(
            f"The images are still {array.dtype}. Hint: convert with "
            "`.astype('float32')` and divide by 255."
        )
    if np.isnan(array).any():
        return _wrong("The images contain NaN values; start again from the raw arrays.")
    if array.size and (array.max() > 1.0 or array.min() < 0.0):
        if np.allclose(array, ready * 255, atol=1e-3):
            return _wrong("Pixel values run up to 255: they are not rescaled. Hint: divide by 255.")
        return _wrong(
            f"Pixel values run from {array.min():g} to {array.max():g}: they are not rescaled "
            "to [0, 1]. Lesson 2 divides every pixel by 255, and does nothing else to it."
        )
    if not np.allclose(array, ready, rtol=0, atol=1e-6):
        if np.allclose(array * 255, ready, rtol=0, atol=1e-5):
            return _wrong(
                f"The pixels run only up to {array.max():.4f}: they were divided by 255 "
                "twice. Rescale once."
            )
        if sorted(_rows(np.rint(array * 255))) == sorted(_rows(raw_images)):
            return _wrong(
                "These are the right images in another order: keep the order of the raw "
                "arrays, so that every image keeps its label."
            )
        return _wrong(
            "The pixel values are not those of the raw images after lesson 2's steps "
            "(channel axis, `float32`, divide by 255). Does `prepare` start from its "
            "argument `images`?"
        )
    if targets.ndim == 1 or targets.shape == (len(ready), 1):
        return _wrong(
            "The labels are still digits, not one-hot vectors. Hint: "
            "`keras.utils.to_categorical(labels, num_classes=10)`."
        )
    if targets.shape != (len(ready), 10):
        return _wrong(
            f"The labels should have shape ({len(ready)}, 10), one row per image; "
            f"yours have {targets.shape}."
        )
    if not np.all(np.isin(targets, (0, 1))) or not np.all(targets.sum(axis=1) == 1):
        return _wrong("Each label row should hold a single 1 and nine 0s.")
    found = targets.argmax(axis=1)
    if not np.array_equal(found, digits):
        if np.array_equal(np.sort(found), np.sort(digits)):
            return _wrong(
                "The labels are out of order: keep them in the order of the raw labels, so "
                "that each one stays with its image."
            )
        if np.array_equal(found, (digits + 1) % 10) or np.array_equal(found, (digits - 1) % 10):
            return _wrong(
                "Each 1 sits one place off: the label of a digit d has its 1 at position d, "
                "counting from 0."
            )
        return _wrong(
            "The labels do not match the raw labels: one-hot encode the argument `labels`, "
            "as they are."
        )
    return _correct(
        f"`prepare` turned {len(array):,} raw images of the check's choosing into images of "
        "shape (28, 28, 1) in [0, 1], with one-hot labels: ready for the network."
    )


def _same_history(first: Mapping[str, np.ndarray], second: Mapping[str, np.ndarray]) -> bool:
    return all(
        len(first[key]) == len(second[key]) and np.array_equal(first[key], second[key])
        for key in HISTORY_KEYS
    )


#: A network trained for one epoch on 4,500 rescaled images gets far more than this share
#: of its 500 validation digits right (0.87 to 0.91 over the seeds and backends we tried).
LEAST_RESCALED_ACCURACY = 0.8


#: Exercise 2.2 validates on the last 10% of 5,000 images.
RESCALING_VALIDATION_IMAGES = 500


#: With raw pixels from 0 to 255, the first epoch's training loss is at least this many times
#: the rescaled run's (4 to 15 times over the seeds and backends we tried): the huge inputs
#: make the first updates overshoot.
LEAST_RAW_LOSS_RATIO = 2.0


@_never_raises
def check_rescaling_experiment(rescaled: Any, raw: Any) -> Feedback:
    """Exercise 2.2: the histories of two runs of one epoch, one on rescaled pixels and one
    on raw ones (0-255).

    The check judges the runs themselves. The raw run's training loss in its first epoch
    must be several times the rescaled run's (the effect of raw pixels, far beyond the
    noise), and the rescaled run far above chance. The validation accuracies are compared
    with the noise of 500 validation images: a difference inside it is reported as such,
    never as a result."""
    if rescaled is None and raw is None:
        return UNANSWERED
    source = "what `models.train_seed_cnn` returns second"
    runs = {}
    for name, value in (("rescaled", rescaled), ("raw", raw)):
        if value is None:
            return _wrong(f"Fill in `{name}` with the history of its run.")
        run = _history(value, name, source)
        if isinstance(run, Feedback):
            return run
        runs[name] = run
    first, second = runs["rescaled"], runs["raw"]
    if _same_history(first, second):
        return _wrong(
            "The two histories are identical: did you train two networks, one on the "
            "rescaled images and one on the raw ones, and keep each one's own history?"
        )
    if len(first["loss"]) != len(second["loss"]):
        return _wrong("Train both networks for the same number of epochs: one, as asked.")
    loss_rescaled, loss_raw = first["loss"][0], second["loss"][0]
    accuracy_rescaled, accuracy_raw = first["val_accuracy"][-1], second["val_accuracy"][-1]
    if loss_rescaled >= LEAST_RAW_LOSS_RATIO * loss_raw:
        return _wrong(
            f"The run given as `rescaled` had the far higher training loss in its first "
            f"epoch ({loss_rescaled:.3f} against {loss_raw:.3f}), which is what raw pixels "
            "do: are the two histories swapped?"
        )
    if accuracy_rescaled < LEAST_RESCALED_ACCURACY:
        return _wrong(
            f"With rescaled pixels the network should get far more than "
            f"{accuracy_rescaled:.1%} of the validation digits right after an epoch: did "
            "you divide by 255 only once, and train on the 5,000 images?"
        )
    if loss_raw < LEAST_RAW_LOSS_RATIO * loss_rescaled:
        return _wrong(
            f"The two runs' training losses in their first epoch are close ({loss_rescaled:.3f} "
            f"and {loss_raw:.3f}): pixels from 0 to 255 make it several times higher. Did the "
            "raw network see the values from 0 to 255, not divided by 255?"
        )
    images = RESCALING_VALIDATION_IMAGES
    gap = accuracy_rescaled - accuracy_raw
    noise = math.sqrt(
        _standard_error(accuracy_rescaled, images) ** 2 + _standard_error(accuracy_raw, images) ** 2
    )
    losses = (
        f"Rescaled pixels: training loss {loss_rescaled:.3f} over the first epoch, validation "
        f"accuracy {accuracy_rescaled:.2%}. Raw pixels: {loss_raw:.3f}, "
        f"{loss_raw / loss_rescaled:.1f} times as high, and {accuracy_raw:.2%}. "
    )
    if gap < -2 * noise:
        return _recorded(
            losses + f"The raw pixels' validation accuracy came out {_points(-gap)} higher, "
            f"more than twice the noise of one run on {images} validation images (standard "
            f"error of the difference {_points(noise)}): an unusual run. The losses show what "
            "raw pixels do; train both again with another seed (`seed=1`) before drawing a "
            "conclusion about the accuracy."
        )
    if gap > 2 * noise:
        accuracy = (
            f"The validation accuracy is {_points(gap)} lower with raw pixels, more than "
            f"twice the noise of one run on {images} validation images (standard error of "
            f"the difference {_points(noise)})."
        )
    else:
        accuracy = (
            f"The validation accuracies differ by {_points(abs(gap))}, within the noise of "
            f"one run on {images} validation images (standard error of the difference "
            f"{_points(noise)}): this run alone cannot say which pixels give the higher "
            "accuracy; runs with other seeds (`seed=1`, ...) can."
        )
    return _correct(
        losses
        + "Inputs up to 255 make the first updates overshoot, and the loss shows it. "
        + accuracy
    )
