"""course_utils.checks: every check judges the answer against the lesson's data. It passes
the right answer in every form a student may write it, refuses every wrong answer (the
mistakes students really make among them) without giving the right one away, and never
raises, whatever it is given."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, NamedTuple

from course_utils import checks, models

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
PREPROCESSED = Case(
    lambda answer: checks.check_preprocessed(*answer, IMAGES, LABELS),
    {
        "float32, to_categorical": (READY, ONE_HOT),
        "float64 images": (IMAGES[..., None] / 255.0, ONE_HOT),
        "np.eye labels": (READY, np.eye(10)[LABELS]),
        "integer one-hot labels": (READY, ONE_HOT.astype(int)),
        "keras.ops.one_hot tensor": (READY, keras.ops.one_hot(LABELS, 10)),
        "expand_dims": (np.expand_dims(IMAGES, -1).astype("float32") / 255, ONE_HOT),
        "nested lists": (READY.tolist(), ONE_HOT.tolist()),
    },
    {
        "divided by 255 twice": ((READY / 255, ONE_HOT), "twice"),
        "not divided": ((READY * 255, ONE_HOT), "not rescaled"),
        "still uint8": ((IMAGES.reshape(-1, 28, 28, 1), ONE_HOT), "still uint8"),
        "channel axis missing": ((READY[..., 0], ONE_HOT), "channel axis is missing"),
        "channel axis first": ((READY.reshape(-1, 1, 28, 28), ONE_HOT), "comes first"),
        "flat images": ((READY.reshape(-1, 784), ONE_HOT), "(n, 28, 28, 1)"),
        "labels still digits": ((READY, LABELS), "still digits, not one-hot"),
        "labels as a column": ((READY, LABELS[:, None]), "still digits, not one-hot"),
        "one-hot twice the size": ((READY, ONE_HOT * 2), "single 1 and nine 0s"),
        "labels one place off": (
            (READY, keras.utils.to_categorical((LABELS + 1) % 10, 10)),
            "one place off",
        ),
        "labels out of order": ((READY, ONE_HOT[SHUFFLE]), "out of order"),
        "images out of order": ((READY[SHUFFLE], ONE_HOT), "another order"),
        "one image short": ((READY[:-1], ONE_HOT[:-1]), "prepare all of them"),
        "one label short": ((READY, ONE_HOT[:-1]), "one row per image"),
        "eleven classes": ((READY, keras.utils.to_categorical(LABELS, 11)), "one row per image"),
        "each image by its own largest pixel": (
            (READY / READY.max(axis=(1, 2, 3), keepdims=True), ONE_HOT),
            "not those of the raw test images",
        ),
        "standardised": (((READY - READY.mean()) / READY.std(), ONE_HOT), "not rescaled"),
        "inverted": ((1 - READY, ONE_HOT), "not those of the raw test images"),
        "zeros of the right shape": ((np.zeros_like(READY), ONE_HOT), "not those of the raw"),
        "other images": ((np.roll(READY, 1, axis=2), ONE_HOT), "not those of the raw"),
        "NaN": ((np.full_like(READY, np.nan), ONE_HOT), "NaN"),
        "text": (("images", "labels"), "arrays of numbers"),
    },
    unanswered=(None, None),
)
RESCALING = Case(
    lambda answer: checks.check_rescaling_experiment(*answer),
    {
        "floats": (0.906, 0.884),
        "NumPy floats": (np.float32(0.906), np.float64(0.884)),
        "0-d arrays": (np.array(0.916), np.array(0.872)),
        "a narrow win": (0.901, 0.900),
    },
    {
        "both 0.5": ((0.5, 0.5), "identical"),
        "swapped": ((0.884, 0.906), "came out ahead"),
        "percentages": ((90.6, 88.4), "percentage"),
        "one a percentage": ((0.906, 88.4), "percentage"),
        "the same run twice": ((0.906, 0.906), "identical"),
        "far too low": ((0.3, 0.2), "far more than"),
        "divided twice: worse than raw": ((0.62, 0.884), "far more than"),
        "raw missing": ((0.906, None), "Fill in `raw`"),
        "whole histories": (([0.906], [0.884]), "several values"),
        "above 1": ((1.2, 0.5), "percentage"),
        "negative": ((-0.9, -0.95), "not an accuracy"),
        "text": (("0.9", "0.8"), "an accuracy between 0 and 1"),
        "NaN": ((float("nan"), 0.5), "not a number"),
    },
    unanswered=(None, None),
)

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

# --- lesson 4 ------------------------------------------------------------------------------


def compiled(loss: Any) -> keras.Model:
    model = models.build_seed_cnn()
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
    },
    {
        "categorical, text": (compiled("categorical_crossentropy"), "one-hot"),
        "categorical, object": (compiled(keras.losses.CategoricalCrossentropy()), "one-hot"),
        "categorical, function": (compiled(keras.losses.categorical_crossentropy), "one-hot"),
        "from logits after softmax": (
            compiled(keras.losses.SparseCategoricalCrossentropy(from_logits=True)),
            "from_logits",
        ),
        "mean squared error": (compiled("mse"), "does not compare"),
        "binary cross-entropy": (compiled("binary_crossentropy"), "does not compare"),
        "KL divergence, made for one-hot labels": (compiled("kl_divergence"), "one-hot"),
        "not compiled": (compiled(None), "not compiled"),
        "not a model": ("sparse_categorical_crossentropy", "Keras model"),
    },
)
OVERFITTING = Case(
    lambda answer: checks.check_overfitting(*answer),
    {
        "floats": (0.999, 0.935),
        "NumPy floats": (np.float32(1.0), np.float64(0.94)),
        "an int 1": (1, 0.95),
        "a gap of two points": (0.95, 0.93),
    },
    {
        "both 0.5": ((0.5, 0.5), "nearly all"),
        "swapped": ((0.935, 0.999), "validation accuracy is the higher"),
        "percentages": ((99.9, 93.5), "percentage"),
        "too close": ((0.95, 0.945), "too close"),
        "equal": ((0.97, 0.97), "too close"),
        "training accuracy far too low": ((0.6, 0.4), "nearly all"),
        "validation missing": ((0.99, None), "Fill in `validation`"),
        "whole histories": (([0.9, 0.99], [0.9, 0.93]), "several values"),
        "text": (("0.99", "0.93"), "an accuracy between 0 and 1"),
    },
    unanswered=(None, None),
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
            trained_looking_seed().inputs, trained_looking_seed().layers[1].output
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


def lesson_7_network() -> keras.Sequential:
    """Lesson 7's stronger network: convolutions without bias, batch normalisation."""

    def block(filters: int, size: int, pool: bool) -> list:
        return [
            layers.Conv2D(filters, (size, size), use_bias=False),
            *([layers.MaxPooling2D((2, 2))] if pool else []),
            layers.BatchNormalization(momentum=0.9),
            layers.Activation("relu"),
        ]

    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            *block(16, 5, True), *block(48, 3, True), *block(96, 3, False),
            layers.Flatten(), layers.Dropout(0.1), layers.Dense(10, activation="softmax"),
        ]
    )  # fmt: skip


STRONGER = lesson_7_network()
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
TABLE = {"seed network (lesson 4)": 0.95, "+ label smoothing": 0.97, "+ shifted copies": 0.975}
TOO_FAR = Case(
    lambda answer: checks.check_augmentation_too_far(*answer, table=TABLE),
    {
        "floats": (0.60, 0.97),
        "NumPy floats": (np.float64(0.6), np.float32(0.97)),
        "a narrow gap": (0.969, 0.97),
    },
    {
        "swapped": ((0.97, 0.60), "came out ahead"),
        "equal": ((0.97, 0.97), "identical"),
        "percentages": ((60.0, 97.0), "percentage"),
        "the wrong row": ((0.60, 0.95), "+ label smoothing"),
        "too_far missing": ((None, 0.97), "Fill in `too_far`"),
        "text": (("0.6", "0.97"), "an accuracy between 0 and 1"),
    },
    unanswered=(None, None),
)

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


class FixedReader:
    """A stand-in network that reads every image as ``digit``."""

    def __init__(self, digit: int) -> None:
        self.digit = digit

    def predict(self, batch: np.ndarray, verbose: int = 0) -> np.ndarray:
        return np.eye(10)[[self.digit] * len(batch)]


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

CASES = {
    "digit_count": DIGIT_COUNT, "digit_selection": DIGIT_SELECTION,
    "preprocessed": PREPROCESSED, "rescaling_experiment": RESCALING,
    "conv_parameters": CONV_PARAMETERS, "slim_model": SLIM_MODEL,
    "loss_for_integer_labels": LOSS, "overfitting": OVERFITTING,
    "accuracy": ACCURACY_CASE, "hardest_digit": HARDEST_DIGIT,
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


def test_the_too_far_check_judges_the_direction_without_a_table() -> None:
    assert passed(checks.check_augmentation_too_far(0.9, 0.95))
    assert not passed(checks.check_augmentation_too_far(0.95, 0.9))


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


@pytest.mark.parametrize("garbage", GARBAGE, ids=lambda value: type(value).__name__)
def test_garbage_never_raises(garbage: object) -> None:
    calls = [
        lambda: checks.check_digit_count(garbage, LABELS, 7),
        lambda: checks.check_digit_selection(garbage, IMAGES, LABELS, 3, 5),
        lambda: checks.check_preprocessed(garbage, garbage, IMAGES, LABELS),
        lambda: checks.check_preprocessed(READY, garbage, IMAGES, LABELS),
        lambda: checks.check_preprocessed(garbage, ONE_HOT, IMAGES, LABELS),
        lambda: checks.check_rescaling_experiment(garbage, garbage),
        lambda: checks.check_rescaling_experiment(0.9, garbage),
        lambda: checks.check_conv_parameters(garbage, 64, 5, 1),
        lambda: checks.check_slim_model(garbage, garbage),
        lambda: checks.check_slim_model(keras.Sequential(slim_layers()), garbage),
        lambda: checks.check_loss_for_integer_labels(garbage),
        lambda: checks.check_overfitting(garbage, garbage),
        lambda: checks.check_overfitting(0.99, garbage),
        lambda: checks.check_accuracy(garbage, PREDICTED, LABELS),
        lambda: checks.check_hardest_digit(garbage, PREDICTED, LABELS),
        lambda: checks.check_first_index_of(garbage, LABELS, 0),
        lambda: checks.check_pooled_maps(garbage, trained_looking_seed(), DIGIT),
        lambda: checks.check_parameter_count(garbage, STRONGER),
        lambda: checks.check_augmentation_too_far(garbage, garbage, TABLE),
        lambda: checks.check_augmentation_too_far(0.5, garbage, TABLE),
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


# (size, kernel_size, stride, padding) -> the right output size, as Keras computes it.
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
    ("same", 13, "add 1"),  # forgot the + 1: (28 + 4 - 5) // 2
    ("same", 15, "Round the division down"),  # ceil instead of floor
    ("same", 12, "Padding 'same' first adds zeros"),  # forgot the padding
    ("same", 28, "divide by the stride"),  # forgot the stride
    ("same", 27, "Hint: out = floor"),  # forgot the stride and the + 1
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
    assert "n + 2p, not n + p" in feedback.message  # (28 + 3 - 7) + 1 with p = 3 on one side
    with pytest.raises(ValueError, match="padding must be 'valid' or 'same'"):
        checks.check_output_size(12, size=28, kernel_size=5, padding="full")


@pytest.mark.parametrize("garbage", GARBAGE, ids=lambda value: type(value).__name__)
def test_output_size_garbage_never_raises(garbage: object) -> None:
    feedback = checks.check_output_size(garbage, size=28, kernel_size=5, stride=2, padding="same")
    assert not passed(feedback) and feedback.message
    assert "14" not in feedback.message


# --- lesson 4, exercise 4.2 with the validation loss of every epoch --------------------------

RISING_LOSS = [1.6, 0.8, 0.4, 0.25, 0.3, 0.31]  # lowest after epoch 4, then higher
OVERFITTING_WITH_LOSS = Case(
    lambda answer: checks.check_overfitting(*answer),
    {
        "floats and a list": (1.0, 0.918, RISING_LOSS),
        "NumPy floats and an array": (np.float32(1.0), np.float64(0.918), np.array(RISING_LOSS)),
        "NumPy floats in a tuple": (np.float64(0.99), 0.95, tuple(map(np.float32, RISING_LOSS))),
    },
    {
        "training below validation": ((0.91, 0.93, RISING_LOSS), "validation accuracy is the"),
        "training equal to validation": ((0.97, 0.97, RISING_LOSS), "too close"),
        "percentages": ((100.0, 91.8, RISING_LOSS), "percentage"),
        "loss still falling": ((1.0, 0.918, RISING_LOSS[:4]), "lowest in the last epoch"),
        "loss level with its lowest": ((1.0, 0.918, [0.5, 0.3, 0.3]), "lowest in the last"),
        "the last loss only": ((1.0, 0.918, 0.31), "every epoch"),
        "loss missing": ((1.0, 0.918, None), "Fill in `val_loss`"),
        "losses that are not numbers": ((1.0, 0.918, [0.5, float("nan")]), "no losses"),
    },
    unanswered=(None, None, None),
)


def test_overfitting_judges_the_validation_loss_when_given() -> None:
    feedback = OVERFITTING_WITH_LOSS.judge(OVERFITTING_WITH_LOSS.right["floats and a list"])
    assert "lowest after epoch 4 (0.2500) and rose to 0.3100 by epoch 6" in feedback.message
    without_loss = checks.check_overfitting(1.0, 0.918)  # the two-answer form still works
    assert passed(without_loss) and "validation loss" not in without_loss.message


# --- lesson 5, exercise 5.3: both networks on digits moved to the right -----------------------


class PooledReader:
    """A stand-in network: sums the ink in blocks of ``block`` x ``block`` pixels and weighs
    the sums, so that it reads digits moved a little as it reads them in place."""

    def __init__(self, seed: int, block: int) -> None:
        self.block = block
        self.weights = np.random.default_rng(seed).normal(size=((28 // block) ** 2, 10))

    def predict(self, batch: np.ndarray, verbose: int = 0) -> np.ndarray:
        side = 28 // self.block
        sums = np.asarray(batch, dtype=float).reshape(len(batch), side, self.block, side, -1)
        features = sums.sum(axis=(2, 4)).reshape(len(batch), -1)
        return (features - features.mean(axis=1, keepdims=True)) @ self.weights


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
    },
    tuple(f"{value:.2%}" for value in MOVED_3),
    unanswered=(None, None, 3),
)
CASES["shifted_accuracy"] = SHIFTED_ACCURACY  # after the tables above were collected
LOSS_AND_SHIFT_CASES = {"overfitting": OVERFITTING_WITH_LOSS, "shifted": SHIFTED_ACCURACY}


def test_the_stand_ins_tell_every_shift_apart() -> None:
    moved = [accuracies_moved(pixels) for pixels in (0, 2, 3, 4)]
    assert len(set(moved)) == 4 and PLAIN[0] == 1.0 and MOVED_3[0] != MOVED_3[1]
    assert moved[0][0] > moved[1][0] > moved[2][0] > moved[3][0]  # further is harder


@pytest.mark.parametrize(
    "case, answer",
    [
        pytest.param(case, answer, id=f"{name}: {form}")
        for name, case in LOSS_AND_SHIFT_CASES.items()
        for form, answer in case.right.items()
    ],
)
def test_right_answers_pass_for_the_losses_and_the_shifts(case: Case, answer: Any) -> None:
    feedback = case.judge(answer)
    assert passed(feedback), feedback


@pytest.mark.parametrize(
    "case, answer, hint",
    [
        pytest.param(case, answer, hint, id=f"{name}: {mistake}")
        for name, case in LOSS_AND_SHIFT_CASES.items()
        for mistake, (answer, hint) in case.wrong.items()
    ],
)
def test_wrong_answers_are_refused_for_the_losses_and_the_shifts(
    case: Case, answer: Any, hint: str
) -> None:
    feedback = case.judge(answer)
    assert not passed(feedback) and not feedback.recorded, feedback
    assert hint in feedback.message, feedback.message
    for secret in case.secrets:
        assert secret not in feedback.message, feedback.message


def test_unanswered_losses_and_shifts_ask_for_an_answer() -> None:
    for case in (OVERFITTING_WITH_LOSS, SHIFTED_ACCURACY):
        assert case.judge(case.unanswered) == checks.UNANSWERED


def test_the_shifted_check_names_both_accuracies() -> None:
    feedback = SHIFTED_ACCURACY.judge(SHIFTED_ACCURACY.right["floats"])
    assert f"the CNN reads {MOVED_3[0]:.2%}" in feedback.message
    assert f"the dense baseline {MOVED_3[1]:.2%}" in feedback.message


@pytest.mark.parametrize("garbage", GARBAGE, ids=lambda value: type(value).__name__)
def test_losses_and_shifts_garbage_never_raises(garbage: object) -> None:
    as_losses = checks.check_overfitting(1.0, 0.918, garbage)  # [1, 2] may be two losses
    assert isinstance(as_losses, checks.Feedback) and as_losses.message
    calls = [
        lambda: checks.check_overfitting(garbage, 0.918, RISING_LOSS),
        lambda: checks.check_shifted_accuracy(
            garbage, garbage, 3, TOLERANT, STRICT, SHIFT_DIGITS, SHIFT_LABELS
        ),
        lambda: checks.check_shifted_accuracy(
            *MOVED_3, garbage, TOLERANT, STRICT, SHIFT_DIGITS, SHIFT_LABELS
        ),
        lambda: checks.check_shifted_accuracy(
            *MOVED_3, 3, garbage, STRICT, SHIFT_DIGITS, SHIFT_LABELS
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


# --- lesson 8's checks, slip by slip ------------------------------------------------------


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
