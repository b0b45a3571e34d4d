"""course_utils.checks: every check judges the answer against the lesson's data. It passes
the right answer in every form a student may write it, refuses every wrong answer (the
mistakes students really make among them) without giving the right one away, and never
raises, whatever it is given.

A section per lesson, in course order, as in the checks' modules (course_utils/checks/
lesson01.py ...): each exercise's table of answers (a Case) and the tests of that check
alone. The tests that run every table, and where each check lives, close the file.
"""

from __future__ import annotations

import functools
import importlib
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from course_utils import checks, models, project

import keras
import numpy as np
import pytest
from keras import layers

RNG = np.random.default_rng(2)
LABELS = RNG.integers(0, 10, 500)
IMAGES = RNG.integers(0, 256, (500, 28, 28), dtype=np.uint8)
IMAGES[::2] //= 2  # half the images never reach 255, as in MNIST
PREDICTED = np.where(RNG.random(500) < 0.9, LABELS, (LABELS + 1) % 10)
GARBAGE = [
    None, "seven", [1, 2], {"a": 1}, 3.5, True, float("nan"), float("inf"), -1,
    np.array([np.nan]), np.array([]), np.zeros((0, 28, 28, 1)), object(),
]  # fmt: skip


def passed(feedback: checks.Feedback) -> bool:
    assert isinstance(feedback, checks.Feedback)
    assert repr(feedback).startswith(feedback.verdict)
    assert feedback.verdict == (
        "Correct!" if feedback.passed else "Recorded." if feedback.recorded else "Not yet."
    )
    assert feedback._repr_markdown_().startswith(
        "✅" if feedback.passed else "📝" if feedback.recorded else "❌"
    )
    return feedback.passed


class Case(NamedTuple):
    """One check with the lesson's data bound: ``judge(answer)`` gives its feedback."""

    judge: Callable[[Any], checks.Feedback]
    right: dict[str, Any]  # the right answer, written every way a student may write it
    wrong: dict[str, tuple[Any, str]]  # wrong answers, each with a part of its hint
    secrets: tuple[str, ...] = ()  # the right answer as text: no wrong answer's hint shows it
    unanswered: Any = None  # the exercise as the student edition leaves it


class FixedReader:
    """A stand-in network that reads every image as ``digit``."""

    def __init__(self, digit: int) -> None:
        self.digit = digit

    def predict(self, batch: np.ndarray, verbose: int = 0, batch_size: int = 32) -> np.ndarray:
        return np.eye(10)[[self.digit] * len(batch)]


class PooledReader:
    """A stand-in network: sums the ink in blocks of ``block`` x ``block`` pixels and weighs
    the sums, so that it reads digits moved a little as it reads them in place."""

    def __init__(self, seed: int, block: int) -> None:
        self.block = block
        self.weights = np.random.default_rng(seed).normal(size=((28 // block) ** 2, 10))

    def predict(self, batch: np.ndarray, verbose: int = 0, batch_size: int = 32) -> np.ndarray:
        side = 28 // self.block
        sums = np.asarray(batch, dtype=float).reshape(len(batch), side, self.block, side, -1)
        features = sums.sum(axis=(2, 4)).reshape(len(batch), -1)
        return (features - features.mean(axis=1, keepdims=True)) @ self.weights


# --- lesson 1 ------------------------------------------------------------------------------

SEVENS = int(np.sum(LABELS == 7))
THREES = IMAGES[LABELS == 3]
DIGIT_COUNT = Case(
    lambda answer: checks.check_digit_count(answer, LABELS, 7),
    {
        "int": SEVENS,
        "numpy int64": np.int64(SEVENS),
        "numpy int32": np.int32(SEVENS),
        "float": float(SEVENS),
        "0-d array": np.array(SEVENS),
        "1-element array": np.sum(LABELS[:, None] == 7, axis=0),
    },
    {
        "one too many": (SEVENS + 1, "is not it"),
        "one too few": (SEVENS - 1, "is not it"),
        "all images": (len(LABELS), "number of all images"),
        "the sixes": (int(np.sum(LABELS == 6)), "another digit"),
        "a share": (SEVENS / len(LABELS), "whole number"),
        "a percentage": (100 * SEVENS / len(LABELS), "whole number"),
        "text": (str(SEVENS), "whole number"),
    },
    (f"{SEVENS:,}", str(SEVENS)),
)
DIGIT_SELECTION = Case(
    lambda answer: checks.check_digit_selection(answer, IMAGES, LABELS, 3, 5),
    {
        "uint8 array": THREES[:5],
        "float32 copy": THREES[:5].astype("float32"),
        "int64 copy": THREES[:5].astype(np.int64),
        "list of images": list(THREES[:5]),
        "tuple of images": tuple(THREES[:5]),
        "nested lists": THREES[:5].tolist(),
    },
    {
        "not threes": (IMAGES[:5], "not the first 5"),
        "the last five threes": (THREES[-5:], "not the first 5"),
        "one place later": (THREES[1:6], "not the first 5"),
        "reversed": (THREES[:5][::-1], "another order"),
        "rescaled": (THREES[:5] / 255, "rescaled"),
        "one image short": (THREES[:4], "shape (5, 28, 28)"),
        "one image too many": (THREES[:6], "shape (5, 28, 28)"),
        "with a channel axis": (THREES[:5, ..., None], "shape (5, 28, 28)"),
        "zeros of the right shape": (np.zeros((5, 28, 28)), "not the first 5"),
        "one pixel changed": (np.where(np.arange(28) == 0, 7, THREES[:5]), "not the first 5"),
        "transposed": (THREES[:5].transpose(0, 2, 1), "not the first 5"),
        "the eights": (IMAGES[LABELS == 8][:5], "not the first 5"),
    },
)

# --- lesson 2 ------------------------------------------------------------------------------

READY = IMAGES.reshape(-1, 28, 28, 1).astype("float32") / 255
ONE_HOT = keras.utils.to_categorical(LABELS, 10)
SHUFFLE = RNG.permutation(len(LABELS))


def preparing(images: Callable[[np.ndarray], Any], labels: Callable[[np.ndarray], Any]) -> Any:
    """A student's ``prepare``: ``images`` and ``labels`` turn the raw arrays it is given."""
    return lambda raw_images, raw_labels: (images(raw_images), labels(raw_labels))


def steps(images: np.ndarray) -> np.ndarray:
    """Lesson 2's steps for the images, written as the solution writes them."""
    return images.reshape(-1, 28, 28, 1).astype("float32") / 255


def one_hot(labels: np.ndarray) -> np.ndarray:
    return keras.utils.to_categorical(labels, num_classes=10)


def prepare_as_the_solution(images: np.ndarray, labels: np.ndarray) -> tuple:
    images = images.reshape(-1, 28, 28, 1).astype("float32") / 255
    return images, keras.utils.to_categorical(labels, num_classes=10)


def prepare_in_place(images: np.ndarray, labels: np.ndarray) -> tuple:
    images /= 255  # uint8 cannot hold the quotients: NumPy raises
    return images, labels


def shuffled(array: np.ndarray) -> np.ndarray:
    return array[np.random.default_rng(1).permutation(len(array))]


PREPROCESSED = Case(
    lambda answer: checks.check_preprocessed(answer, IMAGES, LABELS),
    {
        "the solution's function": prepare_as_the_solution,
        "float64 images": preparing(lambda x: x[..., None] / 255.0, one_hot),
        "np.eye labels": preparing(steps, lambda y: np.eye(10)[y]),
        "integer one-hot labels": preparing(steps, lambda y: one_hot(y).astype(int)),
        "keras.ops.one_hot tensor": preparing(steps, lambda y: keras.ops.one_hot(y, 10)),
        "expand_dims": preparing(lambda x: np.expand_dims(x, -1).astype("float32") / 255, one_hot),
        "nested lists": preparing(lambda x: steps(x).tolist(), lambda y: one_hot(y).tolist()),
        "returns a list": lambda x, y: [steps(x), one_hot(y)],
    },
    {
        "the lesson's prepared arrays": (lambda x, y: (READY, ONE_HOT), "nothing else"),
        "the arrays, not the function": ((READY, ONE_HOT), "the function itself"),
        "the lesson's arrays, cut to size": (
            lambda x, y: (READY[: len(x)], ONE_HOT[: len(y)]),
            "start from its argument `images`",
        ),
        "the raw labels of the whole set": (
            lambda x, y: (steps(x), one_hot(LABELS)),
            "500 labels for the 250",
        ),
        "divided by 255 twice": (preparing(lambda x: steps(x) / 255, one_hot), "twice"),
        "not divided": (preparing(lambda x: steps(x) * 255, one_hot), "not rescaled"),
        "still uint8": (preparing(lambda x: x.reshape(-1, 28, 28, 1), one_hot), "still uint8"),
        "channel axis missing": (
            preparing(lambda x: x.astype("float32") / 255, one_hot),
            "channel axis is missing",
        ),
        "channel axis first": (
            preparing(lambda x: steps(x).reshape(-1, 1, 28, 28), one_hot),
            "comes first",
        ),
        "flat images": (preparing(lambda x: steps(x).reshape(-1, 784), one_hot), "(n, 28, 28, 1)"),
        "labels still digits": (preparing(steps, lambda y: y), "still digits, not one-hot"),
        "labels as a column": (preparing(steps, lambda y: y[:, None]), "still digits"),
        "one-hot twice the size": (preparing(steps, lambda y: one_hot(y) * 2), "single 1"),
        "labels one place off": (preparing(steps, lambda y: one_hot((y + 1) % 10)), "place off"),
        "labels out of order": (preparing(steps, lambda y: one_hot(shuffled(y))), "out of order"),
        "images out of order": (preparing(lambda x: steps(shuffled(x)), one_hot), "another order"),
        "one image short": (preparing(lambda x: steps(x)[:-1], one_hot), "prepare all of them"),
        "one label short": (preparing(steps, lambda y: one_hot(y)[:-1]), "one row per image"),
        "eleven classes": (
            preparing(steps, lambda y: keras.utils.to_categorical(y, 11)),
            "one row per image",
        ),
        "each image by its own largest pixel": (
            preparing(lambda x: steps(x) / steps(x).max(axis=(1, 2, 3), keepdims=True), one_hot),
            "not those of the raw images",
        ),
        "standardised": (
            preparing(lambda x: (steps(x) - steps(x).mean()) / steps(x).std(), one_hot),
            "not rescaled",
        ),
        "inverted": (preparing(lambda x: 1 - steps(x), one_hot), "not those of the raw images"),
        "zeros of the right shape": (
            preparing(lambda x: np.zeros_like(steps(x)), one_hot),
            "not those of the raw images",
        ),
        "other images": (
            preparing(lambda x: np.roll(steps(x), 1, axis=2), one_hot),
            "not those of the raw",
        ),
        "NaN": (preparing(lambda x: np.full_like(steps(x), np.nan), one_hot), "NaN"),
        "text": (preparing(lambda x: "images", lambda y: "labels"), "arrays of numbers"),
        "one thing returned": (lambda x, y: steps(x), "two things"),
        "divides uint8 in place": (prepare_in_place, "raised"),
        "no function": ("prepare", "a function"),
    },
)

# The first epoch of lesson 2's exercise 2.2, as `models.train_seed_cnn` returned it on
# TensorFlow (seed 42): rescaled pixels, then raw ones. On JAX and PyTorch the raw run did
# far worse (10% to 40% validation accuracy), with a training loss 10 to 15 times as high.
RESCALED_RUN = {
    "accuracy": [0.7242],
    "loss": [0.9765],
    "val_accuracy": [0.906],
    "val_loss": [0.3286],
}
RAW_RUN = {"accuracy": [0.6444], "loss": [4.1315], "val_accuracy": [0.884], "val_loss": [0.3894]}
RAW_RUN_FAILED = {
    "accuracy": [0.0987],
    "loss": [14.5233],
    "val_accuracy": [0.1],
    "val_loss": [14.51],
}
RESCALED_OTHER_SEED = {
    "accuracy": [0.6931], "loss": [1.0224], "val_accuracy": [0.888], "val_loss": [0.3477]
}  # fmt: skip
DIVIDED_TWICE = {"accuracy": [0.2], "loss": [2.21], "val_accuracy": [0.35], "val_loss": [2.05]}


def history_object(history: dict[str, list]) -> keras.callbacks.History:
    """A Keras ``History`` holding ``history``, as ``fit`` returns it."""
    callback = keras.callbacks.History()
    callback.history = history
    return callback


def edited(history: dict[str, list], **changes: list) -> dict[str, list]:
    """``history`` with some of its figures replaced."""
    return {**history, **changes}


def without(history: dict[str, list], *keys: str) -> dict[str, list]:
    return {key: value for key, value in history.items() if key not in keys}


def two_epochs(history: dict[str, list]) -> dict[str, list]:
    """``history`` with a second epoch, a little better than the first."""
    return {key: [*values, values[-1] * (0.8 if "loss" in key else 1.01)]
            for key, values in history.items()}  # fmt: skip


RESCALING = Case(
    lambda answer: checks.check_rescaling_experiment(*answer),
    {
        "the histories train_seed_cnn returns": (RESCALED_RUN, RAW_RUN),
        "Keras History objects": (history_object(RESCALED_RUN), history_object(RAW_RUN)),
        "NumPy float32 values": (
            {key: list(np.float32(values)) for key, values in RESCALED_RUN.items()},
            {key: np.array(values) for key, values in RAW_RUN.items()},
        ),
        "a raw run that failed, as on PyTorch": (RESCALED_RUN, RAW_RUN_FAILED),
        "two epochs each": (two_epochs(RESCALED_RUN), two_epochs(RAW_RUN)),
    },
    {
        "typed accuracies": ((0.99, 0.10), "whole history"),
        "the accuracies read from the histories": ((0.906, 0.884), "whole history"),
        "the validation accuracies of every epoch": (([0.906], [0.884]), "whole history"),
        "the same history twice": ((RESCALED_RUN, RESCALED_RUN), "identical"),
        "swapped": ((RAW_RUN, RESCALED_RUN), "swapped"),
        "both rescaled": ((RESCALED_RUN, RESCALED_OTHER_SEED), "not divided by 255?"),
        "divided by 255 twice": ((DIVIDED_TWICE, RAW_RUN), "divide by 255 only once"),
        "raw missing": ((RESCALED_RUN, None), "Fill in `raw`"),
        "no validation": ((RESCALED_RUN, without(RAW_RUN, "val_loss", "val_accuracy")), "split"),
        "no accuracy metric": ((without(RESCALED_RUN, "accuracy"), RAW_RUN), "metrics"),
        "different epochs": ((two_epochs(RESCALED_RUN), RAW_RUN), "same number of epochs"),
        "a failed run's NaN": ((RESCALED_RUN, edited(RAW_RUN, loss=[np.nan])), "not numbers"),
        "percentages in a history": (
            (edited(RESCALED_RUN, val_accuracy=[90.6]), RAW_RUN),
            "outside [0, 1]",
        ),
        "one value too few": ((edited(RESCALED_RUN, loss=[]), RAW_RUN), "one number per epoch"),
        "the models": ((models.build_seed_cnn(), models.build_seed_cnn()), "history of the"),
        "the model and the history": (
            ((models.build_seed_cnn(), RESCALED_RUN), (models.build_seed_cnn(), RAW_RUN)),
            "returns the model first",
        ),
        "text": (("rescaled", "raw"), "history of the training"),
    },
    unanswered=(None, None),
)
RESCALING_RECORDED = {
    "raw ahead, beyond the noise": (
        (RESCALED_RUN, edited(RAW_RUN, val_accuracy=[0.96])),
        "an unusual run",
    ),
}

# --- lesson 3 ------------------------------------------------------------------------------

CONV_PARAMETERS = Case(
    lambda answer: checks.check_conv_parameters(answer, filters=64, kernel_size=5, channels=1),
    {"int": 1664, "numpy int64": np.int64(1664), "float": 1664.0, "0-d array": np.array(1664)},
    {
        "weights only": (1600, "Each filter also has one bias"),
        "one bias for the layer": (1601, "a bias of its own"),
        "one too many": (1665, "Hint: each filter"),
        "one too few": (1663, "Hint: each filter"),
        "a 3 x 3 kernel": (640, "Hint: each filter"),
        "biases counted twice": (1728, "Hint: each filter"),
        "not whole": (1664.5, "whole number"),
        "text": ("1664", "whole number"),
    },
    ("1664", "1,664"),
)


def slim_layers(
    units: int = 64, dropout: float | None = 0.25, softmax: bool = True, relu: bool = True
) -> list:
    """The seed network's layers with ``units`` hidden units, written as lesson 3 writes them."""
    return [
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, (3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(32, (3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        *([layers.Dropout(dropout)] if dropout is not None else []),
        layers.Flatten(),
        layers.Dense(units, activation="relu" if relu else None),
        layers.Dense(10, activation="softmax" if softmax else None),
    ]


def slim_written_another_way(form: str) -> keras.Model:
    """The slim network in a form other than the solution's."""
    if form == "functional":
        inputs = keras.Input(shape=(28, 28, 1))
        x = inputs
        for layer in slim_layers()[1:]:
            x = layer(x)
        return keras.Model(inputs, x)
    if form == "softmax layer":
        return keras.Sequential([*slim_layers(softmax=False), layers.Activation("softmax")])
    if form == "Softmax and ReLU layers":
        hidden = slim_layers(relu=False, softmax=False)
        return keras.Sequential([*hidden[:-1], layers.ReLU(), hidden[-1], layers.Softmax()])
    if form == "tuple, int kernel sizes, activation functions":
        return keras.Sequential(
            (
                keras.Input(shape=(28, 28, 1)),
                layers.Conv2D(32, 3, activation=keras.activations.relu),
                layers.MaxPooling2D(2),
                layers.Conv2D(32, 3, activation="relu"),
                layers.MaxPooling2D((2, 2)),
                layers.Dropout(0.25),
                layers.Flatten(),
                layers.Dense(64, activation=keras.activations.relu),
                layers.Dense(10, activation=keras.activations.softmax),
            )
        )
    return keras.Sequential(slim_layers())


SLIM = 61_482  # 320 + 9,248 + 51,264 + 650, as lesson 3's solution works it out
SLIM_MODEL = Case(
    lambda answer: checks.check_slim_model(*answer),
    {
        "the solution": (slim_written_another_way("solution"), SLIM),
        "functional": (slim_written_another_way("functional"), np.int64(SLIM)),
        "softmax layer": (slim_written_another_way("softmax layer"), float(SLIM)),
        "Softmax and ReLU layers": (slim_written_another_way("Softmax and ReLU layers"), SLIM),
        "tuple, int kernel sizes, activation functions": (
            slim_written_another_way("tuple, int kernel sizes, activation functions"),
            np.array(SLIM),
        ),
    },
    {
        "the seed network, its count": ((models.build_seed_cnn(), 113_386), "128 units"),
        "the seed network, the slim count": ((models.build_seed_cnn(), SLIM), "128 units"),
        "the seed network's count": ((keras.Sequential(slim_layers()), 113_386), "seed network"),
        "output layer unchanged": ((keras.Sequential(slim_layers()), SLIM + 640), "output layer"),
        "no biases": ((keras.Sequential(slim_layers()), SLIM - 138), "biases"),
        "one too many": ((keras.Sequential(slim_layers()), SLIM + 1), "one by one"),
        "unanswered count": ((keras.Sequential(slim_layers()), None), "predict its parameter"),
        "32 units": ((keras.Sequential(slim_layers(32)), 30_698), "layers differ"),
        "no dropout": ((keras.Sequential(slim_layers(dropout=None)), SLIM), "Dropout"),
        "dropout 0.5": ((keras.Sequential(slim_layers(dropout=0.5)), SLIM), "0.25"),
        "no softmax": ((keras.Sequential(slim_layers(softmax=False)), SLIM), "softmax"),
        "no relu": ((keras.Sequential(slim_layers(relu=False)), SLIM), "activation"),
        "flat input": (
            (keras.Sequential([keras.Input((784,)), layers.Dense(10, activation="softmax")]), 7850),
            "(None, 28, 28, 1)",
        ),
        "five outputs": (
            (
                keras.Sequential(
                    [keras.Input((28, 28, 1)), layers.Flatten(), layers.Dense(5, "softmax")]
                ),
                3925,
            ),
            "10 outputs",
        ),
        "no input": (
            (keras.Sequential([layers.Dense(10, activation="softmax")]), SLIM),
            "keras.Input",
        ),
        "not a model": (("slim_model", SLIM), "Keras model"),
        "count not whole": ((keras.Sequential(slim_layers()), SLIM + 0.5), "whole number"),
    },
    ("61482", "61,482"),
    unanswered=(None, None),
)


# Exercise 3.3: the output size, a table of settings as Keras computes them, then slips.
# (size, kernel_size, stride, padding) -> the right output size.
OUTPUT_SIZES = {
    (28, 5, 2, "same"): 14,
    (28, 5, 2, "valid"): 12,
    (28, 3, 1, "valid"): 26,  # the seed network's first convolution
    (13, 3, 1, "valid"): 11,  # and its second
    (28, 3, 1, "same"): 28,
}


def keras_output_size(size: int, kernel_size: int, stride: int, padding: str) -> int:
    layer = keras.layers.Conv2D(1, kernel_size, strides=stride, padding=padding)
    return layer.compute_output_shape((None, size, size, 1))[1]


@pytest.mark.parametrize("setting, expected", OUTPUT_SIZES.items(), ids=str)
def test_output_size_table_matches_keras(setting: tuple, expected: int) -> None:
    assert keras_output_size(*setting) == expected


@pytest.mark.parametrize("setting, expected", OUTPUT_SIZES.items(), ids=str)
def test_output_size_passes_the_right_value_in_any_form(setting: tuple, expected: int) -> None:
    for answer in (expected, np.int64(expected), np.int32(expected), float(expected),
                   (expected, expected), [expected, expected], np.array([expected, expected]),
                   np.array(expected)):  # fmt: skip
        feedback = checks.check_output_size(answer, *setting)
        assert passed(feedback), (answer, feedback)
        assert f"{expected} x {expected} outputs" in feedback.message


# Wrong answers for a 28 x 28 input and a 5 x 5 kernel with stride 2, each with a word of
# the hint it must get. Padding 'same' should give 14, padding 'valid' 12.
WRONG_OUTPUT_SIZES = [
    ("same", 13, "add 1"),  # forgot the + 1: (28 + 4 - 5) // 2; or:
    ("same", 13, "both sides of the input together"),  # one side's zeros: (28 + 2 - 5) // 2 + 1
    ("same", 15, "Round the division down"),  # ceil instead of floor, one ring: 27 / 2
    ("same", 12, "With padding 'same' Keras first adds zeros"),  # forgot the padding
    ("same", 28, "divide by the stride"),  # forgot the stride
    ("same", 27, "divide by the stride"),  # forgot the stride, Keras's zeros
    ("same", 26, "Hint: out = floor"),  # forgot the stride and the + 1
    ("same", 16, "Hint: out = floor"),  # 28 // 2 + 2: a guess
    ("valid", 11, "add 1"),  # off by one, low
    ("valid", 13, "Round the division down"),  # off by one, high
    ("valid", 24, "divide by the stride"),  # forgot the stride
    ("valid", 14, "Padding 'valid' adds no zeros"),  # padded although 'valid'
    ("valid", 23, "Hint: out = floor"),  # n - k alone
    ("valid", 12.5, "round the division down"),  # no floor at all
    ("valid", (12, 11), "should be equal"),
    ("valid", (None, 12, 12, 1), "a pair (height, width)"),
    ("valid", 0, "positive whole number"),
    ("valid", "12", "whole number"),
]


@pytest.mark.parametrize("padding, answer, hint", WRONG_OUTPUT_SIZES, ids=str)
def test_output_size_refuses_wrong_answers_without_revealing(padding, answer, hint) -> None:
    expected = {"same": 14, "valid": 12}[padding]
    feedback = checks.check_output_size(answer, size=28, kernel_size=5, stride=2, padding=padding)
    assert not passed(feedback), (answer, feedback)
    assert hint in feedback.message, (answer, feedback.message)
    assert str(expected) not in feedback.message.replace(str(answer), ""), feedback.message


def test_output_size_padding_counted_once_is_refused() -> None:
    feedback = checks.check_output_size(25, size=28, kernel_size=7, stride=1, padding="same")
    assert "both sides of the input together" in feedback.message  # (28 + 3 - 7) + 1: one side
    assert "More than one" not in feedback.message  # only one slip gives 25
    unknown = checks.check_output_size(12, size=28, kernel_size=5, padding="full")
    assert not passed(unknown) and "padding must be 'valid' or 'same'" in unknown.message


def test_output_size_reads_a_tensor_that_requires_grad() -> None:
    torch = pytest.importorskip("torch")
    for answer in (
        torch.tensor(14.0, requires_grad=True),
        torch.tensor([14.0, 14.0], requires_grad=True),
    ):
        assert passed(checks.check_output_size(answer, 28, 5, 2, "same")), answer
    wrong = checks.check_output_size(torch.tensor(13.0, requires_grad=True), 28, 5, 2, "same")
    assert not passed(wrong) and "add 1" in wrong.message


@pytest.mark.parametrize("garbage", GARBAGE, ids=lambda value: type(value).__name__)
def test_output_size_garbage_never_raises(garbage: object) -> None:
    feedback = checks.check_output_size(garbage, size=28, kernel_size=5, stride=2, padding="same")
    assert not passed(feedback) and feedback.message
    assert "14" not in feedback.message


def correlate(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Lesson 3's sums of products, written with slices instead of loops."""
    rows, cols = image.shape[0] - kernel.shape[0] + 1, image.shape[1] - kernel.shape[1] + 1
    return sum(
        kernel[i, j] * image[i : i + rows, j : j + cols]
        for i in range(kernel.shape[0])
        for j in range(kernel.shape[1])
    )


EDGE_DIGIT = READY[0, :, :, 0].astype(np.float64)  # lesson 3's `digit`: one 28 x 28 image
HORIZONTAL = np.array([[1, 1, 1], [0, 0, 0], [-1, -1, -1]])
VERTICAL = HORIZONTAL.T  # lesson 3's kernel: columns of 1, 0 and -1
EDGES = correlate(EDGE_DIGIT, HORIZONTAL)
HORIZONTAL_EDGES = Case(
    lambda answer: checks.check_horizontal_edges(*answer, EDGE_DIGIT),
    {
        "arrays": (EDGES, HORIZONTAL),
        "a list kernel, float32 map": (EDGES.astype("float32"), HORIZONTAL.tolist()),
        "batch and channel axes, as Keras gives": (EDGES[None, :, :, None], HORIZONTAL[..., None]),
        "the vertical kernel turned": (EDGES, np.rot90(VERTICAL, -1)),
        "a Keras tensor": (
            keras.ops.convert_to_tensor(EDGES[None, :, :, None].astype("float32")),
            keras.ops.convert_to_tensor(HORIZONTAL.astype("float32")),
        ),
    },
    {
        "the vertical kernel": (
            (correlate(EDGE_DIGIT, VERTICAL), VERTICAL),
            "vertical-edge kernel",
        ),
        "signs swapped": ((-EDGES, -HORIZONTAL), "other way round"),
        "another kernel": ((EDGES, np.ones((3, 3))), "top row of 1s"),
        "a 2 x 2 kernel": ((EDGES, np.ones((2, 2))), "3 x 3 array"),
        "the kernel flipped first": (
            (correlate(EDGE_DIGIT, HORIZONTAL[::-1, ::-1]), HORIZONTAL),
            "flip the kernel",
        ),
        "the vertical edges": ((correlate(EDGE_DIGIT, VERTICAL), HORIZONTAL), "vertical-edge map"),
        "zeros around the digit": (
            (correlate(np.pad(EDGE_DIGIT, 1), HORIZONTAL), HORIZONTAL),
            "pads the digit",
        ),
        "rows and columns swapped": ((EDGES.T, HORIZONTAL), "Rows and columns are swapped"),
        "relu applied": ((np.maximum(EDGES, 0), HORIZONTAL), "negative values are gone"),
        "pixels up to 255": (
            (correlate(EDGE_DIGIT * 255, HORIZONTAL), HORIZONTAL),
            "in [0, 1]",
        ),
        "stride 2": ((EDGES[::2, ::2], HORIZONTAL), "26 x 26 positions"),
        "zeros": ((np.zeros((26, 26)), HORIZONTAL), "Hint: at each position"),
        "kernel missing": ((EDGES, None), "Fill in `horizontal_kernel`"),
        "map missing": ((None, HORIZONTAL), "fill in `horizontal_edges`"),
        "kernel as text": ((EDGES, "horizontal"), "3 x 3 array"),
        "map as text": (("edges", HORIZONTAL), "a 2-D array"),
    },
    unanswered=(None, None),
)

FEATURE_MAP = np.array([[1, 5, 2, 0], [3, 2, 6, 1], [0, 4, -1, -3], [2, 1, -2, -5]])
POOLED_BY_HAND = [[5, 6], [4, -1]]
MAX_POOL = Case(
    lambda answer: checks.check_max_pool(answer, FEATURE_MAP),
    {
        "list of rows": POOLED_BY_HAND,
        "integer array": np.array(POOLED_BY_HAND),
        "float array": np.array(POOLED_BY_HAND, dtype=float),
        "tuples": ((5, 6), (4, -1)),
        "as Keras gives it": np.array(POOLED_BY_HAND, dtype="float32")[None, :, :, None],
        "reshaped blocks": FEATURE_MAP.reshape(2, 2, 2, 2).max(axis=(1, 3)),
    },
    {
        "windows that overlap": (
            [[5, 6, 6], [4, 6, 6], [4, 4, -1]],
            "do not overlap",
        ),
        "the average": ([[2.75, 2.25], [1.75, -2.75]], "average"),
        "the sum": ([[11, 9], [7, -11]], "sum of each block"),
        "the smallest": ([[1, 0], [0, -5]], "smallest value"),
        "rows and columns swapped": ([[5, 4], [6, -1]], "Rows and columns are swapped"),
        "the size, not the value": ([[5, 6], [4, 5]], "furthest from 0"),
        "a relu too": ([[5, 6], [4, 0]], "no relu"),
        "one value off": ([[5, 6], [4, 1]], "Hint: cut the map"),
        "the map itself": (FEATURE_MAP, "one value per 2 x 2 block"),
        "the largest of all": ([[6]], "one value per 2 x 2 block"),
        "one row": ([5, 6, 4, -1], "2-D array"),
        "text": ("5 6 4 -1", "2-D array"),
    },
    ("[[5, 6], [4, -1]]",),
)

# The seed network's layers up to its second pooling, then a third 3 x 3 convolution.
DEEPER = {"kernel_sizes": [3, 2, 3, 2, 3], "strides": [1, 2, 1, 2, 1]}
RECEPTIVE_FIELD = Case(
    lambda answer: checks.check_receptive_field(answer, **DEEPER),
    {
        "int": 18,
        "numpy int64": np.int64(18),
        "float": 18.0,
        "pair": (18, 18),
        "array pair": np.array([18, 18]),
    },  # fmt: skip
    {
        "the field before the convolution": (10, "before the last layer"),
        "the jump left out at the last layer": (12, "no longer 1 here"),
        "the jump never grown": (9, "grows with every stride"),
        "the jump before the second pooling": (14, "after the last pooling"),
        "the jump after each layer": (21, "not the jump after it"),
        "k jumps, not k - 1": (22, "not k"),
        "the field multiplied": (30, "does not multiply"),
        "the whole image": (28, "Hint: start from r = 1"),
        "one short": (17, "Hint: start from r = 1"),
        "unequal sides": ((18, 17), "height and width are equal"),
        "not whole": (18.5, "whole number"),
        "text": ("18", "whole number"),
    },
    ("18",),
)

# --- lesson 4 ------------------------------------------------------------------------------


def compiled(loss: Any, softmax: bool = True) -> keras.Model:
    """The seed network (without softmax at the end if not ``softmax``), compiled with
    ``loss``."""
    model = (
        models.build_seed_cnn() if softmax else keras.Sequential(slim_layers(128, softmax=False))
    )
    if loss is not None:
        model.compile(loss=loss, optimizer="adam", metrics=["accuracy"])
    return model


LOSS = Case(
    checks.check_loss_for_integer_labels,
    {
        "text": compiled("sparse_categorical_crossentropy"),
        "class name": compiled("SparseCategoricalCrossentropy"),
        "object": compiled(keras.losses.SparseCategoricalCrossentropy()),
        "function": compiled(keras.losses.sparse_categorical_crossentropy),
        "own function": compiled(lambda y, p: keras.losses.sparse_categorical_crossentropy(y, p)),
        "no softmax, the loss told so": compiled(
            keras.losses.SparseCategoricalCrossentropy(from_logits=True), softmax=False
        ),
        "no softmax, own function told so": compiled(
            lambda y, p: keras.losses.sparse_categorical_crossentropy(y, p, from_logits=True),
            softmax=False,
        ),
    },
    {
        "categorical, text": (compiled("categorical_crossentropy"), "one-hot"),
        "categorical, object": (compiled(keras.losses.CategoricalCrossentropy()), "one-hot"),
        "categorical, function": (compiled(keras.losses.categorical_crossentropy), "one-hot"),
        "from logits after softmax": (
            compiled(keras.losses.SparseCategoricalCrossentropy(from_logits=True)),
            "this one ends with softmax",
        ),
        "no softmax, the loss not told": (
            compiled("sparse_categorical_crossentropy", softmax=False),
            "ends without softmax",
        ),
        "no softmax, a loss object not told": (
            compiled(keras.losses.SparseCategoricalCrossentropy(), softmax=False),
            "ends without softmax",
        ),
        "no softmax, categorical from logits": (
            compiled(keras.losses.CategoricalCrossentropy(from_logits=True), softmax=False),
            "one-hot",
        ),
        "mean squared error": (compiled("mse"), "does not compare"),
        "binary cross-entropy": (compiled("binary_crossentropy"), "does not compare"),
        "KL divergence, made for one-hot labels": (compiled("kl_divergence"), "one-hot"),
        "not compiled": (compiled(None), "not compiled"),
        "flat input": (
            keras.Sequential([keras.Input((784,)), layers.Dense(10, activation="softmax")]),
            "(None, 28, 28, 1)",
        ),
        "not a model": ("sparse_categorical_crossentropy", "Keras model"),
    },
)

# Exercise 4.2 as its solution ran it on TensorFlow (seed 42): 30 epochs on 1,000 images,
# validated on 500, without dropout. Seeds 0 and 1 gave the same picture: training accuracy
# 1.000, a gap of 8.4 to 9.2 points, the validation loss lowest after epoch 10 to 19 and
# 21% to 22% above that by epoch 30.
OVERFITTED = {
    "accuracy": [0.416, 0.759, 0.852, 0.901, 0.93, 0.949, 0.955, 0.962, 0.969, 0.972, 0.976,
                 0.979, 0.984, 0.988, 0.985, 0.989, 0.995, 0.996, 0.999, *[1.0] * 11],
    "loss": [2.0703, 1.0696, 0.487, 0.3475, 0.2728, 0.2208, 0.1746, 0.1433, 0.1182, 0.0979,
             0.0813, 0.0707, 0.0601, 0.0519, 0.0504, 0.0412, 0.0277, 0.018, 0.0123, 0.0078,
             0.0068, 0.0055, 0.0049, 0.0043, 0.0038, 0.0035, 0.003, 0.0028, 0.0025, 0.0023],
    "val_accuracy": [0.662, 0.78, 0.846, 0.876, 0.888, 0.894, 0.904, 0.914, 0.912, 0.908,
                     0.912, 0.918, 0.918, 0.92, 0.908, 0.896, 0.91, 0.93, 0.914, 0.916, 0.918,
                     0.918, 0.922, 0.916, 0.922, 0.914, 0.92, 0.916, 0.92, 0.916],
    "val_loss": [1.6482, 0.7928, 0.5449, 0.4224, 0.3944, 0.3572, 0.3322, 0.3088, 0.308, 0.298,
                 0.281, 0.2585, 0.2574, 0.2548, 0.2952, 0.3512, 0.3071, 0.2671, 0.291, 0.2812,
                 0.2922, 0.288, 0.2913, 0.2992, 0.2929, 0.3055, 0.298, 0.3082, 0.3053, 0.3108],
}  # fmt: skip
# The same run with the seed network's Dropout(0.25) left in: the validation loss still
# wobbles near its lowest, reached in epoch 27.
WITH_DROPOUT = {
    "accuracy": [0.336, 0.693, 0.825, 0.885, 0.919, 0.93, 0.939, 0.951, 0.956, 0.959, 0.961,
                 0.971, 0.973, 0.977, 0.977, 0.982, 0.989, 0.985, 0.986, 0.993, 0.992, 0.991,
                 0.989, 0.995, 0.994, 0.997, 0.995, 0.998, 0.998, 0.994],
    "loss": [2.1042, 1.166, 0.5702, 0.4042, 0.3102, 0.2599, 0.2255, 0.1788, 0.1535, 0.1408,
             0.1293, 0.1006, 0.0912, 0.074, 0.0764, 0.0692, 0.0486, 0.0449, 0.0468, 0.035,
             0.0323, 0.0305, 0.0334, 0.0244, 0.0211, 0.0226, 0.018, 0.0115, 0.0133, 0.0229],
    "val_accuracy": [0.604, 0.78, 0.854, 0.876, 0.906, 0.914, 0.91, 0.906, 0.918, 0.924,
                     0.922, 0.922, 0.93, 0.924, 0.922, 0.926, 0.92, 0.924, 0.918, 0.914, 0.928,
                     0.924, 0.922, 0.924, 0.93, 0.908, 0.926, 0.926, 0.93, 0.938],
    "val_loss": [1.6827, 0.7796, 0.5257, 0.4463, 0.3438, 0.2957, 0.275, 0.2878, 0.2527,
                 0.2253, 0.2482, 0.2498, 0.2261, 0.2633, 0.2291, 0.2338, 0.2342, 0.2661,
                 0.2222, 0.2577, 0.2254, 0.2767, 0.2609, 0.2387, 0.2483, 0.3363, 0.2186,
                 0.2487, 0.2576, 0.2445],
}  # fmt: skip
NO_DROPOUT = keras.Sequential(slim_layers(128, dropout=None))


def first_epochs(history: dict[str, list], epochs: int) -> dict[str, list]:
    return {key: values[:epochs] for key, values in history.items()}


OVERFITTING = Case(
    lambda answer: checks.check_overfitting(*answer),
    {
        "the history": (OVERFITTED,),
        "a Keras History object": (history_object(OVERFITTED),),
        "with the network": (OVERFITTED, NO_DROPOUT),
        "NumPy arrays": ({key: np.array(values) for key, values in OVERFITTED.items()},),
        "float32 values in tuples": (
            {key: tuple(np.float32(values)) for key, values in OVERFITTED.items()},
            NO_DROPOUT,
        ),
    },
    {
        "typed numbers": ((1.0, 0.5, [1.0, 0.5, 0.6]), "takes other arguments"),
        "two accuracies": ((1.0, 0.916), "whole history"),
        "the validation losses": (([1.0, 0.5, 0.6],), "whole history"),
        "the accuracies only": ((without(OVERFITTED, "val_loss", "val_accuracy"),), "split"),
        "a network with dropout": ((OVERFITTED, models.build_seed_cnn()), "still has a `Dropout`"),
        "text for the network": ((OVERFITTED, "no_dropout"), "Keras model you trained"),
        "three epochs": ((first_epochs(OVERFITTED, 3),), "train for the 30 epochs"),
        "never learned": ((edited(OVERFITTED, accuracy=[0.5] * 30),), "nearly all of them"),
        "percentages": (
            (edited(OVERFITTED, accuracy=[100 * a for a in OVERFITTED["accuracy"]]),),
            "outside [0, 1]",
        ),
        "a loss that is not a number": (
            (edited(OVERFITTED, val_loss=[*OVERFITTED["val_loss"][:-1], np.nan]),),
            "not numbers",
        ),
        "epochs missing from one figure": (
            (edited(OVERFITTED, val_loss=OVERFITTED["val_loss"][:-1]),),
            "different numbers of epochs",
        ),
        "text": (("history",), "history of the training"),
    },
    unanswered=(None,),
)


def still_falling(history: dict[str, list]) -> dict[str, list]:
    """``history`` with a validation loss that falls to its last epoch."""
    return edited(history, val_loss=list(np.linspace(1.6, 0.25, len(history["val_loss"]))))


OVERFITTING_RECORDED = {
    "dropout left in": ((WITH_DROPOUT,), "has not clearly turned back up"),
    "the loss still falling": ((still_falling(OVERFITTED),), "has not clearly turned back up"),
    "a gap within the noise": (
        (edited(OVERFITTED, val_accuracy=[*OVERFITTED["val_accuracy"][:-1], 0.99]),),
        "less than 3 standard errors",
    ),
    "not all training images learned": (
        (edited(OVERFITTED, accuracy=[*OVERFITTED["accuracy"][:-1], 0.95]),),
        "not yet learned all",
    ),
}

SOFTMAX_OUTPUT = np.array([0.02, 0.5, 0.05, 0.03, 0.04, 0.02, 0.01, 0.3, 0.02, 0.01])
LOSS_OF_A_SEVEN = -np.log(SOFTMAX_OUTPUT[7])
CROSS_ENTROPY = Case(
    lambda answer: checks.check_cross_entropy(answer, SOFTMAX_OUTPUT, digit=7),
    {
        "np.log": -np.log(SOFTMAX_OUTPUT[7]),
        "float": float(LOSS_OF_A_SEVEN),
        "float32": np.float32(LOSS_OF_A_SEVEN),
        "rounded to 3 places": round(float(LOSS_OF_A_SEVEN), 3),
        "math.log": -math.log(0.3),
        "Keras's categorical_crossentropy": keras.losses.categorical_crossentropy(
            keras.utils.to_categorical([7], 10), SOFTMAX_OUTPUT[None]
        ),
        "0-d array": np.array(LOSS_OF_A_SEVEN),
    },
    {
        "no minus sign": (np.log(0.3), "minus it"),
        "base 10": (-np.log10(0.3), "base 10"),
        "base 2": (-np.log2(0.3), "base 2"),
        "the probability": (0.3, "the probability itself"),
        "1 minus the probability": (0.7, "not 1 minus"),
        "log of 1 minus the probability": (-np.log(0.7), "not of 1 minus it"),
        "every digit's": (-np.sum(np.log(SOFTMAX_OUTPUT)), "Only the right digit's"),
        "the mean over the digits": (-np.mean(np.log(SOFTMAX_OUTPUT)), "Only the right digit's"),
        "the entropy": (-np.sum(SOFTMAX_OUTPUT * np.log(SOFTMAX_OUTPUT)), "entropy"),
        "the most probable digit's": (-np.log(0.5), "another digit's probability"),
        "one place early": (-np.log(SOFTMAX_OUTPUT[6]), "another digit's probability"),
        "one place late": (-np.log(SOFTMAX_OUTPUT[8]), "another digit's probability"),
        "one per digit": (-np.log(SOFTMAX_OUTPUT), "one number"),
        "a guess": (2.3, "Hint: pick"),
        "text": ("1.2", "one number"),
    },
    ("1.204", "1.2040"),
)

# --- lesson 5 ------------------------------------------------------------------------------

RIGHT = int(np.sum(PREDICTED == LABELS))
ACCURACY = RIGHT / len(LABELS)
RECALL = [np.mean(PREDICTED[LABELS == d] == d) for d in range(10)]
HARDEST = int(np.argmin(RECALL))
MISTAKES = [int(np.sum(PREDICTED[LABELS == d] != d)) for d in range(10)]
ACCURACY_CASE = Case(
    lambda answer: checks.check_accuracy(answer, PREDICTED, LABELS),
    {
        "float": ACCURACY,
        "np.mean": np.mean(PREDICTED == LABELS),
        "float32": np.float32(ACCURACY),
        "rounded to 4 places": round(ACCURACY, 4),
        "0-d array": np.array(ACCURACY),
        "count over total": RIGHT / len(PREDICTED),
    },
    {
        "percentage": (100 * ACCURACY, "percentage"),
        "error rate": (1 - ACCURACY, "error rate"),
        "count of right predictions": (RIGHT, "number of predictions"),
        "count of mistakes": (len(LABELS) - RIGHT, "number of predictions"),
        "one more right": ((RIGHT + 1) / len(LABELS), "Hint"),
        "one fewer right": ((RIGHT - 1) / len(LABELS), "Hint"),
        "over one image too many": (RIGHT / (len(LABELS) + 1), "Hint"),
        "a guess": (0.5, "Hint"),
        "text": (str(ACCURACY), "a number between 0 and 1"),
    },
    (f"{ACCURACY:.4f}", f"{ACCURACY:.2%}"),
)
HARDEST_DIGIT = Case(
    lambda answer: checks.check_hardest_digit(answer, PREDICTED, LABELS),
    {"int": HARDEST, "np.argmin": np.argmin(RECALL), "float": float(HARDEST)},
    {
        **{
            f"the digit {d}": (d, "not counts" if MISTAKES[d] == max(MISTAKES) else "less often")
            for d in range(10)
            if d != HARDEST
        },
        "ten": (10, "from 0 to 9"),
        "minus one": (-1, "from 0 to 9"),
        "text": (str(HARDEST), "from 0 to 9"),
    },
)


def test_hardest_digit_tells_shares_from_counts() -> None:
    true = np.repeat(
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [100, 1000, 100, 100, 100, 100, 100, 100, 100, 100]
    )
    predicted = true.copy()
    ones = np.flatnonzero(true == 1)[:50]  # 5% of the ones wrong: the most mistakes
    twos = np.flatnonzero(true == 2)[:10]  # 10% of the twos wrong: the lowest share
    predicted[ones], predicted[twos] = 7, 3
    assert passed(checks.check_hardest_digit(2, predicted, true))
    assert "shares, not counts" in checks.check_hardest_digit(1, predicted, true).message


# Exercise 5.3: both networks on digits moved to the right. Two stand-ins: TOLERANT sums the
# ink in coarser blocks than STRICT, so moving the digits costs it less.
SHIFT_DIGITS = np.zeros((300, 28, 28, 1), dtype="float32")
_ink = np.random.default_rng(5).random((2, 300, 20, 16))
SHIFT_DIGITS[:, 4:24, 6:22, 0] = _ink[0] * (_ink[1] < 0.3)
TOLERANT, STRICT = PooledReader(1, 7), PooledReader(2, 4)
SHIFT_LABELS = TOLERANT.predict(SHIFT_DIGITS).argmax(axis=1)  # it reads every digit in place


def accuracies_moved(pixels: int) -> tuple[float, float]:
    """Both stand-ins' accuracy on the digits moved ``pixels`` to the right (padded on the
    left, cut on the right: another way to write lesson 5's ``shift_right``)."""
    moved = np.pad(SHIFT_DIGITS, ((0, 0), (0, 0), (pixels, 0), (0, 0)))[:, :, :28]
    return tuple(
        float(np.mean(reader.predict(moved).argmax(axis=1) == SHIFT_LABELS))
        for reader in (TOLERANT, STRICT)
    )


PLAIN, MOVED_2, MOVED_3 = accuracies_moved(0), accuracies_moved(2), accuracies_moved(3)
SHIFTED_ACCURACY = Case(
    lambda answer: checks.check_shifted_accuracy(
        *answer, TOLERANT, STRICT, SHIFT_DIGITS, keras.utils.to_categorical(SHIFT_LABELS, 10)
    ),
    {
        "floats": (*MOVED_3, 3),
        "NumPy float32, as Keras's evaluate gives": (*map(np.float32, MOVED_3), 3),
        "0-d arrays and a NumPy int": (*map(np.array, MOVED_3), np.int64(3)),
        "another amount": (*accuracies_moved(6), 6),
    },
    {
        "swapped": ((*MOVED_3[::-1], 3), "swapped"),
        "percentages": ((100 * MOVED_3[0], 100 * MOVED_3[1], 3), "percentage"),
        "error rates": ((1 - MOVED_3[0], 1 - MOVED_3[1], 3), "error rates"),
        "not moved": ((*PLAIN, 3), "plain test digits"),
        "the table's 2 pixels": ((*MOVED_2, 3), "moved 2 pixels"),
        "the dense baseline's wrong": ((MOVED_3[0], MOVED_3[1] + 0.05, 3), "CNN's accuracy is"),
        "the CNN's wrong": ((MOVED_3[0] - 0.05, MOVED_3[1], 3), "dense baseline's accuracy"),
        "a shift from the table": ((*MOVED_2, 2), "already shows 2 pixels"),
        "no shift": ((*PLAIN, 0), "at least one pixel"),
        "a shift out of the frame": ((*MOVED_3, 30), "from 1 to 27"),
        "pixels as text": ((*MOVED_3, "3"), "whole number"),
        "the dense baseline's missing": ((MOVED_3[0], None, 3), "Fill in `dense_shifted`"),
        "both wrong": ((MOVED_3[0] - 0.05, MOVED_3[1] + 0.05, 3), "Neither accuracy matches"),
    },
    tuple(f"{value:.2%}" for value in MOVED_3),
    unanswered=(None, None, 3),
)


def test_the_stand_ins_tell_every_shift_apart() -> None:
    moved = [accuracies_moved(pixels) for pixels in (0, 2, 3, 4)]
    assert len(set(moved)) == 4 and PLAIN[0] == 1.0 and MOVED_3[0] != MOVED_3[1]
    assert moved[0][0] > moved[1][0] > moved[2][0] > moved[3][0]  # further is harder


def test_the_shifted_checks_last_hint_is_no_solution() -> None:
    feedback = SHIFTED_ACCURACY.judge(SHIFTED_ACCURACY.wrong["both wrong"][0])
    for code in ("np.mean", "predict(", "argmax", "shift_right(", "=="):
        assert code not in feedback.message, feedback.message


def test_the_shifted_check_names_both_accuracies() -> None:
    feedback = SHIFTED_ACCURACY.judge(SHIFTED_ACCURACY.right["floats"])
    assert f"the CNN reads {MOVED_3[0]:.2%}" in feedback.message
    assert f"the dense baseline {MOVED_3[1]:.2%}" in feedback.message


# --- lesson 6 ------------------------------------------------------------------------------

ZEROS = np.flatnonzero(LABELS == 0)
FIRST_INDEX = Case(
    lambda answer: checks.check_first_index_of(answer, ONE_HOT, 0),
    {
        "int": int(ZEROS[0]),
        "numpy int64": ZEROS[0],
        "1-element array": ZEROS[:1],
        "float": float(ZEROS[0]),
        "argmax of the column": np.argmax(ONE_HOT[:, 0]),
    },
    {
        "the second zero": (int(ZEROS[1]), "not the first one"),
        "counted from 1": (int(ZEROS[0]) + 1, "is not a 0"),
        "one too early": (int(ZEROS[0]) - 1, "is not a 0"),
        "the first one": (int(np.flatnonzero(LABELS == 1)[0]), "is not a 0"),
        "minus one": (-1, "is not a 0"),
        "past the end": (len(LABELS), "is not a 0"),
        "all the zeros": (ZEROS, "whole number"),
        "text": (str(ZEROS[0]), "whole number"),
    },
)


@functools.cache
def trained_looking_seed() -> keras.Model:
    """A seed network with fixed random weights, standing in for lesson 4's trained one."""
    keras.utils.set_random_seed(7)
    return models.build_seed_cnn()


def layer_output(index: int, images: np.ndarray, model: keras.Model | None = None) -> np.ndarray:
    model = model or trained_looking_seed()
    return keras.Model(model.inputs, model.layers[index].output).predict(images, verbose=0)


DIGIT = READY[:1]  # lesson 6's `digit`: a batch of one image
POOLED = layer_output(1, DIGIT)


def fresh_network_maps() -> np.ndarray:
    keras.utils.set_random_seed(8)
    return layer_output(1, DIGIT, models.build_seed_cnn())


POOLED_MAPS = Case(
    lambda answer: checks.check_pooled_maps(answer, trained_looking_seed(), DIGIT),
    {
        "predict": POOLED,
        "float64": POOLED.astype(np.float64),
        "without the batch axis": POOLED[0],
        "a list of one": [POOLED],
        "a tensor": keras.Model(
            trained_looking_seed().inputs[0], trained_looking_seed().layers[1].output
        )(DIGIT),
    },
    {
        "zeros": (np.zeros_like(POOLED), "right shape"),
        "the first convolution": (layer_output(0, DIGIT), "before pooling"),
        "the second pooling": (layer_output(3, DIGIT), "do not come from the first pooling"),
        "another image": (layer_output(1, READY[1:2]), "right shape"),
        "the raw image": (layer_output(1, DIGIT * 255), "right shape"),
        "an untrained network": (fresh_network_maps(), "right shape"),
        "two images": (layer_output(1, READY[:2]), "batch of one"),
        "rows and columns swapped": (POOLED.transpose(0, 2, 1, 3), "right shape"),
        "doubled": (2 * POOLED, "right shape"),
        "text": ("maps", "NumPy array"),
    },
)

# --- lesson 7 ------------------------------------------------------------------------------


STRONGER = models.build_stronger_network()  # lesson 7's network (tests/test_model_files.py)
STRONGER_COUNT = STRONGER.count_params()
LEARNED = sum(int(np.prod(weight.shape)) for weight in STRONGER.trainable_weights)
PARAMETER_COUNT = Case(
    lambda answer: checks.check_parameter_count(answer, STRONGER),
    {
        "int": STRONGER_COUNT,
        "numpy int64": np.int64(STRONGER_COUNT),
        "float": float(STRONGER_COUNT),
        "0-d array": np.array(STRONGER_COUNT),
    },
    {
        "only what is learned": (LEARNED, "counted what is learned"),
        "convolutions with biases": (STRONGER_COUNT + 16 + 48 + 96, "no bias"),
        "the seed network's": (113_386, "seed network"),
        "one too many": (STRONGER_COUNT + 1, "layer by layer"),
        "no output biases": (STRONGER_COUNT - 10, "layer by layer"),
        "not whole": (STRONGER_COUNT / 2 + 0.5, "whole number"),
        "text": (str(STRONGER_COUNT), "whole number"),
    },
    (str(STRONGER_COUNT), f"{STRONGER_COUNT:,}"),
)


class BothWaysUp:
    """A stand-in for a network trained with rotations of up to half a turn: it adds what
    ``reader`` makes of an image and of the image turned upside down, so it reads both
    alike."""

    def __init__(self, reader: PooledReader) -> None:
        self.reader = reader

    def predict(self, batch: np.ndarray, verbose: int = 0, batch_size: int = 32) -> np.ndarray:
        batch = np.asarray(batch, dtype=float).reshape(-1, 28, 28, 1)
        return self.reader.predict(batch) + self.reader.predict(batch[:, ::-1, ::-1])


VALIDATION_DIGITS = np.zeros((400, 28, 28, 1), dtype="float32")
_strokes = np.random.default_rng(5).random((2, 400, 20, 16))
VALIDATION_DIGITS[:, 4:24, 6:22, 0] = _strokes[0] * (_strokes[1] < 0.3)
UPRIGHT_ONLY = PooledReader(3, 7)  # the recipe's network: reads every digit upright
VALIDATION_LABELS = keras.utils.to_categorical(UPRIGHT_ONLY.predict(VALIDATION_DIGITS).argmax(1))
WILD = BothWaysUp(UPRIGHT_ONLY)  # reads 66% of them, upright or upside down
TABLE = {"seed network (lesson 4)": 0.95, "+ label smoothing": 0.97, "+ shifted copies": 0.975}


class LooksUp:
    """A stand-in for a well-trained network that reads digits both ways up: it looks each
    image (upright or upside down) up among the validation digits, and misreads the first
    ``misread`` of them."""

    def __init__(self, misread: int) -> None:
        digits = VALIDATION_LABELS.argmax(1)
        digits[:misread] = (digits[:misread] + 1) % 10
        self.known = {}
        for image, digit in zip(VALIDATION_DIGITS, digits, strict=True):
            self.known[image.tobytes()] = self.known[image[::-1, ::-1].tobytes()] = digit

    def predict(self, batch: np.ndarray, verbose: int = 0, batch_size: int = 32) -> np.ndarray:
        batch = np.asarray(batch, dtype="float32").reshape(-1, 28, 28, 1)
        return np.eye(10)[[self.known[image.tobytes()] for image in batch]]


SHORT_RUNS_TABLE = {"seed network (lesson 4)": 0.41, "+ label smoothing": 0.32}


def too_far(network: Any, table: Any = TABLE, images: Any = VALIDATION_DIGITS) -> tuple:
    return network, images, VALIDATION_LABELS, table


TOO_FAR = Case(
    lambda answer: checks.check_augmentation_too_far(*answer),
    {
        "the network, the validation images and the table": too_far(WILD),
        "float64 images without a channel axis": too_far(
            WILD, images=VALIDATION_DIGITS[..., 0].astype(np.float64)
        ),
        "labels as digits": (WILD, VALIDATION_DIGITS, VALIDATION_LABELS.argmax(1), TABLE),
        "a table with other rows": too_far(WILD, {"+ label smoothing": 0.97}),
    },
    {
        "typed accuracies": ((0.60, 0.97, TABLE), "not its accuracy"),
        "an accuracy from the table": (too_far(TABLE["+ shifted copies"]), "not its accuracy"),
        "the recipe's network": (too_far(UPRIGHT_ONLY), "not trained with rotations"),
        "an untrained network": (too_far(FixedReader(3)), "hardly been trained"),
        "no table": (too_far(WILD, None), "table=measured"),
        "a table without the recipe": (too_far(WILD, {"seed network": 0.95}), "table=measured"),
        "text": (too_far("wild_network"), "Keras model"),
    },
    unanswered=(None, VALIDATION_DIGITS, VALIDATION_LABELS, TABLE),
)
TOO_FAR_RECORDED = {
    "runs too short to train": (too_far(WILD, SHORT_RUNS_TABLE), "too short"),
    "no clear drop": (too_far(LooksUp(misread=16)), "not clearly behind"),  # 96% against 97%
}

# --- lesson 8 ------------------------------------------------------------------------------

BLOB = np.zeros((28, 28))
BLOB[6:16, 9:13] = np.linspace(0.2, 1.0, 10)[:, None]  # a stroke that fades upwards
BLOB[15, 9:20] = 0.6
ROWS, COLUMNS = np.indices(BLOB.shape)
CENTRE = ((BLOB * (COLUMNS + 0.5)).sum() / BLOB.sum(), (BLOB * (ROWS + 0.5)).sum() / BLOB.sum())
INKED = BLOB > 0
CENTRE_OF_MASS = Case(
    lambda answer: checks.check_centre_of_mass(answer, BLOB),
    {
        "tuple": CENTRE,
        "list": list(CENTRE),
        "array": np.array(CENTRE),
        "float32 values": tuple(np.float32(value) for value in CENTRE),
        "a column": np.array(CENTRE)[:, None],
    },
    {
        "swapped": (CENTRE[::-1], "swapped"),
        "without the half pixel": ((CENTRE[0] - 0.5, CENTRE[1] - 0.5), "column + 0.5"),
        "ink not weighted": (
            (COLUMNS[INKED].mean() + 0.5, ROWS[INKED].mean() + 0.5),
            "grey level",
        ),
        "the frame's centre": ((14.5, 14.5), "Hint"),
        "three numbers": ((*CENTRE, 0.0), "pair of numbers"),
        "one number": (CENTRE[0], "pair of numbers"),
        "text": ("12", "pair of numbers"),
        "a missing half": ((CENTRE[0], None), "pair of numbers"),
    },
)


def moved(image: np.ndarray, down: int, right: int) -> np.ndarray:
    """``image`` moved, the frame filled with paper (what lesson 8's ``shift`` does)."""
    out = np.zeros_like(image)
    height, width = 28 - abs(down), 28 - abs(right)
    out[max(down, 0) : max(down, 0) + height, max(right, 0) : max(right, 0) + width] = image[
        max(-down, 0) : max(-down, 0) + height, max(-right, 0) : max(-right, 0) + width
    ]
    return out


TEST_DIGITS = np.zeros((300, 28, 28), dtype="float32")
INK = RNG.integers(1, 256, (300, 20, 16)) * (RNG.random((300, 20, 16)) < 0.5)
TEST_DIGITS[:, 4:24, 6:22] = INK / np.float32(255)  # grey levels as in MNIST: k / 255
TEST_LABELS = LABELS[:300]
SEVEN = int(np.flatnonzero(TEST_LABELS == 7)[0])
THREE = int(np.flatnonzero(TEST_LABELS == 3)[0])
SEED_READS, STRONGER_READS = FixedReader(2), FixedReader(7)
FOOLS_ONLY_THE_SEED = Case(
    lambda answer: checks.check_fools_only_the_seed(
        *answer, SEED_READS, STRONGER_READS, TEST_DIGITS, keras.utils.to_categorical(TEST_LABELS)
    ),
    {
        "moved 6 pixels": (moved(TEST_DIGITS[SEVEN], 6, 6), 7),
        "moved 4 pixels": (moved(TEST_DIGITS[SEVEN], 4, 4), 7),
        "moved up and left": (moved(TEST_DIGITS[SEVEN], -3, -4), np.int64(7)),
        "not moved, float64": (TEST_DIGITS[SEVEN].astype(np.float64), 7.0),
        "with a channel axis": (moved(TEST_DIGITS[SEVEN], 2, 0)[..., None], 7),
        "nested lists": (moved(TEST_DIGITS[SEVEN], 5, 5).tolist(), 7),
    },
    {
        "a three labelled 7": ((moved(TEST_DIGITS[THREE], 6, 6), 7), "another digit"),
        "what the seed reads": ((moved(TEST_DIGITS[SEVEN], 6, 6), 2), "another digit"),
        "blank": ((np.zeros((28, 28)), 7), "hardly any ink"),
        "inverted": ((1 - moved(TEST_DIGITS[SEVEN], 6, 6), 7), "inverted"),
        "grey levels up to 255": ((255 * TEST_DIGITS[SEVEN], 7), "[0, 1]"),
        "a drawing of a two": ((BLOB, 2), "correctly"),
        "a 20 x 20 image": ((np.ones((20, 20)), 7), "28 x 28"),
        "label 12": ((moved(TEST_DIGITS[SEVEN], 6, 6), 12), "from 0 to 9"),
        "label as text": ((moved(TEST_DIGITS[SEVEN], 6, 6), "7"), "from 0 to 9"),
    },
    unanswered=(None, None),
)


def test_a_drawing_is_recorded_not_judged() -> None:
    feedback = checks.check_fools_only_the_seed(
        BLOB, 7, SEED_READS, STRONGER_READS, TEST_DIGITS, TEST_LABELS
    )
    assert not passed(feedback) and feedback.recorded, feedback
    assert "only you can judge" in feedback.message
    without_test_set = checks.check_fools_only_the_seed(
        moved(TEST_DIGITS[SEVEN], 6, 6), 7, SEED_READS, STRONGER_READS
    )
    assert without_test_set.recorded


def test_fools_only_the_seed_names_what_each_network_reads() -> None:
    seven = moved(TEST_DIGITS[SEVEN], 6, 6)
    assert (
        "make it harder"
        in checks.check_fools_only_the_seed(seven, 7, STRONGER_READS, STRONGER_READS).message
    )
    assert (
        "Both networks"
        in checks.check_fools_only_the_seed(seven, 7, SEED_READS, SEED_READS).message
    )


def test_check_centre_of_mass_names_each_slip() -> None:
    image = np.zeros((28, 28))
    image[20, 10] = 1.0  # one inked pixel: row 20, column 10, so its middle is x 10.5, y 20.5
    assert checks.check_centre_of_mass(None, image) == checks.UNANSWERED
    assert checks.check_centre_of_mass((10.5, 20.5), image).passed
    assert "swapped" in checks.check_centre_of_mass((20.5, 10.5), image).message
    assert "column + 0.5" in checks.check_centre_of_mass((10, 20), image).message
    assert not checks.check_centre_of_mass((14.5, 14.5), image).passed
    assert "pair of numbers" in checks.check_centre_of_mass("middle", image).message


def test_check_fools_only_the_seed() -> None:
    digit = np.zeros((28, 28), dtype="float32")
    digit[6:22, 12:15] = 1.0  # a stroke: a drawing, which the check cannot label itself
    seven, two = FixedReader(7), FixedReader(2)
    assert checks.check_fools_only_the_seed(None, None, two, seven) == checks.UNANSWERED
    assert checks.check_fools_only_the_seed(digit, 7, two, seven).recorded
    assert "make it harder" in checks.check_fools_only_the_seed(digit, 7, seven, seven).message
    assert "Both networks" in checks.check_fools_only_the_seed(digit, 7, two, two).message
    assert "28 x 28" in checks.check_fools_only_the_seed(np.zeros(10), 7, two, seven).message
    assert "[0, 1]" in checks.check_fools_only_the_seed(digit + 255, 7, two, seven).message
    assert "from 0 to 9" in checks.check_fools_only_the_seed(digit, 12, two, seven).message


# --- lesson 9 ------------------------------------------------------------------------------

SLICE_SIZES = [22, 21, 21]  # np.array_split of a batch of 64 over three devices
SLICE_GRADIENTS = RNG.normal(size=(3, 784, 10)).astype(np.float32)
WEIGHTED = np.tensordot(np.array(SLICE_SIZES, dtype=float), SLICE_GRADIENTS, axes=1) / 64
COMBINED_GRADIENT = Case(
    lambda answer: checks.check_combined_gradient(answer, SLICE_GRADIENTS, SLICE_SIZES),
    {
        "weighted sum": WEIGHTED,
        "float32": WEIGHTED.astype(np.float32),
        "np.average": np.average(SLICE_GRADIENTS, axis=0, weights=SLICE_SIZES),
        "nested lists": WEIGHTED.tolist(),
    },
    {
        "plain mean": (SLICE_GRADIENTS.mean(axis=0), "different numbers of rows"),
        "sum of means": (SLICE_GRADIENTS.sum(axis=0), "far too large"),
        "not divided": (WEIGHTED * 64, "divide by the rows"),
        "one slice": (SLICE_GRADIENTS[0], "Hint"),
        "transposed": (WEIGHTED.T, "shape (784, 10)"),
        "a number": (float(WEIGHTED.mean()), "shape (784, 10)"),
        "text": ("gradient", "shape (784, 10)"),
    },
)
SCALED_TRAINING = Case(
    lambda answer: checks.check_scaled_training(*answer, 8, 64, 0.001),
    {
        "int and float": (512, 0.008),
        "numpy": (np.int64(512), np.float32(0.008)),
        "written as a product": (8 * 64, 0.001 * 8),
        "float batch": (512.0, 8e-3),
    },
    {
        "one device's batch": ((64, 0.008), "one device's batch"),
        "the device count": ((8, 0.008), "number of devices"),
        "another batch": ((256, 0.004), "global batch counts them all"),
        "the same rate": ((512, 0.001), "scale the rate"),
        "scaled down": ((512, 0.000125), "the wrong way"),
        "times the batch": ((512, 0.512), "linear scaling rule"),
        "a negative rate": ((512, -0.008), "positive number"),
        "text": (("512", 0.008), "whole number"),
    },
    ("512", "0.008"),
    unanswered=(None, None),
)

# --- every check: the tables above, and what holds for all of them -------------------------

CASES = {
    "digit_count": DIGIT_COUNT, "digit_selection": DIGIT_SELECTION,
    "preprocessed": PREPROCESSED, "rescaling_experiment": RESCALING,
    "conv_parameters": CONV_PARAMETERS, "slim_model": SLIM_MODEL,
    "horizontal_edges": HORIZONTAL_EDGES, "max_pool": MAX_POOL,
    "receptive_field": RECEPTIVE_FIELD,
    "loss_for_integer_labels": LOSS, "overfitting": OVERFITTING,
    "cross_entropy": CROSS_ENTROPY,
    "accuracy": ACCURACY_CASE, "hardest_digit": HARDEST_DIGIT,
    "shifted_accuracy": SHIFTED_ACCURACY,
    "first_index_of": FIRST_INDEX, "pooled_maps": POOLED_MAPS,
    "parameter_count": PARAMETER_COUNT, "augmentation_too_far": TOO_FAR,
    "centre_of_mass": CENTRE_OF_MASS, "fools_only_the_seed": FOOLS_ONLY_THE_SEED,
    "combined_gradient": COMBINED_GRADIENT, "scaled_training": SCALED_TRAINING,
}  # fmt: skip
RIGHT_ANSWERS = [
    pytest.param(name, answer, id=f"{name}: {form}")
    for name, case in CASES.items()
    for form, answer in case.right.items()
]
WRONG_ANSWERS = [
    pytest.param(name, answer, hint, id=f"{name}: {mistake}")
    for name, case in CASES.items()
    for mistake, (answer, hint) in case.wrong.items()
]


def test_every_check_has_its_tables() -> None:
    judged = {name.removeprefix("check_") for name in dir(checks) if name.startswith("check_")}
    assert judged - {"output_size"} == set(CASES)  # check_output_size has tables of its own
    assert all(len(case.right) >= 3 and len(case.wrong) >= 6 for case in CASES.values())


@pytest.mark.parametrize("name, answer", RIGHT_ANSWERS)
def test_right_answers_pass_in_any_form(name: str, answer: Any) -> None:
    feedback = CASES[name].judge(answer)
    assert passed(feedback), feedback


@pytest.mark.parametrize("name, answer, hint", WRONG_ANSWERS)
def test_wrong_answers_are_refused_with_a_hint_that_gives_nothing_away(
    name: str, answer: Any, hint: str
) -> None:
    feedback = CASES[name].judge(answer)
    assert not passed(feedback) and not feedback.recorded, feedback
    assert hint in feedback.message, feedback.message
    for secret in CASES[name].secrets:
        assert secret not in feedback.message, feedback.message


@pytest.mark.parametrize("name", CASES)
def test_unanswered_exercises_ask_for_an_answer(name: str) -> None:
    feedback = CASES[name].judge(CASES[name].unanswered)
    assert feedback == checks.UNANSWERED, feedback
    assert repr(feedback).startswith("Not yet.")


# Experiments whose effect lies within the noise of the run: each check records the run's
# numbers and what they mean, never "Correct!" or "Not yet.".
RECORDED = [
    pytest.param(name, answer, words, id=f"{name}: {what}")
    for name, table in (
        ("rescaling_experiment", RESCALING_RECORDED),
        ("overfitting", OVERFITTING_RECORDED),
        ("augmentation_too_far", TOO_FAR_RECORDED),
    )
    for what, (answer, words) in table.items()
]


@pytest.mark.parametrize("name, answer, words", RECORDED)
def test_an_effect_within_the_noise_is_recorded_with_its_numbers(
    name: str, answer: Any, words: str
) -> None:
    feedback = CASES[name].judge(answer)
    assert feedback.recorded and not passed(feedback), feedback
    assert words in feedback.message, feedback.message
    assert "standard error" in feedback.message, feedback.message


def test_the_experiment_checks_name_the_run_and_its_noise() -> None:
    rescaling = RESCALING.judge(RESCALING.right["the histories train_seed_cnn returns"])
    assert "0.977 over the first epoch" in rescaling.message  # the run's own losses
    assert "4.131, 4.2 times as high" in rescaling.message
    assert "within the noise of one run on 500 validation images" in rescaling.message
    failed = RESCALING.judge(RESCALING.right["a raw run that failed, as on PyTorch"])
    assert "80.6 points lower with raw pixels, more than twice the noise" in failed.message
    overfitting = OVERFITTING.judge(OVERFITTING.right["the history"])
    assert "a gap of 8.4 points" in overfitting.message
    assert "lowest after epoch 14 (0.2548) and is 0.3108 after epoch 30, 22% above" in (
        overfitting.message
    )
    too_far = TOO_FAR.judge(TOO_FAR.right["the network, the validation images and the table"])
    wild = float(np.mean(WILD.predict(VALIDATION_DIGITS).argmax(1) == VALIDATION_LABELS.argmax(1)))
    assert f"reads {wild:.2%} of the 400 validation digits" in too_far.message  # measured
    assert f"recipe's run {TABLE['+ label smoothing']:.2%}" in too_far.message


def test_the_checks_of_the_issue_refuse_typed_numbers() -> None:
    """The answers that passed before the checks judged the run itself."""
    for feedback in (
        checks.check_rescaling_experiment(0.99, 0.10),
        checks.check_overfitting(1.0, 0.5, [1.0, 0.5, 0.6]),
        checks.check_augmentation_too_far(0.97, TABLE["+ label smoothing"], TABLE),
    ):
        assert not passed(feedback) and not feedback.recorded, feedback


@pytest.mark.parametrize("garbage", GARBAGE, ids=lambda value: type(value).__name__)
def test_garbage_never_raises(garbage: object) -> None:
    calls = [
        lambda: checks.check_digit_count(garbage, LABELS, 7),
        lambda: checks.check_digit_selection(garbage, IMAGES, LABELS, 3, 5),
        lambda: checks.check_preprocessed(garbage, IMAGES, LABELS),
        lambda: checks.check_preprocessed(lambda images, labels: garbage, IMAGES, LABELS),
        lambda: checks.check_preprocessed(preparing(steps, lambda y: garbage), IMAGES, LABELS),
        lambda: checks.check_preprocessed(preparing(lambda x: garbage, one_hot), IMAGES, LABELS),
        lambda: checks.check_rescaling_experiment(garbage, garbage),
        lambda: checks.check_rescaling_experiment(RESCALED_RUN, garbage),
        lambda: checks.check_rescaling_experiment(RESCALED_RUN, edited(RAW_RUN, loss=garbage)),
        lambda: checks.check_conv_parameters(garbage, 64, 5, 1),
        lambda: checks.check_slim_model(garbage, garbage),
        lambda: checks.check_slim_model(keras.Sequential(slim_layers()), garbage),
        lambda: checks.check_horizontal_edges(garbage, garbage, EDGE_DIGIT),
        lambda: checks.check_horizontal_edges(garbage, HORIZONTAL, EDGE_DIGIT),
        lambda: checks.check_max_pool(garbage, FEATURE_MAP),
        lambda: checks.check_receptive_field(garbage, **DEEPER),
        lambda: checks.check_loss_for_integer_labels(garbage),
        lambda: checks.check_overfitting(garbage),
        lambda: checks.check_overfitting(garbage, garbage),
        *([lambda: checks.check_overfitting(OVERFITTED, garbage)] if garbage is not None else []),
        lambda: checks.check_overfitting(edited(OVERFITTED, val_loss=garbage)),
        lambda: checks.check_cross_entropy(garbage, SOFTMAX_OUTPUT, 7),
        lambda: checks.check_accuracy(garbage, PREDICTED, LABELS),
        lambda: checks.check_hardest_digit(garbage, PREDICTED, LABELS),
        lambda: checks.check_shifted_accuracy(
            garbage, garbage, 3, TOLERANT, STRICT, SHIFT_DIGITS, SHIFT_LABELS
        ),
        lambda: checks.check_shifted_accuracy(
            *MOVED_3, garbage, TOLERANT, STRICT, SHIFT_DIGITS, SHIFT_LABELS
        ),
        lambda: checks.check_shifted_accuracy(
            *MOVED_3, 3, garbage, STRICT, SHIFT_DIGITS, SHIFT_LABELS
        ),
        lambda: checks.check_first_index_of(garbage, LABELS, 0),
        lambda: checks.check_pooled_maps(garbage, trained_looking_seed(), DIGIT),
        lambda: checks.check_parameter_count(garbage, STRONGER),
        lambda: checks.check_augmentation_too_far(garbage, garbage, garbage, TABLE),
        lambda: checks.check_augmentation_too_far(*too_far(WILD, garbage)),
        lambda: checks.check_augmentation_too_far(*too_far(WILD, images=garbage)),
        lambda: checks.check_augmentation_too_far(WILD, VALIDATION_DIGITS, garbage, TABLE),
        lambda: checks.check_centre_of_mass(garbage, BLOB),
        lambda: checks.check_fools_only_the_seed(garbage, 7, SEED_READS, STRONGER_READS),
        lambda: checks.check_fools_only_the_seed(
            moved(TEST_DIGITS[SEVEN], 6, 6), garbage, SEED_READS, STRONGER_READS
        ),
    ]
    for call in calls:
        feedback = call()
        assert isinstance(feedback, checks.Feedback)
        assert not feedback.passed and not feedback.recorded, feedback
        assert feedback.message


def test_a_number_too_large_for_a_float_is_answered_not_raised() -> None:
    labels = np.arange(100) % 10
    for feedback in (
        checks.check_digit_count(10**400, labels, 7),
        checks.check_accuracy(10**400, labels, labels),
        checks.check_centre_of_mass((10**400, 1), np.zeros((28, 28))),
    ):
        assert not feedback.passed and "far too large" in feedback.message, feedback


# --- where each check lives ----------------------------------------------------------------


def first_callers() -> dict[str, int]:
    """Each check that the lessons call, with the number of the first lesson that calls it."""
    first: dict[str, int] = {}
    for lesson in project.lessons():
        number = int(lesson.name.split("_")[0])
        for name in re.findall(r"\bchecks\.(check_\w+)\(", lesson.read_text()):
            first.setdefault(name, number)
    return first


def test_each_check_lives_in_the_module_of_the_first_lesson_that_calls_it() -> None:
    first = first_callers()
    assert set(first) == {name for name in checks.__all__ if name.startswith("check_")}
    for name, number in first.items():
        assert getattr(checks, name).__module__ == f"course_utils.checks.lesson{number:02d}", name


def test_the_package_gathers_the_checks_of_its_lesson_modules() -> None:
    """``checks.check_...`` reaches every check of the modules lesson01, lesson02, ...; a
    lesson's module takes what it shares from ``feedback``, never from another lesson's."""
    modules = sorted(Path(checks.__file__).parent.glob("lesson*.py"))
    assert [module.stem for module in modules] == [
        f"lesson{number:02d}" for number in range(1, len(modules) + 1)
    ]
    defined = set()
    for module in modules:
        assert "checks.lesson" not in module.read_text(), module.name
        names = vars(importlib.import_module(f"course_utils.checks.{module.stem}"))
        defined |= {name for name in names if name.startswith("check_")}
    assert defined == {name for name in dir(checks) if name.startswith("check_")}
    assert defined == {name for name in checks.__all__ if name.startswith("check_")}
