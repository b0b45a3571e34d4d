"""Lesson 4's self-checks (notebooks/04_train.md), one per exercise:

- :func:`check_loss_for_integer_labels`: exercise 4.1, plain digits as labels
- :func:`check_overfitting`: exercise 4.2, overfitting without dropout
- :func:`check_cross_entropy`: exercise 4.3, a loss by hand
"""

from __future__ import annotations

import math
from typing import Any

from course_utils.checks.feedback import (
    UNANSWERED,
    Feedback,
    _as_array,
    _correct,
    _gives_probabilities,
    _history,
    _layer_kinds,
    _mnist_shapes_hint,
    _never_raises,
    _numeric_array,
    _points,
    _recorded,
    _scalar,
    _standard_error,
    _type_hint,
    _wrong,
)

import numpy as np

#: Four outputs of a network's softmax for images of the digits in :data:`_PROBE_DIGITS`.
_PROBE_PROBABILITIES = np.array(
    [
        [0.05] * 3 + [0.55] + [0.05] * 6,
        [0.6] + [0.04] * 8 + [0.08],
        [0.1] * 10,
        [0.01] * 9 + [0.91],
    ],
    dtype="float32",
)


_PROBE_DIGITS = np.array([3, 0, 7, 9])


@_never_raises
def check_loss_for_integer_labels(model: Any) -> Feedback:
    """Exercise 4.1: is ``model`` compiled with a loss that takes plain digits as labels?

    The loss is judged by what it computes: on what the network gives (probabilities if it
    ends with softmax, raw scores if it does not) and digit labels it must give the
    cross-entropy, however it was named (text, function or object)."""
    import keras

    if model is None:
        return UNANSWERED
    hint = _mnist_shapes_hint(model, "digit_model")
    if hint is not None:
        return hint
    loss = getattr(model, "loss", None)
    if loss is None:
        return _wrong("The model is not compiled yet: call `model.compile(...)` first.")
    function = keras.losses.get(loss) if isinstance(loss, str) else loss
    if not callable(function):
        return _wrong(f"The loss {loss!r} is not one loss for one output.")
    probabilities, digits = _PROBE_PROBABILITIES, _PROBE_DIGITS
    expected = float(np.mean(-np.log(probabilities[np.arange(len(digits)), digits])))
    softmax = _gives_probabilities(model)
    # Raw scores whose softmax gives the same probabilities (softmax ignores a shift).
    outputs = probabilities if softmax else np.log(probabilities) + np.float32(1.5)

    def computed(labels: np.ndarray, given: np.ndarray) -> float | None:
        try:
            value = function(labels, given)
            return float(np.mean(keras.ops.convert_to_numpy(value)))
        except Exception:  # noqa: BLE001 - a loss that cannot take these labels
            return None

    def gives_cross_entropy(labels: np.ndarray, given: np.ndarray) -> bool:
        value = computed(labels, given)
        return value is not None and math.isclose(value, expected, rel_tol=1e-4)

    one_hot = np.eye(10, dtype="float32")[digits]
    if gives_cross_entropy(digits, outputs):
        if softmax:
            return _correct("Sparse categorical cross-entropy takes the digits 0-9 as they are.")
        return _correct(
            "Your network ends without softmax, and the loss knows it (`from_logits=True`): "
            "sparse categorical cross-entropy applies the softmax itself and takes the "
            "digits 0-9 as they are."
        )
    if gives_cross_entropy(one_hot, outputs):
        return _wrong(
            "This loss expects one-hot labels. Hint: the `sparse_` version takes the "
            "digits as they are."
        )
    if softmax:
        config = function.get_config() if hasattr(function, "get_config") else {}
        if isinstance(config, dict) and config.get("from_logits"):
            return _wrong(
                "`from_logits=True` is for a network without softmax; this one ends with "
                "softmax, so its outputs are already probabilities."
            )
    elif gives_cross_entropy(digits, probabilities) or gives_cross_entropy(one_hot, probabilities):
        return _wrong(
            "This network ends without softmax: its ten outputs are raw scores, not "
            "probabilities, and this loss reads them as probabilities. End the network with "
            "softmax, or tell the loss what it gets: `from_logits=True`."
        )
    return _wrong("This loss does not compare the network's ten outputs with a digit label.")


#: Exercise 4.2 validates on 500 images (the last third of 1,500).
OVERFITTING_VALIDATION_IMAGES = 500


#: Fewer epochs than this cannot show the validation loss turning back up.
LEAST_OVERFITTING_EPOCHS = 10


#: Below this training accuracy the network has not learned its 1,000 images at all.
LEAST_LEARNED_ACCURACY = 0.9


#: Without dropout, 30 epochs on 1,000 images bring the training accuracy to at least this
#: (to 1.000 on every seed we tried).
LEAST_TRAINING_ACCURACY = 0.98


#: The validation loss is lowest at least this many epochs before the last (10 to 20
#: epochs before it on the seeds we tried)...
LEAST_EPOCHS_AFTER_LOWEST = 5


#: ... and the last epoch's lies at least this share above that lowest value (21% to 22%).
LEAST_LOSS_RISE = 0.1


#: The training accuracy lies this many standard errors of the validation accuracy above it,
#: or more (about 7 on the seeds we tried).
LEAST_GAP_IN_ERRORS = 3


@_never_raises
def check_overfitting(history: Any, model: Any = None) -> Feedback:
    """Exercise 4.2: the history of a network without dropout, trained for 30 epochs on
    1,000 images and validated on 500 (and, if given, the network itself).

    The check reads every epoch of the history. It answers "Correct!" when the run shows
    overfitting beyond the noise: training accuracy near 1 and far above the validation
    accuracy (by several standard errors of an accuracy on 500 images), and the validation
    loss lowest well before the last epoch and clearly higher by then. When the run shows
    less than that, it answers "Recorded." with the numbers and what they can and cannot
    say."""
    import keras

    if history is None:
        return UNANSWERED
    run = _history(history, "small_history", "`no_dropout.fit(...).history`")
    if isinstance(run, Feedback):
        return run
    if model is not None:
        if not isinstance(model, keras.Model):
            return _type_hint("no_dropout", model, "the Keras model you trained")
        if "Dropout" in _layer_kinds(model):
            return _wrong("`no_dropout` still has a `Dropout` layer: build the network without it.")
    epochs = len(run["loss"])
    if epochs < LEAST_OVERFITTING_EPOCHS:
        return _wrong(
            f"The history holds {epochs} epoch{'s' if epochs > 1 else ''}: train for the 30 "
            "epochs that the exercise asks, so that the validation loss has time to turn."
        )
    training, validation = run["accuracy"][-1], run["val_accuracy"][-1]
    if training < LEAST_LEARNED_ACCURACY:
        return _wrong(
            f"A network without dropout, trained for 30 epochs on 1,000 images, gets nearly "
            f"all of them right, not {training:.1%}: did it train on the first 1,500 images "
            "with `validation_split=1/3`, for all the epochs?"
        )
    losses = run["val_loss"]
    lowest = int(np.argmin(losses))
    rise = losses[-1] / losses[lowest] - 1 if losses[lowest] > 0 else 0.0
    gap, noise = training - validation, _standard_error(validation, OVERFITTING_VALIDATION_IMAGES)
    numbers = (
        f"Training accuracy {training:.2%}, validation {validation:.2%} in the last epoch: a "
        f"gap of {_points(gap)}, where the standard error of an accuracy measured on "
        f"{OVERFITTING_VALIDATION_IMAGES} images is about {_points(noise)}. "
        + (
            f"The validation loss is lowest in the last epoch, epoch {epochs} ({losses[-1]:.4f})."
            if lowest == epochs - 1
            else f"The validation loss was lowest after epoch {lowest + 1} "
            f"({losses[lowest]:.4f}) and is {losses[-1]:.4f} after epoch {epochs}, "
            f"{rise:.0%} above it."
        )
    )
    unclear = []
    if training < LEAST_TRAINING_ACCURACY:
        unclear.append("the network has not yet learned all of its training images")
    if gap < LEAST_GAP_IN_ERRORS * noise:
        unclear.append(
            f"the gap is less than {LEAST_GAP_IN_ERRORS} standard errors, which chance "
            "alone could make"
        )
    if epochs - 1 - lowest < LEAST_EPOCHS_AFTER_LOWEST or rise < LEAST_LOSS_RISE:
        unclear.append("the validation loss has not clearly turned back up")
    if unclear:
        return _recorded(
            f"{numbers} This run does not show overfitting beyond the noise: "
            f"{'; '.join(unclear)}. Check that the network has no dropout and trained for "
            "30 epochs on 1,000 images; then more epochs or fewer images make it clear."
        )
    return _correct(
        f"{numbers} The network does far better on the images it learned from than on new "
        "ones, and after its best epoch its probabilities for the new ones got worse: that "
        "is overfitting."
    )


@_never_raises
def check_cross_entropy(answer: Any, probabilities: Any, digit: int) -> Feedback:
    """Exercise 4.3: the cross-entropy loss of one image whose right digit is ``digit``, for
    the network's ten ``probabilities``: minus the natural logarithm of the right digit's."""
    if answer is None:
        return UNANSWERED
    value = _scalar(answer)
    if value is None:
        if isinstance(answer, (list, tuple, np.ndarray)) or _numeric_array(answer) is not None:
            return _wrong("The loss of one image is one number, not one per digit.")
        return _type_hint("my_loss", answer, "one number")
    if not math.isfinite(value):
        return _wrong(f"{value} is not a loss for a probability above 0.")
    given = np.asarray(_as_array(probabilities), dtype=float).reshape(-1)
    right = float(given[digit])
    expected = -math.log(right)

    def near(candidate: float) -> bool:
        return math.isfinite(candidate) and abs(value - candidate) <= 5e-4 + 1e-3 * abs(candidate)

    if near(expected):
        return _correct(
            f"-ln({right:g}) = {expected:.4f}: the network gave the right digit, {digit}, a "
            f"probability of {right:g}; the surer it is of the right digit, the closer the "
            "loss comes to 0."
        )
    others = [index for index in range(len(given)) if index != digit]
    mistakes: list[tuple[float, str]] = [
        (-expected, "A logarithm of a probability is negative: the loss is minus it."),
        (
            -math.log10(right),
            "That is the logarithm to base 10; cross-entropy uses the natural one (`np.log`).",
        ),
        (
            -math.log2(right),
            "That is the logarithm to base 2; cross-entropy uses the natural one (`np.log`).",
        ),
        (right, "That is the probability itself; the loss is minus its logarithm."),
        (1 - right, "The loss is not 1 minus the probability: take minus its logarithm."),
        (
            -math.log(1 - right) if right < 1 else math.nan,
            "Take the logarithm of the right digit's probability itself, not of 1 minus it.",
        ),
        (
            float(-np.sum(np.log(given))) if np.all(given > 0) else math.nan,
            "Only the right digit's probability counts: the one-hot label is 0 for the others.",
        ),
        (
            float(-np.mean(np.log(given))) if np.all(given > 0) else math.nan,
            "Only the right digit's probability counts: the one-hot label is 0 for the others.",
        ),
        (
            float(-np.sum(given[given > 0] * np.log(given[given > 0]))),
            "That is the entropy of the ten probabilities, weighted by themselves; weight "
            "them by the one-hot label instead, which keeps only the right digit's.",
        ),
    ]
    for other in others:
        if given[other] > 0:
            mistakes.append(
                (
                    -math.log(float(given[other])),
                    f"That is the loss for another digit's probability: which entry of "
                    f"`probabilities` belongs to the digit {digit} (counting from 0)?",
                )
            )
    for candidate, hint in mistakes:
        if near(candidate):
            return _wrong(hint)
    return _wrong(
        "Hint: pick the probability that the network gave the right digit, then take minus "
        "its natural logarithm."
    )
