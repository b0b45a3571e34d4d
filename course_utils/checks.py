"""Self-checks for the exercises: call one after your answer and read its feedback.

Every check judges the answer itself, against the lesson's own data: it works out the right
answer (or the direction a result must take) and compares. It returns a :class:`Feedback`
that Jupyter shows as one friendly line: "Correct!", or "Not yet." with a hint that names
the likely mistake without giving the answer away. Where a check cannot judge an answer (it
cannot tell what a hand-drawn digit shows), it answers "Recorded." and says what it did
check. A wrong answer, an unanswered exercise (``None``) or an answer of the wrong type
never raises, so you never have to read a traceback here.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ParamSpec

import numpy as np

P = ParamSpec("P")


@dataclass(frozen=True)
class Feedback:
    """The outcome of a self-check: ``passed``, a message for the student, and ``recorded``
    when the check could not judge the answer and only records it."""

    passed: bool
    message: str
    recorded: bool = False

    @property
    def verdict(self) -> str:
        """The first words the student reads: "Correct!", "Not yet." or "Recorded."."""
        if self.passed:
            return "Correct!"
        return "Recorded." if self.recorded else "Not yet."

    def __repr__(self) -> str:
        return f"{self.verdict} {self.message}"

    def _repr_markdown_(self) -> str:
        mark = "✅" if self.passed else "📝" if self.recorded else "❌"
        return f"{mark} **{self.verdict}** {self.message}"


def _correct(message: str) -> Feedback:
    return Feedback(True, message)


def _wrong(message: str) -> Feedback:
    return Feedback(False, message)


def _recorded(message: str) -> Feedback:
    return Feedback(False, message, recorded=True)


UNANSWERED = _wrong("Replace the `None` with your answer, then run the cell again.")


def _never_raises(check: Callable[P, Feedback]) -> Callable[P, Feedback]:
    """``check``, with any error that an unforeseen answer causes turned into feedback."""

    @functools.wraps(check)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> Feedback:
        try:
            return check(*args, **kwargs)
        except Exception as error:  # noqa: BLE001 - a self-check never shows a traceback
            return _wrong(
                f"This answer could not be checked ({type(error).__name__}): is it the kind "
                "of value the exercise asks for?"
            )

    return guarded


def _scalar(answer: Any) -> float | None:
    """``answer`` as a float if it is one real number (a Python or NumPy number, or an array
    or tensor holding a single one), else None; True, False and text are not numbers."""
    if isinstance(answer, (bool, np.bool_, str, bytes)):
        return None
    try:
        if isinstance(answer, (int, float, np.integer, np.floating)):
            return float(answer)
        if hasattr(answer, "__array__"):
            array = np.asarray(answer)
            if array.size == 1 and array.ndim <= 1 and array.dtype.kind in "iuf":
                return float(array.reshape(()))
    except (TypeError, ValueError, OverflowError):
        pass
    return None


def _whole_number(answer: Any) -> int | None:
    """``answer`` as an int if it is a whole number (Python or NumPy), else None."""
    value = _scalar(answer)
    if value is None or not math.isfinite(value) or value != int(value):
        return None
    return int(value)


def _too_large(answer: Any) -> bool:
    """A whole number (alone, or in a pair or list) too large to be a float: 10**400."""
    if isinstance(answer, (list, tuple)):
        return any(_too_large(item) for item in answer[:100])
    return isinstance(answer, int) and not isinstance(answer, bool) and abs(answer) > 1e300


def _type_hint(name: str, answer: Any, wanted: str) -> Feedback:
    if _too_large(answer):
        return _wrong(f"`{name}` should be {wanted}; it holds a number far too large to be one.")
    return _wrong(f"`{name}` should be {wanted}, but it is a {type(answer).__name__}.")


def _whole_answer(answer: Any, name: str) -> int | Feedback:
    """The answer as an int, or the feedback for a missing or non-whole answer."""
    if answer is None:
        return UNANSWERED
    number = _whole_number(answer)
    return _type_hint(name, answer, "a whole number") if number is None else number


def _numeric_array(answer: Any) -> np.ndarray | None:
    """``answer`` (an array, a tensor or nested lists) as a NumPy array of numbers, else None."""
    if answer is None or isinstance(answer, (str, bytes, Mapping)):
        return None
    try:
        array = np.asarray(answer)
    except (TypeError, ValueError, RuntimeError):
        return None
    return array if array.dtype.kind in "biuf" else None


def _digits(labels: Any) -> np.ndarray:
    """The labels as digits, whether they are digits already or one-hot rows."""
    labels = np.asarray(labels)
    return labels.argmax(axis=1) if labels.ndim == 2 else labels.astype(int)


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


def _different_accuracies(question: str, **values: Any) -> dict[str, float] | Feedback:
    """The values as accuracies (see :func:`_accuracies`), or the feedback for the first
    that is not one, or, when all are the same, feedback that asks the student ``question``
    (the likely slip: one network measured twice)."""
    accuracies = _accuracies(**values)
    if not isinstance(accuracies, Feedback) and len(set(accuracies.values())) == 1:
        return _wrong(f"The two accuracies are identical: did you {question}?")
    return accuracies


# --- lesson 1 ------------------------------------------------------------------------------


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


def _rows(images: np.ndarray) -> list[bytes]:
    """One key per image, equal for images with equal pixel values, whatever their dtype."""
    flat = np.asarray(images, dtype=np.float64).reshape(len(images), -1)
    return [row.tobytes() for row in flat]


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


# --- lesson 2 ------------------------------------------------------------------------------


@_never_raises
def check_preprocessed(
    images: Any, labels: Any, raw_images: np.ndarray, raw_labels: np.ndarray
) -> Feedback:
    """Exercise 2.1: are ``images`` and ``labels`` the raw arrays ``raw_images`` and
    ``raw_labels`` after lesson 2's three steps, in their order?"""
    if images is None or labels is None:
        return UNANSWERED
    array, targets = _numeric_array(images), _numeric_array(labels)
    if array is None or targets is None:
        return _wrong(
            "Both the images and the labels should be arrays of numbers; got "
            f"{type(images).__name__} and {type(labels).__name__}."
        )
    ready = np.asarray(raw_images).reshape(-1, 28, 28, 1).astype("float32") / 255
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
            f"There are {len(array):,} images, but the raw arrays you were given hold "
            f"{len(ready):,}: prepare all of them, and nothing else."
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
        if sorted(_rows(np.rint(array * 255))) == sorted(_rows(np.asarray(raw_images))):
            return _wrong(
                "These are the right images in another order: keep the order of the raw "
                "arrays, so that every image keeps its label."
            )
        return _wrong(
            "The pixel values are not those of the raw test images after lesson 2's steps "
            "(channel axis, `float32`, divide by 255). Did you start from the raw arrays?"
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
            "The labels do not match the raw labels: one-hot encode the raw labels, as they are."
        )
    return _correct(
        f"{len(array):,} images of shape (28, 28, 1) in [0, 1], with one-hot "
        "labels: ready for the network."
    )


#: A network trained for one epoch on 4,500 rescaled images gets far more than this share
#: of the validation digits right (0.90 to 0.92 over four seeds when we measured it).
LEAST_RESCALED_ACCURACY = 0.8


@_never_raises
def check_rescaling_experiment(rescaled: Any, raw: Any) -> Feedback:
    """Exercise 2.2: after one epoch, the validation accuracy with rescaled pixels must be
    higher than with raw ones, and far above chance."""
    accuracies = _different_accuracies(
        "train two networks, one on the rescaled images and one on the raw ones, and read "
        "each one's own history",
        rescaled=rescaled,
        raw=raw,
    )
    if isinstance(accuracies, Feedback):
        return accuracies
    rescaled, raw = accuracies["rescaled"], accuracies["raw"]
    if rescaled < LEAST_RESCALED_ACCURACY:
        return _wrong(
            f"With rescaled pixels the network should get far more than {rescaled:.1%} of "
            "the validation digits right after an epoch: did you divide by 255 only once, "
            "and read `val_accuracy`?"
        )
    if raw > rescaled:
        return _wrong(
            f"The raw pixels came out ahead ({raw:.2%} against {rescaled:.2%}). Check that "
            "the two results are not swapped and that each network trained on its own "
            "version of the images. If all is right, this short run was unusual: train "
            "both again with another seed (`seed=1`)."
        )
    return _correct(
        f"Rescaled {rescaled:.2%} against raw {raw:.2%}: the rescaled pixels gave the "
        "higher validation accuracy."
    )


# --- lesson 3 ------------------------------------------------------------------------------


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


def _layer_kinds(model: Any) -> list[str]:
    """The model's layers by class, nested models opened, without the layers that only
    apply an activation (so that `Dense(10, activation="softmax")` and `Dense(10)` followed
    by `Softmax()` read the same)."""
    kinds = []
    for layer in model.layers:
        if hasattr(layer, "layers"):
            kinds += _layer_kinds(layer)
        elif type(layer).__name__ not in ("InputLayer", "Activation", "Softmax", "ReLU"):
            kinds.append(type(layer).__name__)
    return kinds


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
    import keras

    if not isinstance(model, keras.Model):
        return _type_hint("model", model, "a Keras model (e.g. `keras.Sequential([...])`)")
    try:
        input_shape, output_shape = tuple(model.input_shape), tuple(model.output_shape)
    except (AttributeError, ValueError, TypeError):
        return _wrong(
            "The model has no input shape yet. Hint: start it with "
            "`keras.Input(shape=(28, 28, 1))`."
        )
    if input_shape != (None, 28, 28, 1):
        return _wrong(
            f"The model takes input of shape {input_shape}; MNIST images prepared as "
            "in lesson 2 need (None, 28, 28, 1)."
        )
    if output_shape != (None, 10):
        return _wrong(
            f"The model outputs shape {output_shape}; it needs 10 outputs, one per "
            "digit: end with `layers.Dense(10, activation='softmax')`."
        )
    outputs = _outputs(model, _probe_images())
    if not (np.all(outputs >= 0) and np.allclose(outputs.sum(axis=1), 1, atol=1e-4)):
        return _wrong(
            "The ten outputs are not probabilities: the last layer should use "
            "`activation='softmax'`."
        )
    return None


def _probe_images() -> np.ndarray:
    """A fixed batch of random images to compare what two networks compute."""
    return np.random.default_rng(0).random((8, 28, 28, 1), dtype=np.float32)


def _outputs(model: Any, images: np.ndarray) -> np.ndarray:
    """What ``model`` computes for ``images`` when it predicts (dropout off)."""
    import keras

    return np.asarray(keras.ops.convert_to_numpy(model(images, training=False)), dtype=float)


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


# --- lesson 4 ------------------------------------------------------------------------------


@_never_raises
def check_loss_for_integer_labels(model: Any) -> Feedback:
    """Exercise 4.1: is ``model`` compiled with a loss that takes plain digits as labels?

    The loss is judged by what it computes: on a few softmax outputs and digit labels it
    must give the cross-entropy, however it was named (text, function or object)."""
    import keras

    if model is None:
        return UNANSWERED
    if not isinstance(model, keras.Model):
        return _type_hint("digit_model", model, "a Keras model")
    loss = getattr(model, "loss", None)
    if loss is None:
        return _wrong("The model is not compiled yet: call `model.compile(...)` first.")
    function = keras.losses.get(loss) if isinstance(loss, str) else loss
    if not callable(function):
        return _wrong(f"The loss {loss!r} is not one loss for one output.")
    probabilities = np.array(
        [
            [0.05] * 3 + [0.55] + [0.05] * 6,
            [0.6] + [0.04] * 8 + [0.08],
            [0.1] * 10,
            [0.01] * 9 + [0.91],
        ],
        dtype="float32",
    )
    digits = np.array([3, 0, 7, 9])
    expected = float(np.mean(-np.log(probabilities[np.arange(4), digits])))

    def computed(labels: np.ndarray) -> float | None:
        try:
            value = function(labels, probabilities)
            return float(np.mean(keras.ops.convert_to_numpy(value)))
        except Exception:  # noqa: BLE001 - a loss that cannot take these labels
            return None

    with_digits = computed(digits)
    if with_digits is not None and math.isclose(with_digits, expected, rel_tol=1e-4):
        return _correct("Sparse categorical cross-entropy takes the digits 0-9 as they are.")
    with_one_hot = computed(np.eye(10, dtype="float32")[digits])
    if with_one_hot is not None and math.isclose(with_one_hot, expected, rel_tol=1e-4):
        return _wrong(
            "This loss expects one-hot labels. Hint: the `sparse_` version takes the "
            "digits as they are."
        )
    config = function.get_config() if hasattr(function, "get_config") else {}
    if isinstance(config, dict) and config.get("from_logits"):
        return _wrong(
            "`from_logits=True` is for a network without softmax; this one ends with "
            "softmax, so its outputs are already probabilities."
        )
    return _wrong("This loss does not compare ten probabilities with a digit label.")


#: "Clearly above": the final training accuracy at least this much above the validation's.
LEAST_OVERFITTING_GAP = 0.02
#: After many epochs on few images, without dropout, the training accuracy is nearly 1.
LEAST_TRAINING_ACCURACY = 0.9


@_never_raises
def check_overfitting(training: Any, validation: Any, validation_loss: Any = ...) -> Feedback:
    """Exercise 4.2: without dropout, after many epochs on few images, the final training
    accuracy must be high and clearly above the validation accuracy. With
    ``validation_loss`` (the validation loss of every epoch; ``...`` when not given), the
    last epoch's must also lie above the lowest: the validation loss has risen again."""
    accuracies = _accuracies(training=training, validation=validation)
    if isinstance(accuracies, Feedback):
        return accuracies
    training, validation = accuracies["training"], accuracies["validation"]
    if validation > training:
        return _wrong(
            "The validation accuracy is the higher one: check that the two are not swapped, "
            "and that the network has no `Dropout` layer (dropout holds the training "
            "accuracy down while the network trains)."
        )
    if training < LEAST_TRAINING_ACCURACY:
        return _wrong(
            f"A network without dropout, trained for many epochs on a few images, gets "
            f"nearly all of them right, not {training:.1%}: did you read the last epoch's "
            "`accuracy`, and train for all the epochs?"
        )
    if training - validation < LEAST_OVERFITTING_GAP - 1e-9:  # 0.95 - 0.93 is 0.0199...
        return _wrong(
            "The two accuracies are too close to show overfitting: train the network "
            "without dropout, on few images and for many epochs, as the exercise says, and "
            "read the last epoch's values."
        )
    rise = "" if validation_loss is ... else _validation_loss_rise(validation_loss)
    if isinstance(rise, Feedback):
        return rise
    return _correct(
        f"Training {training:.2%}, validation {validation:.2%}: a gap of "
        f"{100 * (training - validation):.1f} percentage points.{rise} The network does better "
        "on the images it learned from than on new ones: that is overfitting."
    )


# --- lesson 5 ------------------------------------------------------------------------------


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


# --- lesson 6 ------------------------------------------------------------------------------


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


# --- lesson 7 ------------------------------------------------------------------------------


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


@_never_raises
def check_augmentation_too_far(
    too_far: Any, recipe: Any, table: Mapping[str, Any] | None = None
) -> Feedback:
    """Exercise 7.2: rotations of up to 180 degrees must give a lower validation accuracy
    than the recipe's short run; ``recipe`` must be the table's "+ label smoothing" row."""
    accuracies = _different_accuracies(
        "train a fresh network with `degrees=180`, and measure it on the validation images",
        too_far=too_far,
        recipe=recipe,
    )
    if isinstance(accuracies, Feedback):
        return accuracies
    too_far, recipe = accuracies["too_far"], accuracies["recipe"]
    if too_far > recipe:
        return _wrong(
            "The wild rotations came out ahead: check that the two are not swapped, and that "
            "you trained a fresh `build_network()` with `degrees=180`."
        )
    row = None if table is None else _named_row(table, "label smoothing")
    if row is not None and not math.isclose(recipe, row, abs_tol=1e-6):
        return _wrong('`recipe` should be the accuracy in the table\'s row "+ label smoothing".')
    return _correct(
        f"Rotated up to 180 degrees {too_far:.2%}, the recipe {recipe:.2%}: augmentation that "
        "changes what a digit shows costs accuracy."
    )


# --- lesson 8 ------------------------------------------------------------------------------


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


def check_output_size(
    answer: Any, size: int, kernel_size: int, stride: int = 1, padding: str = "valid"
) -> Feedback:
    """Exercise: how many positions along each side does a square kernel of ``kernel_size``
    produce on a ``size`` x ``size`` input, with Keras's ``padding`` and ``stride``?

    The answer may be one whole number or a pair (height, width). Feedback on a wrong answer
    names the likely mistake but never gives the right value away.
    """
    if padding not in ("valid", "same"):
        raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}.")
    if answer is None:
        return UNANSWERED
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
    padded = kernel_size - 1 if padding == "same" else 0  # zeros added across each side
    expected = (size + padded - kernel_size) // stride + 1
    if number == expected:
        return _correct(
            f"floor(({size} + {padded} - {kernel_size}) / {stride}) + 1 = {expected}: the "
            f"{size} x {size} input gives {expected} x {expected} outputs."
        )
    mistakes = [
        ((size + padded - kernel_size) // stride, "Count the first position too: add 1."),
        (
            size + padded - kernel_size + 1,
            "The kernel jumps `stride` pixels at a time: divide by the stride, then add 1.",
        ),
        (
            (size - kernel_size) // stride + 1 if padded else expected,
            "Padding 'same' first adds zeros around the input, p = (k - 1) / 2 on each side, "
            "so the kernel slides over n + 2p pixels.",
        ),
        (
            (size + padded // 2 - kernel_size) // stride + 1 if padded else expected,
            "The zeros go on both sides of the input: n + 2p, not n + p.",
        ),
        (
            (size + kernel_size - 1 - kernel_size) // stride + 1 if not padded else expected,
            "Padding 'valid' adds no zeros at all: p = 0.",
        ),
        (
            -(-(size + padded - kernel_size) // stride) + 1,
            "Round the division down (floor): the kernel never runs past the edge.",
        ),
    ]
    for value, hint in mistakes:
        if number == value:
            return _wrong(hint)
    return _wrong(
        "Hint: out = floor((n + 2p - k) / s) + 1, with n the input size, k the kernel size, "
        "p the zeros added on each side and s the stride."
    )


# --- lesson 4, exercise 4.2: the validation loss; lesson 5, exercise 5.3: shifted digits ----


def _validation_loss_rise(losses: Any) -> str | Feedback:
    """For the validation loss of every epoch: a sentence saying where it was lowest and how
    far it rose by the last epoch, or the feedback if it is no such list or did not rise."""
    if losses is None:
        return _wrong(
            "Fill in `val_loss` with the validation loss of every epoch, `history['val_loss']`."
        )
    array = _numeric_array(losses)
    if array is None or array.ndim != 1 or len(array) < 2:
        return _wrong(
            "`val_loss` should be the validation loss of every epoch, a list such as "
            "`history['val_loss']`, not a single number."
        )
    array = array.astype(float)
    if not np.all(np.isfinite(array)) or array.min() < 0:
        return _wrong("`val_loss` holds values that are no losses: did the training fail?")
    lowest = int(np.argmin(array))
    if array[-1] <= array[lowest]:
        return _wrong(
            "The validation loss is at its lowest in the last epoch: the network has not "
            "started to overfit yet. Are these the validation losses? Then train for more "
            "epochs, on few images, without dropout."
        )
    return (
        f" The validation loss was lowest after epoch {lowest + 1} ({array[lowest]:.4f}) and "
        f"rose to {array[-1]:.4f} by epoch {len(array)}."
    )


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
        "Hint: for each network, `np.mean(network.predict(moved, verbose=0).argmax(axis=1) "
        "== true)`, with `moved = shift_right(x_test, pixels)`."
    )


@_never_raises
def check_combined_gradient(answer: Any, slice_gradients: Any, slice_sizes: Any) -> Feedback:
    """Exercise 9.1: the gradient of the whole batch, combined from the mean gradients that
    devices worked out on slices of different sizes (``slice_sizes`` rows each)."""
    if answer is None:
        return UNANSWERED
    combined = _numeric_array(answer)
    gradients = np.asarray(slice_gradients, dtype=float)
    sizes = np.asarray(slice_sizes, dtype=float)
    if combined is None or combined.shape != gradients.shape[1:]:
        return _type_hint(
            "combined", answer, f"an array of the gradients' shape {gradients.shape[1:]}"
        )
    weights = sizes.reshape(-1, *[1] * (gradients.ndim - 1))
    expected = (weights * gradients).sum(axis=0) / sizes.sum()
    scale = np.abs(expected).max()

    def near(candidate: np.ndarray) -> bool:
        return bool(np.allclose(combined, candidate, rtol=1e-4, atol=1e-6 * scale))

    if near(expected):
        return _correct(
            f"Weighted by their {sizes.sum():.0f} rows, the slices give the whole batch's "
            "gradient: the all-reduce of data parallelism, done by hand."
        )
    if near(gradients.mean(axis=0)):
        return _wrong(
            "A plain average counts every slice the same, but the slices have different "
            "numbers of rows: each slice's gradient is a mean over its own rows."
        )
    if near(gradients.sum(axis=0)):
        return _wrong("A sum of means is far too large: the batch's gradient is a mean too.")
    if near((weights * gradients).sum(axis=0)):
        return _wrong("Nearly: after weighting by the rows, divide by the rows of the batch.")
    return _wrong(
        "Hint: turn each slice's mean back into a sum (multiply by its rows), add the sums, "
        "and divide by the number of rows in the whole batch."
    )


@_never_raises
def check_scaled_training(
    global_batch: Any,
    learning_rate: Any,
    devices: int,
    per_device_batch: int,
    base_learning_rate: float,
) -> Feedback:
    """Exercise 9.2: the global batch of ``devices`` devices with ``per_device_batch`` images
    each, and the learning rate that the linear scaling rule gives it, from
    ``base_learning_rate`` at a batch of ``per_device_batch`` on one device."""
    if global_batch is None or learning_rate is None:
        return UNANSWERED
    batch = _whole_number(global_batch)
    if batch is None:
        return _type_hint("global_batch", global_batch, "a whole number of images")
    rate = _scalar(learning_rate)
    if rate is None or not math.isfinite(rate) or rate <= 0:
        return _type_hint("learning_rate", learning_rate, "a positive number")
    expected_batch = devices * per_device_batch
    if batch != expected_batch:
        if batch == per_device_batch:
            return _wrong(
                "That is one device's batch: the global batch is what all the devices take "
                "in together in one step."
            )
        if batch == devices:
            return _wrong("That is the number of devices: how many images does each take?")
        return _wrong(
            "Not that global batch: each device takes its own batch of images in every "
            "step, and the global batch counts them all."
        )
    expected_rate = base_learning_rate * expected_batch / per_device_batch
    if math.isclose(rate, expected_rate, rel_tol=1e-3):
        return _correct(
            f"A global batch of {expected_batch:,} with a learning rate of {expected_rate:g}; "
            "start with a few epochs of warm-up from the small rate, as large-batch training "
            "does."
        )
    if math.isclose(rate, base_learning_rate, rel_tol=1e-3):
        return _wrong(
            "The global batch is right. With the same learning rate, a step averages more "
            "images but moves no further, so training needs more epochs: scale the rate."
        )
    if math.isclose(rate, base_learning_rate * per_device_batch / expected_batch, rel_tol=1e-3):
        return _wrong("The global batch is right; the learning rate is scaled the wrong way.")
    return _wrong(
        "The global batch is right. Hint: the linear scaling rule multiplies the learning "
        "rate by the factor by which the batch grew."
    )
