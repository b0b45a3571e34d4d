"""Lesson 8's self-checks (notebooks/08_your_handwriting.md), one per exercise:

- :func:`check_centre_of_mass`: exercise 8.1, why preprocessing matters
- :func:`check_fools_only_the_seed`: exercise 8.2, fool one, not the other
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
    _recorded,
    _type_hint,
    _whole_number,
    _wrong,
)

import numpy as np


@_never_raises
def check_centre_of_mass(answer: Any, image: Any) -> Feedback:
    """Exercise 8.1: the centre of mass (x, y) of a 28 x 28 image, in pixels from its top
    left corner, where pixel (row i, column j) covers x from j to j + 1."""
    if answer is None:
        return UNANSWERED
    pair = _numeric_array(answer)
    if pair is None or pair.size != 2:
        return _type_hint("your centre", answer, "a pair of numbers (x, y)")
    x, y = (float(value) for value in pair.reshape(2))
    grey = np.asarray(image, dtype=float).reshape(28, 28)
    rows, columns = np.indices(grey.shape)
    expected_x = float((grey * (columns + 0.5)).sum() / grey.sum())
    expected_y = float((grey * (rows + 0.5)).sum() / grey.sum())

    def near(a: float, b: float) -> bool:
        return abs(x - a) < 0.01 and abs(y - b) < 0.01

    if near(expected_x, expected_y):
        return _correct(
            f"The ink's centre is at x = {expected_x:.2f}, y = {expected_y:.2f}; MNIST puts it "
            "at 14.5, 14.5, so the pad would move this digit back."
        )
    if near(expected_y, expected_x):
        return _wrong("x and y are swapped: x runs along a row (columns), y down (rows).")
    if near(expected_x - 0.5, expected_y - 0.5):
        return _wrong("Nearly: measure each pixel at its middle, column + 0.5 and row + 0.5.")
    inked = grey > 0
    if near(columns[inked].mean() + 0.5, rows[inked].mean() + 0.5):
        return _wrong("Weight each pixel by its grey level: a faint pixel counts for less.")
    return _wrong(
        "Hint: weight each pixel's position (its middle: column + 0.5, row + 0.5) by its "
        "grey level, add them up, and divide by the total of the grey levels."
    )


#: A drawing with less ink than this (in pixels of full ink) is too faint to be a digit.
LEAST_INK = 5.0


#: How far (in pixels, along each axis) a moved test digit is looked for.
LARGEST_SHIFT = 12


def _moved_test_digit(image: np.ndarray, images: np.ndarray, labels: np.ndarray) -> int | None:
    """The label of the test digit that ``image`` is a moved copy of (the frame filled with
    paper where the digit left it), or None if it is none of them."""
    pool = np.asarray(images, dtype="float32").reshape(-1, 28, 28)
    digits, inked = _digits(labels), np.count_nonzero(image)
    if not inked:
        return None
    for dy in range(-LARGEST_SHIFT, LARGEST_SHIFT + 1):
        for dx in range(-LARGEST_SHIFT, LARGEST_SHIFT + 1):
            # image[y, x] == test[y - dy, x - dx] where both lie in the frame, paper elsewhere
            rows, columns = slice(max(dy, 0), 28 + min(dy, 0)), slice(max(dx, 0), 28 + min(dx, 0))
            source = (slice(max(-dy, 0), 28 + min(-dy, 0)), slice(max(-dx, 0), 28 + min(-dx, 0)))
            inside = image[rows, columns]
            if np.count_nonzero(inside) != inked:  # ink would lie outside the test digit
                continue
            strongest = np.argsort(inside, axis=None)[-12:]
            at = np.unravel_index(strongest, inside.shape)
            window = pool[:, source[0], source[1]]
            candidates = np.flatnonzero(
                np.all(np.abs(window[:, at[0], at[1]] - inside[at]) < 1e-5, axis=1)
            )
            for candidate in candidates:
                if np.allclose(window[candidate], inside, atol=1e-5):
                    return int(digits[candidate])
    return None


@_never_raises
def check_fools_only_the_seed(
    image: Any,
    label: Any,
    seed_model: Any,
    stronger_model: Any,
    test_images: np.ndarray | None = None,
    test_labels: np.ndarray | None = None,
) -> Feedback:
    """Exercise 8.2: a 28 x 28 image of the digit ``label`` that the seed network misreads
    and the stronger network reads correctly.

    If the image is a test digit (moved or not), its label comes from ``test_labels``; the
    check cannot tell what a drawing shows, so for a drawing it answers "Recorded"."""
    if image is None or label is None:
        return UNANSWERED
    digit = _whole_number(label)
    if digit is None or not 0 <= digit <= 9:
        return _wrong("`my_label` should be the digit your image shows, from 0 to 9.")
    array = _numeric_array(image)
    if array is None or array.size != 784:
        shape = getattr(array, "shape", type(image).__name__)
        return _wrong(f"`my_digit` should be a 28 x 28 image; it has shape {shape}.")
    grey = array.astype("float32").reshape(28, 28)
    if np.isnan(grey).any() or grey.min() < 0 or grey.max() > 1:
        return _wrong("Grey levels should be in [0, 1], as the networks were trained on.")
    if grey.sum() < LEAST_INK:
        return _wrong("There is hardly any ink in this image: draw or choose a digit.")
    if grey.mean() > 0.5:
        return _wrong(
            "This image is mostly ink: in MNIST's arrays ink is 1 and paper 0. Are the "
            "colours inverted?"
        )
    batch = grey.reshape(1, 28, 28, 1)
    seed_reads = int(np.argmax(seed_model.predict(batch, verbose=0)))
    stronger_reads = int(np.argmax(stronger_model.predict(batch, verbose=0)))
    shows = None
    if test_images is not None and test_labels is not None:
        shows = _moved_test_digit(grey, test_images, test_labels)
    if shows is not None and shows != digit:
        return _wrong(
            "This image is a test digit, and the test set says it shows another digit than "
            "`my_label`."
        )
    if seed_reads == digit:
        return _wrong(f"The seed network reads this {digit} correctly; make it harder.")
    if stronger_reads != digit:
        return _wrong(
            f"Both networks misread it (seed {seed_reads}, stronger {stronger_reads}); "
            "try something gentler, such as a smaller shift or rotation."
        )
    if shows is None:
        return _recorded(
            f"The seed network reads {seed_reads} and the stronger one {stronger_reads}, as "
            f"you wanted. Whether your image really shows a {digit}, only you can judge: "
            "ask someone else what they read."
        )
    return _correct(
        f"The seed network reads {seed_reads}, the stronger one {stronger_reads}: "
        "what it learned from augmented digits made the difference."
    )
