"""Lesson 5's self-checks (notebooks/05_evaluate.md), one per exercise:

- :func:`check_accuracy`: exercise 5.1, accuracy by hand
- :func:`check_hardest_digit`: exercise 5.2, the hardest digit
- :func:`check_shifted_accuracy`: exercise 5.3, how far can a digit move?
"""

from __future__ import annotations

import math
from typing import Any

from course_utils.checks.feedback import (
    UNANSWERED,
    Feedback,
    _correct,
    _digits,
    _never_raises,
    _scalar,
    _type_hint,
    _whole_number,
    _wrong,
)

import numpy as np


@_never_raises
def check_accuracy(answer: Any, predicted: np.ndarray, true: np.ndarray) -> Feedback:
    """Exercise 5.1: compute the accuracy from predicted and true digits."""
    if answer is None:
        return UNANSWERED
    value = _scalar(answer)
    if value is None:
        return _type_hint("your accuracy", answer, "a number between 0 and 1")
    predicted, true = np.asarray(predicted), np.asarray(true)
    right = int(np.sum(predicted == true))
    expected = right / len(true)
    tolerance = 0.5 / len(true)  # less than one prediction either way
    if abs(value - expected) < tolerance:
        return _correct(f"The accuracy is {expected:.4f}: the share of predictions that match.")
    if abs(value - 100 * expected) < 100 * tolerance:
        return _wrong("That is a percentage; give the share between 0 and 1.")
    if abs(value - (1 - expected)) < tolerance:
        return _wrong("That is the error rate. Hint: count where predictions *equal* the labels.")
    if value in (right, len(true) - right):
        return _wrong("That is a number of predictions; divide it by the number of test images.")
    return _wrong(
        "Hint: compare the predicted digits with the true ones, then take the share of "
        "the comparisons that match."
    )


@_never_raises
def check_hardest_digit(answer: Any, predicted: np.ndarray, true: np.ndarray) -> Feedback:
    """Exercise 5.2: which digit does the model get wrong most often, relative to how many
    test images show it?"""
    if answer is None:
        return UNANSWERED
    digit = _whole_number(answer)
    if digit is None or not 0 <= digit <= 9:
        return _wrong("Your answer should be one digit, a whole number from 0 to 9.")
    predicted, true = np.asarray(predicted), np.asarray(true)
    recall = np.array([np.mean(predicted[true == d] == d) for d in range(10)])
    hardest = np.flatnonzero(np.isclose(recall, recall.min()))
    if digit in hardest:
        return _correct(
            f"The digit {digit} is recognised least often: {recall[digit]:.2%} of its test images."
        )
    mistakes = np.array([np.sum(predicted[true == d] != d) for d in range(10)])
    if mistakes[digit] == mistakes.max():
        return _wrong(
            f"The network makes the most mistakes on {digit}s, but more {digit}s are in the "
            "test set than some other digits: compare shares, not counts."
        )
    return _wrong(
        "Another digit is recognised less often. Hint: for each digit, take the test images "
        "that show it, and the share of them that the network reads right."
    )


def _accuracies(**values: Any) -> dict[str, float] | Feedback:
    """The values as accuracies in [0, 1], or the feedback for the first that is not one."""
    missing = [f"`{name}`" for name, value in values.items() if value is None]
    if len(missing) == len(values):
        return UNANSWERED
    if missing:
        return _wrong(f"Fill in {' and '.join(missing)} by running your experiment.")
    accuracies = {}
    for name, value in values.items():
        number = _scalar(value)
        if number is None and isinstance(value, (list, tuple, np.ndarray)):
            return _wrong(
                f"`{name}` holds several values; give one accuracy, the last epoch's, "
                "e.g. `history['val_accuracy'][-1]`."
            )
        if number is None:
            return _type_hint(name, value, "an accuracy between 0 and 1")
        if not math.isfinite(number):
            return _wrong(f"`{name}` is not a number ({number}): did the training fail?")
        if 1 < number <= 100:
            return _wrong(
                f"`{name}` looks like a percentage; give the share between 0 and 1 (divide by 100)."
            )
        if not 0 <= number <= 1:
            return _wrong(f"`{name}` = {number:g} is not an accuracy, a share between 0 and 1.")
        accuracies[name] = number
    return accuracies


def _shifted_right(images: np.ndarray, pixels: int) -> np.ndarray:
    """The images moved ``pixels`` to the right, the columns left empty filled with background
    (0): what lesson 5's ``shift_right`` does."""
    moved = np.zeros_like(images)
    moved[:, :, pixels:] = images[:, :, : images.shape[2] - pixels]
    return moved


def _shifted_accuracies(
    networks: tuple[Any, Any], images: np.ndarray, digits: np.ndarray, pixels: int
) -> tuple[float, float]:
    """Each network's accuracy on the images moved ``pixels`` to the right."""
    moved = _shifted_right(images, pixels)
    first, second = (
        float(np.mean(np.asarray(network.predict(moved, verbose=0)).argmax(axis=1) == digits))
        for network in networks
    )
    return first, second


#: The shifts lesson 5's table shows already; exercise 5.3 asks for another.
TABLE_SHIFTS = (2, 4)


@_never_raises
def check_shifted_accuracy(
    cnn_shifted: Any,
    dense_shifted: Any,
    pixels: Any,
    cnn: Any,
    dense: Any,
    images: np.ndarray,
    labels: np.ndarray,
) -> Feedback:
    """Exercise 5.3: the accuracy of ``cnn`` and of ``dense`` on the test ``images`` moved
    ``pixels`` to the right (the empty columns filled with background), each a share between
    0 and 1. The check moves the digits and measures both networks itself."""
    accuracies = _accuracies(cnn_shifted=cnn_shifted, dense_shifted=dense_shifted)
    if isinstance(accuracies, Feedback):
        return accuracies
    amount = _whole_number(pixels)
    if amount is None or not 0 <= amount < 28:
        return _wrong("`pixels` should be a whole number of pixels, from 1 to 27.")
    if amount == 0:
        return _wrong("With `pixels = 0` nothing moves: shift the digits by at least one pixel.")
    if amount in TABLE_SHIFTS:
        return _wrong(
            f"The table above already shows {amount} pixels: set `pixels` to another amount."
        )
    images, digits = np.asarray(images, dtype="float32"), _digits(labels)
    answer = (accuracies["cnn_shifted"], accuracies["dense_shifted"])
    tolerance = 0.5 / len(digits)  # less than one test digit either way

    def matches(values: tuple[float, float], expected: tuple[float, float]) -> bool:
        return all(abs(a - b) < tolerance for a, b in zip(values, expected, strict=True))

    expected = _shifted_accuracies((cnn, dense), images, digits, amount)
    if matches(answer, expected):
        return _correct(
            f"Moved {amount} pixels to the right, the CNN reads {expected[0]:.2%} of the test "
            f"digits and the dense baseline {expected[1]:.2%}."
        )
    if matches(answer[::-1], expected):
        return _wrong("The two accuracies are swapped: the CNN's comes first.")
    if matches((1 - answer[0], 1 - answer[1]), expected):
        return _wrong("Those are error rates: give the share of digits each network reads right.")
    for other in (0, *TABLE_SHIFTS):
        if matches(answer, _shifted_accuracies((cnn, dense), images, digits, other)):
            if other == 0:
                return _wrong(
                    "These are the accuracies on the plain test digits: move them first, "
                    "with `shift_right(x_test, pixels)`."
                )
            return _wrong(
                f"These are the accuracies for digits moved {other} pixels, from the table: "
                "move them by `pixels` instead."
            )
    for index, network in enumerate(("CNN", "dense baseline")):
        if abs(answer[index] - expected[index]) < tolerance:
            return _wrong(
                f"The {network}'s accuracy is right, the other is not: measure both networks "
                "on the same moved digits."
            )
    return _wrong(
        "Neither accuracy matches. Hint: move the test digits `pixels` to the right, let "
        "each network predict the moved digits, and take the share of its predictions that "
        "equal the true digits."
    )
