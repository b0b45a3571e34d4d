"""Lesson 7's self-checks (notebooks/07_going_further.md), one per exercise:

- :func:`check_parameter_count`: exercise 7.1, how big is it?
- :func:`check_augmentation_too_far`: exercise 7.2, augmentation that goes too far
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from course_utils.checks.feedback import (
    UNANSWERED,
    Feedback,
    _as_array,
    _correct,
    _digits,
    _never_raises,
    _numeric_array,
    _points,
    _recorded,
    _scalar,
    _standard_error,
    _type_hint,
    _whole_answer,
    _wrong,
)

import numpy as np


@_never_raises
def check_parameter_count(prediction: Any, model: Any) -> Feedback:
    """Exercise 7.1: predict how many parameters ``model`` has (``count_params``)."""
    import keras

    count = _whole_answer(prediction, "your prediction")
    if isinstance(count, Feedback):
        return count
    actual = model.count_params()
    if count == actual:
        return _correct(f"The network has {actual:,} parameters, as you predicted.")
    trainable = sum(int(np.prod(weight.shape)) for weight in model.trainable_weights)
    unbiased = sum(
        layer.filters
        for layer in model.layers
        if isinstance(layer, keras.layers.Conv2D) and not layer.use_bias
    )
    if count == trainable:
        return _wrong(
            "Close: you counted what is learned. Batch normalisation also keeps two "
            "averages per channel, and the count includes them."
        )
    if unbiased and count == actual + unbiased:
        return _wrong(
            "The convolutions before batch normalisation have no bias (`use_bias=False`)."
        )
    from course_utils.models import SEED_PARAMETER_COUNT

    if count == SEED_PARAMETER_COUNT:
        return _wrong("That is the seed network's count: this network has another shape.")
    return _wrong(
        "Not this network's count. Add it up layer by layer: each convolution's weights "
        "(and bias, if it has one), four numbers per channel for batch normalisation, and "
        "the output layer's weights and biases."
    )


def _named_row(table: Mapping[str, Any], words: str) -> float | None:
    rows = [value for name, value in table.items() if words in str(name).lower()]
    return _scalar(rows[0]) if len(rows) == 1 else None


#: A network trained with rotations of up to half a turn reads digits turned upside down
#: about as well as upright ones (1 point apart in our run); one trained with rotations of
#: up to 10 degrees reads far fewer of them (55 points apart). A larger gap than this shows
#: the network was not trained with wide rotations.
LARGEST_TURNED_GAP = 0.15


#: The recipe's short run must reach at least this validation accuracy (0.97 at the lesson's
#: sizes) for the comparison to mean anything: runs too short to train the network differ
#: by their training's luck more than by what they learned.
LEAST_RECIPE_ACCURACY = 0.9


#: The recipe must lie this many standard errors of the difference above the rotated run.
LEAST_DROP_IN_ERRORS = 3


#: A network trained as the measuring runs were, with rotations of up to 180 degrees, reads
#: far more than this share of the validation digits (0.83 in our run); below it, it was
#: hardly trained.
LEAST_TRAINED_ACCURACY = 0.5


def _right(network: Any, images: np.ndarray, digits: np.ndarray) -> np.ndarray:
    """For each image, whether ``network`` reads its digit right."""
    outputs = _as_array(network.predict(images, batch_size=1_000, verbose=0))
    return np.asarray(outputs).argmax(axis=1) == digits


@_never_raises
def check_augmentation_too_far(
    network: Any, images: Any, labels: Any, table: Mapping[str, Any] | None = None
) -> Feedback:
    """Exercise 7.2: ``network``, trained as the measuring runs were but with rotations of up
    to 180 degrees, against the recipe's short run (the ``table``'s "+ label smoothing"
    row), both on the validation ``images`` and ``labels``.

    The check measures the network itself, upright and on the images turned upside down (a
    network trained with wide rotations reads both alike). It answers "Correct!" when the
    recipe's run is ahead by several standard errors of the difference, and "Recorded."
    when the runs are too short or too close to tell."""
    if network is None:
        return UNANSWERED
    if _scalar(network) is not None:
        return _wrong(
            "Give the network you trained, `wild_network`, not its accuracy: the check "
            "measures it on the validation images itself."
        )
    if not callable(getattr(network, "predict", None)):
        return _type_hint("wild_network", network, "the Keras model you trained")
    recipe = None if table is None else _named_row(table, "label smoothing")
    if recipe is None or not 0 <= recipe <= 1:
        return _wrong(
            'Pass the lesson\'s table, `table=measured`: its "+ label smoothing" row is the '
            "recipe's run to compare with."
        )
    pixels, targets = _numeric_array(images), _numeric_array(labels)
    if pixels is None or pixels.size == 0 or pixels.size % 784:
        return _wrong("The images should be the validation images, `x_val`: (n, 28, 28, 1).")
    batch = pixels.astype("float32").reshape(-1, 28, 28, 1)
    if targets is None or len(targets) != len(batch) or not np.all(np.isfinite(targets)):
        return _wrong("The labels should be the validation labels, `y_val`: one per image.")
    digits = _digits(targets)
    upright_right = _right(network, batch, digits)
    turned_right = _right(network, batch[:, ::-1, ::-1, :], digits)
    count = len(digits)
    upright, turned = float(upright_right.mean()), float(turned_right.mean())
    paired = upright_right.astype(float) - turned_right.astype(float)
    paired_error = float(paired.std()) / math.sqrt(count)
    if upright - turned > max(LARGEST_TURNED_GAP, 4 * paired_error):
        return _wrong(
            f"This network reads {upright:.1%} of the validation digits upright but only "
            f"{turned:.1%} of them upside down: it was not trained with rotations of up to "
            "half a turn. Train a fresh `build_network()` with `degrees=180`."
        )
    drop = recipe - upright
    noise = math.sqrt(_standard_error(recipe, count) ** 2 + _standard_error(upright, count) ** 2)
    numbers = (
        f"Rotated up to 180 degrees, the network reads {upright:.2%} of the {count:,} "
        f"validation digits (and {turned:.2%} of them upside down); the recipe's run "
        f"{recipe:.2%}, {_points(abs(drop))} {'above' if drop >= 0 else 'below'} it, where "
        f"the standard error of the difference is about {_points(noise)}."
    )
    if recipe < LEAST_RECIPE_ACCURACY:
        return _recorded(
            f"{numbers} These runs are too short to train the network well, so their "
            "difference says more about luck than about augmentation: run the lesson at "
            "its full size to see it."
        )
    if upright < LEAST_TRAINED_ACCURACY:
        return _wrong(
            f"This network reads only {upright:.1%} of the validation digits: it has hardly "
            "been trained. Train it with `train_briefly`, as the measuring runs were, before "
            "you give it to the check."
        )
    if drop <= LEAST_DROP_IN_ERRORS * noise:
        return _recorded(
            f"{numbers} The rotated run is not clearly behind: the difference is within "
            f"{LEAST_DROP_IN_ERRORS} standard errors, which chance alone could make. Check "
            "that it trained as the measuring runs did, with `degrees=180`."
        )
    return _correct(
        f"{numbers} A 6 turned upside down looks like a 9: augmentation that changes what "
        "a digit shows costs accuracy."
    )
