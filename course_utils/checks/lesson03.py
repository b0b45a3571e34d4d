"""Lesson 3's self-checks (notebooks/03_build_cnn.md), one per exercise:

- :func:`check_conv_parameters`: exercise 3.1, counting by hand
- :func:`check_slim_model`: exercise 3.2, a slimmer network
- :func:`check_output_size`: exercise 3.3, an output size on paper
- :func:`check_horizontal_edges`: exercise 3.4, a horizontal-edge kernel
- :func:`check_max_pool`: exercise 3.5, max pooling on paper
- :func:`check_receptive_field`: exercise 3.6, one layer deeper
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from course_utils.checks.feedback import (
    UNANSWERED,
    Feedback,
    _correct,
    _gives_probabilities,
    _layer_kinds,
    _mnist_shapes_hint,
    _never_raises,
    _numeric_array,
    _outputs,
    _probe_images,
    _type_hint,
    _whole_answer,
    _whole_number,
    _wrong,
)

import numpy as np


@_never_raises
def check_conv_parameters(answer: Any, filters: int, kernel_size: int, channels: int) -> Feedback:
    """Exercise 3.1: how many parameters has a Conv2D with these settings?"""
    count = _whole_answer(answer, "your answer")
    if isinstance(count, Feedback):
        return count
    weights = kernel_size * kernel_size * channels * filters
    if count == weights + filters:
        return _correct(
            f"{kernel_size} x {kernel_size} x {channels} x {filters} weights + "
            f"{filters} biases = {count:,}."
        )
    if count == weights:
        return _wrong("Close: you counted the weights. Each filter also has one bias.")
    if count == weights + 1:
        return _wrong("Each filter has a bias of its own, not one for the whole layer.")
    return _wrong(
        "Hint: each filter has kernel height x kernel width x input channels "
        "weights, plus one bias."
    )


def _dropout_rates(model: Any) -> list[float]:
    rates = []
    for layer in model.layers:
        rates += _dropout_rates(layer) if hasattr(layer, "layers") else []
        if type(layer).__name__ == "Dropout":
            rates.append(round(float(layer.rate), 6))
    return rates


def _mnist_model_hint(model: Any) -> Feedback | None:
    """The feedback for an object that is not a Keras model from 28 x 28 x 1 images to ten
    probabilities, or None if it is one."""
    hint = _mnist_shapes_hint(model)
    if hint is not None:
        return hint
    if not _gives_probabilities(model):
        return _wrong(
            "The ten outputs are not probabilities: the last layer should use "
            "`activation='softmax'`."
        )
    return None


def _seed_network(hidden_units: int) -> Any:
    """Lesson 3's seed network, with ``hidden_units`` units in its hidden dense layer."""
    from course_utils.models import build_seed_cnn

    import keras

    seed = build_seed_cnn()
    hidden = next(layer for layer in seed.layers if isinstance(layer, keras.layers.Dense))

    def clone(layer: Any) -> Any:
        config = layer.get_config()
        if layer is hidden:
            config["units"] = hidden_units
        return type(layer).from_config(config)

    return keras.models.clone_model(seed, clone_function=clone)


@_never_raises
def check_slim_model(model: Any, parameters: Any) -> Feedback:
    """Exercise 3.2: is ``model`` the seed network with 64 units in its hidden dense layer,
    and is ``parameters`` its parameter count?"""
    if model is None:
        return UNANSWERED
    hint = _mnist_model_hint(model)
    if hint is not None:
        return hint
    slim, seed = _seed_network(64), _seed_network(128)
    shapes = [tuple(weight.shape) for weight in model.weights]
    expected_shapes = [tuple(weight.shape) for weight in slim.weights]
    kinds, expected_kinds = _layer_kinds(model), _layer_kinds(slim)
    if "Dropout" not in kinds:
        return _wrong(
            "Keep the seed network's `Dropout` layer: it changes nothing when the network "
            "predicts, but it does while the network trains."
        )
    if shapes == [tuple(weight.shape) for weight in seed.weights]:
        return _wrong("This is the seed network as it was: its hidden layer has 128 units.")
    if kinds != expected_kinds or shapes != expected_shapes:
        return _wrong(
            "The layers differ from the seed network with 64 units in its hidden layer: "
            "compare `slim_model.summary()` with lesson 3's network, layer by layer."
        )
    if _dropout_rates(model) != _dropout_rates(slim):
        return _wrong("Keep the seed network's dropout rate, 0.25.")
    slim.set_weights(model.get_weights())
    probe = _probe_images()
    if not np.allclose(_outputs(model, probe), _outputs(slim, probe), atol=1e-5):
        return _wrong(
            "The layers have the right sizes but compute something else: check each "
            "layer's activation against lesson 3's network (relu, and softmax at the end)."
        )
    if parameters is None:
        return _wrong(
            "The network is right. Now predict its parameter count: replace the `None` "
            "with your number, worked out layer by layer."
        )
    predicted = _whole_number(parameters)
    if predicted is None:
        return _type_hint("your prediction", parameters, "a whole number")
    actual = slim.count_params()
    if predicted == actual:
        return _correct(f"The slim network is right, with {actual:,} parameters, as you predicted.")
    biases = sum(int(np.prod(weight.shape)) for weight in slim.weights if weight.ndim == 1)
    output_before = int(np.prod(seed.layers[-1].kernel.shape)) + seed.layers[-1].units
    output_now = int(np.prod(slim.layers[-1].kernel.shape)) + slim.layers[-1].units
    if predicted == seed.count_params():
        return _wrong("That is the seed network's count: which layers change with 64 units?")
    if predicted == actual - output_now + output_before:
        return _wrong("The output layer changes too: each of its ten units now has 64 inputs.")
    if predicted == actual - biases:
        return _wrong("Count the biases too: one per filter and one per unit.")
    return _wrong(
        "That is not this network's count. Go through the layers one by one: the weights "
        "of each, plus its biases; pooling, dropout and flatten have none."
    )


@_never_raises
def check_output_size(
    answer: Any, size: int, kernel_size: int, stride: int = 1, padding: str = "valid"
) -> Feedback:
    """Exercise 3.3: how many positions along each side does a square kernel of
    ``kernel_size`` take on a ``size`` x ``size`` input, with Keras's ``padding`` and
    ``stride``?

    The answer may be one whole number or a pair (height, width). Feedback on a wrong answer
    names the likely mistake (each of them, when several slips give the same number) but
    never gives the right value away.
    """
    if padding not in ("valid", "same"):
        return _wrong(f"padding must be 'valid' or 'same', got {padding!r}.")
    if answer is None:
        return UNANSWERED
    if not isinstance(answer, (tuple, list, np.ndarray)) and hasattr(answer, "__array__"):
        converted = _numeric_array(answer)  # a tensor, perhaps one that requires grad
        answer = converted if converted is not None else answer
    if isinstance(answer, np.ndarray) and answer.ndim == 0:
        answer = answer.item()
    if isinstance(answer, (tuple, list, np.ndarray)):
        sides = [_whole_number(side) for side in list(answer)]
        if len(sides) != 2 or None in sides:
            return _wrong("Give one whole number, or a pair (height, width) of whole numbers.")
        if sides[0] != sides[1]:
            return _wrong(
                "A square input and a square kernel give a square output: "
                "the height and the width should be equal."
            )
        answer = sides[0]
    number = _whole_number(answer)
    if number is None:
        if isinstance(answer, (float, np.floating)) and math.isfinite(answer):
            return _wrong(
                "A kernel stops only at whole positions, so the size is a whole number: "
                "round the division down (floor)."
            )
        return _type_hint("your answer", answer, "a whole number")
    if number < 1:
        return _wrong("An output size is a positive whole number of positions.")
    padded = 0  # P: the zeros added along a side in all, before and after, as Keras adds them
    if padding == "same":
        padded = max((-(-size // stride) - 1) * stride + kernel_size - size, 0)
    expected = (size + padded - kernel_size) // stride + 1
    if number == expected:
        return _correct(
            f"floor(({size} + {padded} - {kernel_size}) / {stride}) + 1 = {expected}: the "
            f"{size} x {size} input gives {expected} x {expected} outputs."
        )
    ring = kernel_size - 1  # one ring of (k - 1) / 2 zeros on each side
    mistakes = [
        ((size + padded - kernel_size) // stride, "Count the first position too: add 1."),
        (
            size + padded - kernel_size + 1,
            "The kernel jumps `stride` pixels at a time: divide by the stride, then add 1.",
        ),
        (
            size + ring - kernel_size + 1 if padding == "same" else expected,
            "The kernel jumps `stride` pixels at a time: divide by the stride, then add 1.",
        ),
        (
            (size - kernel_size) // stride + 1 if padding == "same" else expected,
            "With padding 'same' Keras first adds zeros, P in all along a side, so that the "
            "kernel can also sit on the border pixels: it slides over n + P pixels.",
        ),
        (
            (size + ring // 2 - kernel_size) // stride + 1 if padding == "same" else expected,
            "P counts the zeros on both sides of the input together, not those of one side.",
        ),
        (
            (size + ring - kernel_size) // stride + 1 if padding == "valid" else expected,
            "Padding 'valid' adds no zeros at all: P = 0.",
        ),
        (
            -(-(size + padded - kernel_size) // stride) + 1,
            "Round the division down (floor): the kernel never runs past the edge.",
        ),
        (
            -(-(size + ring - kernel_size) // stride) + 1 if padding == "same" else expected,
            "Round the division down (floor): the kernel never runs past the edge.",
        ),
    ]
    matches = [hint for value, hint in mistakes if number == value != expected]
    if matches:
        return _wrong(_hint_for(matches))
    return _wrong(
        "Hint: out = floor((n + P - k) / s) + 1, with n the input size, k the kernel size, "
        "P the zeros added along the side in all (before and after) and s the stride."
    )


def _image_2d(value: Any) -> np.ndarray | None:
    """``value`` as a 2-D array of floats, batch and channel axes of one dropped, or None."""
    array = _numeric_array(value)
    if array is None or array.size == 0:
        return None
    array = array.astype(float)
    while array.ndim > 2 and array.shape[0] == 1:
        array = array[0]
    while array.ndim > 2 and array.shape[-1] == 1:
        array = array[..., 0]
    return array if array.ndim == 2 else None


def _hint_for(matches: list[str]) -> str:
    """One hint, or the hints of several slips that all lead to the same wrong answer."""
    unique = list(dict.fromkeys(matches))
    if len(unique) == 1:
        return unique[0]
    return "More than one slip leads to this number. " + " Or: ".join(unique)


def _keras_conv(image: np.ndarray, kernel: np.ndarray, padding: str = "valid") -> np.ndarray:
    """What a Keras ``Conv2D`` with one filter, this 2-D ``kernel`` and no bias or activation
    gives for a 2-D ``image``."""
    import keras

    rows, cols = kernel.shape
    layer = keras.layers.Conv2D(1, (rows, cols), padding=padding, use_bias=False)
    layer.build((None, *image.shape, 1))
    layer.set_weights([kernel.reshape(rows, cols, 1, 1).astype("float32")])
    batch = image.reshape(1, *image.shape, 1).astype("float32")
    return np.asarray(keras.ops.convert_to_numpy(layer(batch)), dtype=float)[0, :, :, 0]


#: Exercise 3.4's kernel: top row 1, middle row 0, bottom row -1, a horizontal-edge detector.
HORIZONTAL_EDGE_KERNEL = np.array([[1, 1, 1], [0, 0, 0], [-1, -1, -1]], dtype="float32")


@_never_raises
def check_horizontal_edges(edges: Any, kernel: Any, digit: Any) -> Feedback:
    """Exercise 3.4: a horizontal-edge kernel (``kernel``) and its response to ``digit``
    (``edges``), worked out by hand. The check slides the kernel over the digit with a Keras
    ``Conv2D`` (valid padding, stride 1, no bias, no activation) and compares."""
    if edges is None and kernel is None:
        return UNANSWERED
    if kernel is None:
        return _wrong("Fill in `horizontal_kernel` with your kernel too.")
    weights = _image_2d(kernel)
    if weights is None or weights.shape != (3, 3):
        return _type_hint("horizontal_kernel", kernel, "a 3 x 3 array of weights")
    if np.allclose(weights, HORIZONTAL_EDGE_KERNEL.T):
        return _wrong(
            "That is the vertical-edge kernel from above. For horizontal edges the rows, "
            "not the columns, hold 1, 0 and -1."
        )
    if np.allclose(weights, -HORIZONTAL_EDGE_KERNEL):
        return _wrong(
            "The signs are the other way round: the top row holds 1 and the bottom row -1, "
            "as the exercise says."
        )
    if not np.allclose(weights, HORIZONTAL_EDGE_KERNEL):
        return _wrong(
            "The kernel should have a top row of 1s, a middle row of 0s and a bottom row "
            "of -1s: `np.array([[1, 1, 1], [0, 0, 0], [-1, -1, -1]])`."
        )
    if edges is None:
        return _wrong("The kernel is right. Now fill in `horizontal_edges`: slide it over `digit`.")
    image = _image_2d(digit)
    answer = _image_2d(edges)
    if image is None:
        return _wrong("`digit` should be the 28 x 28 image of the lesson.")
    if answer is None:
        return _type_hint("horizontal_edges", edges, "a 2-D array, one value per position")
    expected = _keras_conv(image, HORIZONTAL_EDGE_KERNEL)
    scale = max(1.0, float(np.abs(expected).max()))

    def near(candidate: np.ndarray) -> bool:
        return candidate.shape == answer.shape and bool(
            np.allclose(answer, candidate, rtol=0, atol=1e-4 * scale)
        )

    if answer.shape == image.shape and near(_keras_conv(image, HORIZONTAL_EDGE_KERNEL, "same")):
        return _wrong(
            f"This map is {answer.shape[0]} x {answer.shape[1]}: it pads the digit with "
            "zeros. Slide the kernel only where it fits inside the image, as `correlate` does."
        )
    if answer.shape != expected.shape:
        return _wrong(
            f"A 3 x 3 kernel fits in {expected.shape[0]} x {expected.shape[1]} positions on "
            f"the digit; your map is {answer.shape[0]} x {answer.shape[1]}."
        )
    if near(expected):
        return _correct(
            f"Your {expected.shape[0]} x {expected.shape[1]} map matches Keras's Conv2D with "
            "your kernel: dark along the upper edge of each horizontal stroke, light along "
            "its lower edge, and upright strokes barely register."
        )
    if near(-expected):
        return _wrong(
            "Light and dark are swapped: did you flip the kernel first, as the convolution of "
            "mathematics does? Conv2D slides it as it is."
        )
    if near(_keras_conv(image, HORIZONTAL_EDGE_KERNEL.T)):
        return _wrong("That is the vertical-edge map from above: slide your new kernel.")
    if near(_keras_conv(image.T, HORIZONTAL_EDGE_KERNEL).T) or near(expected.T):
        return _wrong("Rows and columns are swapped: keep the digit as it is.")
    if near(np.maximum(expected, 0)):
        return _wrong(
            "The negative values are gone: this layer has no activation (no relu), so keep "
            "every sum as it is."
        )
    if near(_keras_conv(image * 255, HORIZONTAL_EDGE_KERNEL)):
        return _wrong("Slide the kernel over `digit` as it is, with its pixels in [0, 1].")
    return _wrong(
        "These values differ from what Conv2D computes with your kernel. Hint: at each "
        "position, multiply the 3 x 3 pixels under the kernel by its weights and add the "
        "nine products."
    )


@_never_raises
def check_max_pool(answer: Any, feature_map: Any) -> Feedback:
    """Exercise 3.5: 2 x 2 max pooling of the small ``feature_map``, worked out by hand. The
    check pools it with a Keras ``MaxPooling2D((2, 2))`` and compares."""
    import keras

    if answer is None:
        return UNANSWERED
    grid = _image_2d(feature_map)
    array = _image_2d(answer)
    if array is None:
        return _type_hint("pooled_by_hand", answer, "a 2-D array or a list of rows")
    layer = keras.layers.MaxPooling2D(pool_size=(2, 2))
    batch = grid.reshape(1, *grid.shape, 1).astype("float32")
    expected = np.asarray(keras.ops.convert_to_numpy(layer(batch)), dtype=float)[0, :, :, 0]
    rows, cols = expected.shape
    blocks = grid[: 2 * rows, : 2 * cols].reshape(rows, 2, cols, 2).transpose(0, 2, 1, 3)
    blocks = blocks.reshape(rows, cols, 4)
    sliding = np.array(
        [
            [grid[i : i + 2, j : j + 2].max() for j in range(grid.shape[1] - 1)]
            for i in range(grid.shape[0] - 1)
        ]
    )

    def near(candidate: np.ndarray) -> bool:
        return candidate.shape == array.shape and bool(np.allclose(array, candidate, atol=1e-6))

    if near(expected):
        shown = ", ".join("[" + ", ".join(f"{value:g}" for value in row) + "]" for row in expected)
        return _correct(
            f"The largest value of each 2 x 2 block, [{shown}], as Keras's MaxPooling2D gives."
        )
    if near(sliding):
        return _wrong(
            "The windows do not overlap: 2 x 2 pooling moves 2 pixels at a time (stride 2), "
            f"so a {grid.shape[0]} x {grid.shape[1]} map gives {rows} x {cols} values."
        )
    if array.shape != expected.shape:
        return _wrong(
            f"2 x 2 pooling keeps one value per 2 x 2 block: a {grid.shape[0]} x "
            f"{grid.shape[1]} map gives {rows} x {cols} values; yours has {array.shape}."
        )
    mistakes = [
        (blocks.mean(axis=2), "That is the average of each block; max pooling keeps the largest."),
        (blocks.sum(axis=2), "That is the sum of each block; max pooling keeps the largest."),
        (
            blocks.min(axis=2),
            "That is the smallest value of each block; max pooling keeps the largest.",
        ),
        (expected.T, "Rows and columns are swapped: the first row holds the top two blocks."),
        (
            np.abs(blocks).max(axis=2),
            "Max pooling keeps the largest value, not the one furthest from 0: a negative "
            "value is smaller than any positive one.",
        ),
        (
            np.maximum(expected, 0),
            "Pooling applies no relu: a block of negative values keeps its largest, negative one.",
        ),
    ]
    for candidate, hint in mistakes:
        if near(candidate):
            return _wrong(hint)
    return _wrong(
        "Hint: cut the map into 2 x 2 blocks that do not overlap (rows 0-1 and 2-3, columns "
        "0-1 and 2-3) and keep the largest value of each, in the blocks' order."
    )


@_never_raises
def check_receptive_field(answer: Any, kernel_sizes: Any, strides: Any) -> Feedback:
    """Exercise 3.6: the width of the receptive field of one value after layers with these
    kernel (or pool) sizes and strides, in order, on the image (r = 1, j = 1 at the start;
    each layer: r_out = r_in + (k - 1) * j_in, j_out = j_in * s)."""
    if answer is None:
        return UNANSWERED
    if isinstance(answer, (tuple, list, np.ndarray)) and np.ndim(answer) == 1:
        sides = [_whole_number(side) for side in list(answer)]
        if len(sides) != 2 or None in sides:
            return _wrong("Give one whole number, or a pair (height, width) of whole numbers.")
        if sides[0] != sides[1]:
            return _wrong("Square kernels see square patches: the height and width are equal.")
        answer = sides[0]
    width = _whole_answer(answer, "deeper_field")
    if isinstance(width, Feedback):
        return width
    layers = [(int(k), int(s)) for k, s in zip(kernel_sizes, strides, strict=True)]

    def field(step: Callable[[int, int, int, int], tuple[int, int]]) -> int:
        r, j = 1, 1
        for k, s in layers:
            r, j = step(r, j, k, s)
        return r

    expected = field(lambda r, j, k, s: (r + (k - 1) * j, j * s))
    before = [(1, 1)]
    for k, s in layers:
        r, j = before[-1]
        before.append((r + (k - 1) * j, j * s))
    (r_in, j_in), (k, s) = before[-2], layers[-1]
    if width == expected:
        return _correct(
            f"r = {r_in} + ({k} - 1) x {j_in} = {expected}: one value of the last layer sees "
            f"a patch of {expected} x {expected} pixels of the image."
        )
    earlier_strides = [stride for _, stride in layers[:-1] if stride > 1]
    mistakes = [
        (r_in, "That is the field before the last layer: its kernel widens it further."),
        (
            r_in + (k - 1),
            "Each extra position of the kernel reaches one jump further, and the jump is no "
            "longer 1 here: r_out = r_in + (k - 1) x j_in.",
        ),
        (
            field(lambda r, j, k, s: (r + (k - 1), j)),
            "The jump grows with every stride (j_out = j_in x s): each pooling multiplied it.",
        ),
        (
            r_in + (k - 1) * (j_in // earlier_strides[-1]) if earlier_strides else expected,
            "Use the jump after the last pooling: each pooling multiplies it by its stride.",
        ),
        (
            field(lambda r, j, k, s: (r + (k - 1) * j * s, j * s)),
            "Use the jump of the layer's input, j_in, not the jump after it.",
        ),
        (
            r_in + k * j_in,
            "Add (k - 1) jumps, not k: the kernel's first position is the one the field "
            "already covers.",
        ),
        (r_in * k, "The field does not multiply: it grows by (k - 1) x j_in pixels."),
    ]
    matches = [hint for value, hint in mistakes if width == value and value != expected]
    if matches:
        return _wrong(_hint_for(matches))
    return _wrong(
        "Hint: start from r = 1 and j = 1 at the image, and go through the layers in order: "
        "r_out = r_in + (k - 1) x j_in, then j_out = j_in x s."
    )
