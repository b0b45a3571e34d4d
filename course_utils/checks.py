"""Self-checks for the exercises: call one after your answer and read its feedback.

Every check judges the answer itself, against the lesson's own data: it works out the right
answer and compares. A check of an experiment takes what the student ran (the history of the
training, or the trained network and the data), judges its figures, and measures the effect
against the noise of the run. It returns a :class:`Feedback` that Jupyter shows as one
friendly line: "Correct!", or "Not yet." with a hint that names the likely mistake without
giving the answer away. Where a check cannot judge an answer (it cannot tell what a
hand-drawn digit shows, or an experiment's effect lies within the noise of one run), it
answers "Recorded." with the numbers and what they can and cannot say. A wrong answer, an
unanswered exercise (``None``) or an answer of the wrong type never raises, so you never have
to read a traceback here.
"""

from __future__ import annotations

import functools
import inspect
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

    signature = inspect.signature(check)

    @functools.wraps(check)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> Feedback:
        try:
            signature.bind(*args, **kwargs)
        except TypeError:
            return _wrong(
                f"`{check.__name__}` takes other arguments than these: run the exercise "
                "cell's last line as it is, with your answers in its variables."
            )
        try:
            return check(*args, **kwargs)
        except Exception as error:  # noqa: BLE001 - a self-check never shows a traceback
            return _wrong(
                f"This answer could not be checked ({type(error).__name__}): is it the kind "
                "of value the exercise asks for?"
            )

    return guarded


def _as_array(answer: Any) -> np.ndarray:
    """``answer`` as a NumPy array; a PyTorch tensor is detached and moved to the processor
    first (NumPy cannot read one that requires grad, or one on a GPU)."""
    detach = getattr(answer, "detach", None)
    if callable(detach) and callable(getattr(answer, "cpu", None)):
        answer = detach().cpu()
    return np.asarray(answer)


def _scalar(answer: Any) -> float | None:
    """``answer`` as a float if it is one real number (a Python or NumPy number, or an array
    or tensor holding a single one), else None; True, False and text are not numbers."""
    if isinstance(answer, (bool, np.bool_, str, bytes)):
        return None
    try:
        if isinstance(answer, (int, float, np.integer, np.floating)):
            return float(answer)
        if hasattr(answer, "__array__"):
            array = _as_array(answer)
            if array.size == 1 and array.ndim <= 1 and array.dtype.kind in "iuf":
                return float(array.reshape(()))
    except (TypeError, ValueError, OverflowError, RuntimeError):
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
        array = _as_array(answer)
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


#: How many raw images (at most) exercise 2.1's check hands to the student's ``prepare``: a
#: sample of the raw arrays in an order of its own, which the lesson never prepared.
PREPARE_SAMPLE = 500


def _prepare_sample(raw_images: np.ndarray, raw_labels: Any) -> tuple[np.ndarray, np.ndarray]:
    """The raw images and labels that exercise 2.1's check gives the student's function:
    at most :data:`PREPARE_SAMPLE` of them (and fewer than all), in a shuffled order."""
    size = max(1, min(PREPARE_SAMPLE, len(raw_images) // 2))
    order = np.random.default_rng(0).permutation(len(raw_images))[:size]
    return raw_images[order].copy(), np.asarray(raw_labels)[order].copy()


@_never_raises
def check_preprocessed(prepare: Any, raw_images: np.ndarray, raw_labels: np.ndarray) -> Feedback:
    """Exercise 2.1: does the function ``prepare(images, labels)`` apply lesson 2's three
    steps, in their order, to raw MNIST arrays?

    The check calls ``prepare`` itself, on raw images and labels of its own choosing (a
    shuffled sample of ``raw_images`` and ``raw_labels``), so that it judges the student's
    preprocessing, not arrays that the lesson prepared already."""
    if prepare is None:
        return UNANSWERED
    if not callable(prepare):
        if isinstance(prepare, (tuple, list)) or _numeric_array(prepare) is not None:
            return _wrong(
                "`prepare` should be the function itself, not the arrays it returns: "
                "`def prepare(images, labels): ...`. The check calls it on raw arrays of "
                "its own."
            )
        return _type_hint("prepare", prepare, "a function, `def prepare(images, labels): ...`")
    raw_images = np.asarray(raw_images)
    given_images, given_labels = _prepare_sample(raw_images, raw_labels)
    try:
        result = prepare(given_images.copy(), given_labels.copy())
    except Exception as error:  # noqa: BLE001 - the student's function, reported not raised
        return _wrong(
            f"`prepare(images, labels)` raised {type(error).__name__} on {len(given_images)} "
            f"raw images of shape {given_images.shape[1:]} and {given_images.dtype}: "
            f"{str(error)[:200]}"
        )
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        return _wrong(
            "`prepare` should return two things, the images and the labels: "
            "`return images, labels`."
        )
    images, labels = result
    array, targets = _numeric_array(images), _numeric_array(labels)
    if array is None or targets is None:
        return _wrong(
            "`prepare` should return two arrays of numbers; it returned "
            f"{type(images).__name__} and {type(labels).__name__}."
        )
    given = len(given_images)
    for what, returned in (("images", array), ("labels", targets)):
        if len(returned) == len(raw_images) != given:
            return _wrong(
                f"`prepare` returned {len(returned):,} {what} for the {given} raw images it "
                "was given: it should prepare its arguments, `images` and `labels`, and "
                "nothing else (not the lesson's prepared arrays)."
            )
    return _judge_prepared(array, targets, given_images, given_labels)


def _judge_prepared(
    array: np.ndarray, targets: np.ndarray, raw_images: np.ndarray, raw_labels: np.ndarray
) -> Feedback:
    """Are ``array`` and ``targets`` the raw arrays after lesson 2's three steps?"""
    ready = raw_images.reshape(-1, 28, 28, 1).astype("float32") / 255
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
            f"`prepare` returned {len(array):,} images for the {len(ready):,} raw images it "
            "was given: prepare all of them, and nothing else."
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
        if sorted(_rows(np.rint(array * 255))) == sorted(_rows(raw_images)):
            return _wrong(
                "These are the right images in another order: keep the order of the raw "
                "arrays, so that every image keeps its label."
            )
        return _wrong(
            "The pixel values are not those of the raw images after lesson 2's steps "
            "(channel axis, `float32`, divide by 255). Does `prepare` start from its "
            "argument `images`?"
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
            "The labels do not match the raw labels: one-hot encode the argument `labels`, "
            "as they are."
        )
    return _correct(
        f"`prepare` turned {len(array):,} raw images of the check's choosing into images of "
        "shape (28, 28, 1) in [0, 1], with one-hot labels: ready for the network."
    )


#: What a Keras history of a network compiled with ``metrics=["accuracy"]`` and trained with
#: a validation split holds, one value per epoch.
HISTORY_KEYS = ("loss", "accuracy", "val_loss", "val_accuracy")


def _history(value: Any, name: str, source: str) -> dict[str, np.ndarray] | Feedback:
    """``value`` (a Keras ``History``, or its ``.history`` dict) as one array per figure of
    :data:`HISTORY_KEYS`, or the feedback for what it is not. ``source`` says where the
    student gets the history in this exercise."""
    history = getattr(value, "history", value)
    if isinstance(value, tuple) and any(
        isinstance(getattr(item, "history", item), Mapping) for item in value
    ):
        return _wrong(
            f"`{name}` holds several things, the history among them: keep only the history "
            "(`_, history = models.train_seed_cnn(...)` returns the model first)."
        )
    if not isinstance(history, Mapping):
        if _scalar(value) is not None or isinstance(value, (list, tuple, np.ndarray)):
            return _wrong(
                f"`{name}` should be the whole history of the training ({source}), not "
                "numbers read from it: the check reads every epoch's loss and accuracy itself."
            )
        return _type_hint(name, value, f"the history of the training ({source})")
    missing = [key for key in HISTORY_KEYS if key not in history]
    if "val_accuracy" in missing or "val_loss" in missing:
        return _wrong(
            f"`{name}` has no validation figures (`val_loss`, `val_accuracy`): train with "
            "a validation split, as the exercise says."
        )
    if missing:
        return _wrong(
            f"`{name}` has no {' and no '.join(f'`{key}`' for key in missing)}: compile the "
            "network with `metrics=['accuracy']`."
        )
    figures = {}
    for key in HISTORY_KEYS:
        array = _numeric_array(history[key])
        if array is None or array.ndim != 1 or len(array) == 0:
            return _wrong(f"`{name}['{key}']` should hold one number per epoch.")
        array = array.astype(float)
        if not np.all(np.isfinite(array)):
            return _wrong(
                f"`{name}['{key}']` holds values that are not numbers: did the training fail?"
            )
        if key.endswith("accuracy") and (array.min() < 0 or array.max() > 1):
            return _wrong(f"`{name}['{key}']` holds values outside [0, 1]: no accuracies.")
        if key.endswith("loss") and array.min() < 0:
            return _wrong(f"`{name}['{key}']` holds negative values: no losses.")
        figures[key] = array
    if len({len(array) for array in figures.values()}) != 1:
        return _wrong(f"The figures in `{name}` cover different numbers of epochs.")
    return figures


def _same_history(first: Mapping[str, np.ndarray], second: Mapping[str, np.ndarray]) -> bool:
    return all(
        len(first[key]) == len(second[key]) and np.array_equal(first[key], second[key])
        for key in HISTORY_KEYS
    )


def _standard_error(accuracy: float, images: int) -> float:
    """The standard error of an accuracy measured on ``images`` images: how far another
    sample of as many images would typically move it."""
    return math.sqrt(max(accuracy * (1 - accuracy), 0.0) / max(images, 1))


def _points(share: float) -> str:
    """A difference of two shares in percentage points, e.g. "2.2 points"."""
    return f"{100 * share:.1f} points"


#: A network trained for one epoch on 4,500 rescaled images gets far more than this share
#: of its 500 validation digits right (0.87 to 0.91 over the seeds and backends we tried).
LEAST_RESCALED_ACCURACY = 0.8
#: Exercise 2.2 validates on the last 10% of 5,000 images.
RESCALING_VALIDATION_IMAGES = 500
#: With raw pixels from 0 to 255, the first epoch's training loss is at least this many times
#: the rescaled run's (4 to 15 times over the seeds and backends we tried): the huge inputs
#: make the first updates overshoot.
LEAST_RAW_LOSS_RATIO = 2.0


@_never_raises
def check_rescaling_experiment(rescaled: Any, raw: Any) -> Feedback:
    """Exercise 2.2: the histories of two runs of one epoch, one on rescaled pixels and one
    on raw ones (0-255).

    The check judges the runs themselves. The raw run's training loss in its first epoch
    must be several times the rescaled run's (the effect of raw pixels, far beyond the
    noise), and the rescaled run far above chance. The validation accuracies are compared
    with the noise of 500 validation images: a difference inside it is reported as such,
    never as a result."""
    if rescaled is None and raw is None:
        return UNANSWERED
    source = "what `models.train_seed_cnn` returns second"
    runs = {}
    for name, value in (("rescaled", rescaled), ("raw", raw)):
        if value is None:
            return _wrong(f"Fill in `{name}` with the history of its run.")
        run = _history(value, name, source)
        if isinstance(run, Feedback):
            return run
        runs[name] = run
    first, second = runs["rescaled"], runs["raw"]
    if _same_history(first, second):
        return _wrong(
            "The two histories are identical: did you train two networks, one on the "
            "rescaled images and one on the raw ones, and keep each one's own history?"
        )
    if len(first["loss"]) != len(second["loss"]):
        return _wrong("Train both networks for the same number of epochs: one, as asked.")
    loss_rescaled, loss_raw = first["loss"][0], second["loss"][0]
    accuracy_rescaled, accuracy_raw = first["val_accuracy"][-1], second["val_accuracy"][-1]
    if loss_rescaled >= LEAST_RAW_LOSS_RATIO * loss_raw:
        return _wrong(
            f"The run given as `rescaled` had the far higher training loss in its first "
            f"epoch ({loss_rescaled:.3f} against {loss_raw:.3f}), which is what raw pixels "
            "do: are the two histories swapped?"
        )
    if accuracy_rescaled < LEAST_RESCALED_ACCURACY:
        return _wrong(
            f"With rescaled pixels the network should get far more than "
            f"{accuracy_rescaled:.1%} of the validation digits right after an epoch: did "
            "you divide by 255 only once, and train on the 5,000 images?"
        )
    if loss_raw < LEAST_RAW_LOSS_RATIO * loss_rescaled:
        return _wrong(
            f"The two runs' training losses in their first epoch are close ({loss_rescaled:.3f} "
            f"and {loss_raw:.3f}): pixels from 0 to 255 make it several times higher. Did the "
            "raw network see the values from 0 to 255, not divided by 255?"
        )
    images = RESCALING_VALIDATION_IMAGES
    gap = accuracy_rescaled - accuracy_raw
    noise = math.sqrt(
        _standard_error(accuracy_rescaled, images) ** 2 + _standard_error(accuracy_raw, images) ** 2
    )
    losses = (
        f"Rescaled pixels: training loss {loss_rescaled:.3f} over the first epoch, validation "
        f"accuracy {accuracy_rescaled:.2%}. Raw pixels: {loss_raw:.3f}, "
        f"{loss_raw / loss_rescaled:.1f} times as high, and {accuracy_raw:.2%}. "
    )
    if gap < -2 * noise:
        return _recorded(
            losses + f"The raw pixels' validation accuracy came out {_points(-gap)} higher, "
            f"more than twice the noise of one run on {images} validation images (standard "
            f"error of the difference {_points(noise)}): an unusual run. The losses show what "
            "raw pixels do; train both again with another seed (`seed=1`) before drawing a "
            "conclusion about the accuracy."
        )
    if gap > 2 * noise:
        accuracy = (
            f"The validation accuracy is {_points(gap)} lower with raw pixels, more than "
            f"twice the noise of one run on {images} validation images (standard error of "
            f"the difference {_points(noise)})."
        )
    else:
        accuracy = (
            f"The validation accuracies differ by {_points(abs(gap))}, within the noise of "
            f"one run on {images} validation images (standard error of the difference "
            f"{_points(noise)}): this run alone cannot say which pixels give the higher "
            "accuracy; runs with other seeds (`seed=1`, ...) can."
        )
    return _correct(
        losses
        + "Inputs up to 255 make the first updates overshoot, and the loss shows it. "
        + accuracy
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


def _mnist_shapes_hint(model: Any, name: str = "model") -> Feedback | None:
    """The feedback for an object that is not a Keras model from 28 x 28 x 1 images to ten
    outputs, or None if it is one."""
    import keras

    if not isinstance(model, keras.Model):
        return _type_hint(name, model, "a Keras model (e.g. `keras.Sequential([...])`)")
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
    return None


def _gives_probabilities(model: Any) -> bool:
    """Does ``model`` end with softmax: are its ten outputs probabilities?"""
    outputs = _outputs(model, _probe_images())
    return bool(np.all(outputs >= 0) and np.allclose(outputs.sum(axis=1), 1, atol=1e-4))


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


# --- lesson 4 ------------------------------------------------------------------------------

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


# --- lesson 5, exercise 5.3: shifted digits ------------------------------------------------


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
