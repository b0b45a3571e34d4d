"""Lesson 6's self-checks (notebooks/06_look_inside.md), one per exercise:

- :func:`check_first_index_of`: exercise 6.1, follow another digit
- :func:`check_pooled_maps`: exercise 6.2, after pooling
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
    _type_hint,
    _whole_answer,
    _wrong,
)

import numpy as np


@_never_raises
def check_first_index_of(answer: Any, labels: np.ndarray, digit: int) -> Feedback:
    """Exercise 6.1: the index of the first test image that shows ``digit``."""
    index = _whole_answer(answer, "your index")
    if isinstance(index, Feedback):
        return index
    digits = _digits(labels)
    expected = int(np.flatnonzero(digits == digit)[0])
    if index == expected:
        return _correct(f"Test image {expected} is the first {digit}.")
    if 0 <= index < len(digits) and digits[index] == digit:
        return _wrong(f"Image {index} is a {digit}, but not the first one.")
    return _wrong(
        f"Test image {index} is not a {digit}. Hint: compare the digits with {digit}, then "
        "find the position of the first `True` (positions count from 0)."
    )


@_never_raises
def check_pooled_maps(maps: Any, model: Any, image: Any) -> Feedback:
    """Exercise 6.2: the feature maps that ``model``'s first ``MaxPooling2D`` layer gives for
    ``image`` (a batch of one image), as ``predict`` returns them."""
    import keras

    if maps is None:
        return UNANSWERED
    if isinstance(maps, (list, tuple)) and len(maps) == 1:
        maps = maps[0]  # a model with a list of one output returns a list of one array
    answer = _numeric_array(maps)
    if answer is None:
        return _type_hint("your maps", maps, "a NumPy array (the result of `predict`)")
    batch = np.asarray(image, dtype="float32").reshape(1, 28, 28, 1)
    pools = [layer for layer in model.layers if isinstance(layer, keras.layers.MaxPooling2D)]
    convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    inspect = keras.Model(model.inputs, [pools[0].output, convs[0].output])
    expected, before_pooling = (np.asarray(out) for out in inspect.predict(batch, verbose=0))
    if answer.shape == expected.shape[1:]:
        answer = answer[None]  # the maps without the batch axis hold the same numbers
    if answer.ndim == 4 and answer.shape[0] > 1:
        return _wrong(
            f"These are maps for {answer.shape[0]} images; predict on a batch of one, "
            "e.g. `x_test[i : i + 1]`."
        )
    if answer.shape == before_pooling.shape:
        return _wrong(
            "These are the maps of the first convolution, before pooling: ask for the "
            "output of the pooling layer."
        )
    if answer.shape != expected.shape:
        return _wrong(
            f"Maps of shape {answer.shape} do not come from the first pooling layer. Hint: "
            "which layer's output did you ask for?"
        )
    scale = max(1.0, float(np.abs(expected).max()))
    if np.allclose(answer, expected, rtol=1e-4, atol=1e-4 * scale):
        return _correct(
            f"One image, {expected.shape[3]} maps of {expected.shape[1]} x {expected.shape[2]}, "
            "each the largest values of the first convolution's 2 x 2 blocks."
        )
    return _wrong(
        "These maps have the right shape, but not the values that the trained network's "
        "first pooling layer gives for `digit`: predict with `model`'s own layers, on "
        "`digit` itself."
    )
