"""Lesson 1's self-checks (notebooks/01_load_mnist.md), one per exercise:

- :func:`check_digit_count`: exercise 1.1, how many sevens?
- :func:`check_digit_selection`: exercise 1.2, a page of threes
"""

from __future__ import annotations

from typing import Any

from course_utils.checks.feedback import (
    UNANSWERED,
    Feedback,
    _correct,
    _digits,
    _never_raises,
    _numeric_array,
    _rows,
    _type_hint,
    _whole_answer,
    _wrong,
)

import numpy as np


@_never_raises
def check_digit_count(answer: Any, labels: np.ndarray, digit: int) -> Feedback:
    """Exercise 1.1: how many training images show ``digit``?"""
    count = _whole_answer(answer, "your answer")
    if isinstance(count, Feedback):
        return count
    digits = _digits(labels)
    expected = int(np.sum(digits == digit))
    if count == expected:
        return _correct(f"There are {expected:,} images of the digit {digit}.")
    if count == len(digits):
        return _wrong(
            "That is the number of all images. Hint: compare the labels with the "
            f"digit first, e.g. `labels == {digit}`, then count the `True` values."
        )
    if count in np.bincount(digits, minlength=10):
        return _wrong(
            f"That is how many images show another digit. Hint: count the labels equal to {digit}."
        )
    return _wrong(
        f"{count:,} is not it. Hint: `y_train == {digit}` gives one `True` or `False` per "
        "label; how do you count the `True` values?"
    )


@_never_raises
def check_digit_selection(
    answer: Any, images: np.ndarray, labels: np.ndarray, digit: int, count: int
) -> Feedback:
    """Exercise 1.2: pick the first ``count`` training images that show ``digit``."""
    if answer is None:
        return UNANSWERED
    selection = _numeric_array(answer)
    if selection is None:
        return _type_hint("your selection", answer, "a NumPy array of images")
    if selection.shape != (count, 28, 28):
        return _wrong(
            f"Expected {count} images of 28 x 28, i.e. shape ({count}, 28, 28); "
            f"yours has shape {selection.shape}."
        )
    pool = np.asarray(images)[_digits(labels) == digit]
    expected = pool[:count]
    if np.array_equal(selection, expected):
        return _correct(f"These are the first {count} images of the digit {digit}.")
    if selection.max() <= 1 and np.allclose(selection * 255, expected, atol=1e-3):
        return _wrong(
            "These are the right images, but rescaled: select them as they are, with "
            "their pixel values from 0 to 255."
        )
    chosen, pool_rows = _rows(selection), set(_rows(pool))
    if sorted(chosen) == sorted(_rows(expected)):
        return _wrong(
            f"These are the right images, in another order: keep the order of the training "
            f"set, first {digit} first."
        )
    if all(row in pool_rows for row in chosen):
        return _wrong(
            f"All of these show a {digit}, but they are not the first {count}: take them "
            "from the start of the training set, in order."
        )
    return _wrong(
        f"Those are not the first {count} images of a {digit}. Hint: a mask such as "
        f"`y_train == {digit}` picks out the images of a {digit}; then take the first "
        f"{count}."
    )
