"""Self-checks for the exercises: call one after your answer and read its feedback.

Every check returns a :class:`Feedback` that Jupyter shows as one friendly line: what is
right, or what is wrong and a hint. A wrong answer, an unanswered exercise (``None``) or an
answer of the wrong type never raises, so you never have to read a traceback here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Feedback:
    """The outcome of a self-check: ``passed`` and a message for the student."""

    passed: bool
    message: str

    def __repr__(self) -> str:
        return ("Correct! " if self.passed else "Not yet. ") + self.message

    def _repr_markdown_(self) -> str:
        mark = "✅ **Correct!**" if self.passed else "❌ **Not yet.**"
        return f"{mark} {self.message}"


def _correct(message: str) -> Feedback:
    return Feedback(True, message)


def _wrong(message: str) -> Feedback:
    return Feedback(False, message)


UNANSWERED = _wrong("Replace the `None` with your answer, then run the cell again.")


def _whole_number(answer: Any) -> int | None:
    """``answer`` as an int if it is a whole number (Python or NumPy), else None."""
    if isinstance(answer, bool) or not isinstance(answer, (int, np.integer, float, np.floating)):
        return None
    if not math.isfinite(float(answer)) or float(answer) != int(answer):
        return None
    return int(answer)


def _type_hint(name: str, answer: Any, wanted: str) -> Feedback:
    return _wrong(f"`{name}` should be {wanted}, but it is a {type(answer).__name__}.")


def _whole_answer(answer: Any, name: str) -> int | Feedback:
    """The answer as an int, or the feedback for a missing or non-whole answer."""
    if answer is None:
        return UNANSWERED
    number = _whole_number(answer)
    return _type_hint(name, answer, "a whole number") if number is None else number


def check_digit_count(answer: Any, labels: np.ndarray, digit: int) -> Feedback:
    """Exercise: how many training images show ``digit``?"""
    count = _whole_answer(answer, "your answer")
    if isinstance(count, Feedback):
        return count
    expected = int(np.sum(np.asarray(labels) == digit))
    if count == expected:
        return _correct(f"There are {expected:,} images of the digit {digit}.")
    if count == len(labels):
        return _wrong(
            "That is the number of all images. Hint: compare the labels with the "
            f"digit first, e.g. `labels == {digit}`, then count the `True` values."
        )
    return _wrong(
        f"{count:,} is not it. Hint: `np.sum(y_train == {digit})` counts the "
        "labels that are equal to the digit."
    )


def check_digit_selection(
    answer: Any, images: np.ndarray, labels: np.ndarray, digit: int, count: int
) -> Feedback:
    """Exercise: pick the first ``count`` training images that show ``digit``."""
    if answer is None:
        return UNANSWERED
    if not isinstance(answer, np.ndarray):
        return _type_hint("your selection", answer, "a NumPy array of images")
    if answer.shape != (count, 28, 28):
        return _wrong(
            f"Expected {count} images of 28 x 28, i.e. shape ({count}, 28, 28); "
            f"yours has shape {answer.shape}."
        )
    expected = np.asarray(images)[np.asarray(labels) == digit][:count]
    if np.array_equal(answer, expected):
        return _correct(f"These are the first {count} images of the digit {digit}.")
    return _wrong(
        f"Those are not the first {count} images of a {digit}. Hint: index the "
        f"images with a mask, `x_train[y_train == {digit}]`, then take the first "
        f"{count}."
    )


def check_preprocessed(images: Any, labels: Any) -> Feedback:
    """Exercise: are ``images`` and ``labels`` ready for the network (lesson 2's steps)?"""
    if images is None or labels is None:
        return UNANSWERED
    if not isinstance(images, np.ndarray) or not isinstance(labels, np.ndarray):
        return _wrong(
            "Both the images and the labels should be NumPy arrays; got "
            f"{type(images).__name__} and {type(labels).__name__}."
        )
    if images.ndim == 3 and images.shape[1:] == (28, 28):
        return _wrong(
            f"The images have shape {images.shape}: the channel axis is missing. "
            "Hint: `images.reshape(-1, 28, 28, 1)`."
        )
    if images.ndim != 4 or images.shape[1:] != (28, 28, 1):
        return _wrong(f"The images should have shape (n, 28, 28, 1); yours have {images.shape}.")
    if not np.issubdtype(images.dtype, np.floating):
        return _wrong(
            f"The images are still {images.dtype}. Hint: convert with "
            "`.astype('float32')` and divide by 255."
        )
    if np.isnan(images).any():
        return _wrong("The images contain NaN values; start again from the raw arrays.")
    if images.size and (images.max() > 1.0 or images.min() < 0.0):
        return _wrong(
            f"Pixel values run up to {images.max():g}: they are not rescaled "
            "to [0, 1]. Hint: divide by 255."
        )
    if labels.ndim == 1:
        return _wrong(
            "The labels are still digits, not one-hot vectors. Hint: "
            "`keras.utils.to_categorical(labels, num_classes=10)`."
        )
    if labels.shape != (len(images), 10):
        return _wrong(
            f"The labels should have shape ({len(images)}, 10), one row per image; "
            f"yours have {labels.shape}."
        )
    if not np.all(np.isin(labels, (0, 1))) or not np.all(labels.sum(axis=1) == 1):
        return _wrong("Each label row should hold a single 1 and nine 0s.")
    return _correct(
        f"{len(images):,} images of shape (28, 28, 1) in [0, 1], with one-hot "
        "labels: ready for the network."
    )


def check_conv_parameters(answer: Any, filters: int, kernel_size: int, channels: int) -> Feedback:
    """Exercise: how many parameters has a Conv2D with these settings?"""
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
    return _wrong(
        "Hint: each filter has kernel height x kernel width x input channels "
        "weights, plus one bias."
    )


def check_model(model: Any, parameters: Any = "any") -> Feedback:
    """Exercise: is ``model`` a Keras model for MNIST (28 x 28 x 1 in, 10 probabilities out)?

    With ``parameters``, also compare the model's size with the student's prediction.
    """
    if model is None:
        return UNANSWERED
    try:
        import keras
    except ImportError:  # pragma: no cover - the course always has Keras
        return _wrong("Keras is not installed in this environment.")
    if not isinstance(model, keras.Model):
        return _type_hint("model", model, "a Keras model (e.g. `keras.Sequential([...])`)")
    try:
        input_shape, output_shape = tuple(model.input_shape), tuple(model.output_shape)
    except (AttributeError, ValueError):
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
    activation = getattr(model.layers[-1], "activation", None)
    if getattr(activation, "__name__", "") != "softmax":
        return _wrong(
            "The last layer should use `activation='softmax'` so that its ten "
            "outputs are probabilities."
        )
    actual = model.count_params()
    if parameters == "any":
        return _correct(f"A valid MNIST model with {actual:,} parameters.")
    if parameters is None:
        return _wrong(
            f"The model looks right. Now predict its parameter count: replace the "
            f"`None` with your number (it has {actual:,}, but can you explain it?)."
        )
    predicted = _whole_number(parameters)
    if predicted is None:
        return _type_hint("your prediction", parameters, "a whole number")
    if predicted == actual:
        return _correct(f"The model has {actual:,} parameters, as you predicted.")
    return _wrong(
        f"The model has {actual:,} parameters, you predicted {predicted:,}. Hint: "
        "`model.summary()` lists them layer by layer; which layer differs?"
    )


def check_loss_for_integer_labels(model: Any) -> Feedback:
    """Exercise: is ``model`` compiled with the loss that integer labels need?"""
    if model is None:
        return UNANSWERED
    loss = getattr(model, "loss", None)
    if loss is None:
        return _wrong("The model is not compiled yet: call `model.compile(...)` first.")
    name = loss if isinstance(loss, str) else getattr(loss, "name", type(loss).__name__)
    if "sparse_categorical_crossentropy" in str(name).lower():
        return _correct("Sparse categorical cross-entropy takes integer labels (0-9) directly.")
    if "categorical_crossentropy" in str(name).lower():
        return _wrong(
            "Plain categorical cross-entropy expects one-hot labels. Hint: the "
            "`sparse_` version takes the digits as they are."
        )
    return _wrong(f"The loss {name!r} is not made for classifying into ten classes.")


def check_accuracy(answer: Any, predicted: np.ndarray, true: np.ndarray) -> Feedback:
    """Exercise: compute the accuracy from predicted and true digits."""
    if answer is None:
        return UNANSWERED
    if isinstance(answer, bool) or not isinstance(answer, (int, float, np.number)):
        return _type_hint("your accuracy", answer, "a number between 0 and 1")
    expected = float(np.mean(np.asarray(predicted) == np.asarray(true)))
    if abs(float(answer) - expected) < 1e-6:
        return _correct(f"The accuracy is {expected:.4f}: the share of predictions that match.")
    if abs(float(answer) - 100 * expected) < 1e-4:
        return _wrong("That is a percentage; give the share between 0 and 1.")
    if abs(float(answer) - (1 - expected)) < 1e-6:
        return _wrong("That is the error rate. Hint: count where predictions *equal* the labels.")
    return _wrong("Hint: `np.mean(predicted == true)` is the share of correct predictions.")


def check_hardest_digit(answer: Any, predicted: np.ndarray, true: np.ndarray) -> Feedback:
    """Exercise: which digit does the model get wrong most often, relative to how many
    test images show it?"""
    if answer is None:
        return UNANSWERED
    digit = _whole_number(answer)
    if digit is None or not 0 <= digit <= 9:
        return _wrong("Your answer should be one digit, a whole number from 0 to 9.")
    predicted, true = np.asarray(predicted), np.asarray(true)
    recall = np.array([np.mean(predicted[true == d] == d) for d in range(10)])
    hardest = int(recall.argmin())
    if digit == hardest:
        return _correct(
            f"The digit {hardest} is recognised least often: "
            f"{recall[hardest]:.2%} of its test images."
        )
    return _wrong(
        f"The digit {digit} is recognised in {recall[digit]:.2%} of its images; "
        "another digit does worse. Hint: for each digit d, compute "
        "`np.mean(predicted[true == d] == d)`."
    )


def check_first_index_of(answer: Any, labels: np.ndarray, digit: int) -> Feedback:
    """Exercise: the index of the first test image that shows ``digit``."""
    index = _whole_answer(answer, "your index")
    if isinstance(index, Feedback):
        return index
    labels = np.asarray(labels)
    digits = labels.argmax(axis=1) if labels.ndim == 2 else labels
    expected = int(np.flatnonzero(digits == digit)[0])
    if index == expected:
        return _correct(f"Test image {expected} is the first {digit}.")
    if 0 <= index < len(digits) and digits[index] == digit:
        return _wrong(f"Image {index} is a {digit}, but not the first one.")
    return _wrong(f"Hint: `np.flatnonzero(digits == {digit})[0]` finds the first position.")


def check_feature_maps(maps: Any, shape: tuple[int, int, int]) -> Feedback:
    """Exercise: feature maps of one image from a given layer, of shape ``shape``."""
    if maps is None:
        return UNANSWERED
    if not isinstance(maps, np.ndarray):
        return _type_hint("your maps", maps, "a NumPy array (the result of `predict`)")
    if maps.shape == (1, *shape):
        return _correct(f"One image, {shape[2]} maps of {shape[0]} x {shape[1]}.")
    if maps.ndim == 4 and maps.shape[0] != 1:
        return _wrong(
            f"These are maps for {maps.shape[0]} images; predict on a batch of one, "
            "e.g. `x_test[i : i + 1]`."
        )
    return _wrong(
        f"Expected shape (1, {shape[0]}, {shape[1]}, {shape[2]}); got {maps.shape}. "
        "Hint: which layer's output did you ask for?"
    )


def check_experiment(**accuracies: Any) -> Feedback:
    """Exercise: an experiment that compares settings; each value an accuracy in [0, 1]."""
    if not accuracies:
        return _wrong("Pass your results by name, e.g. `check_experiment(scaled=a, raw=b)`.")
    missing = [name for name, value in accuracies.items() if value is None]
    if missing:
        return _wrong(f"Fill in {', '.join(missing)} by running your experiment.")
    for name, value in accuracies.items():
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
            return _type_hint(name, value, "an accuracy between 0 and 1")
        if not 0.0 <= float(value) <= 1.0:
            return _wrong(f"{name} = {value} is not an accuracy between 0 and 1.")
    ranked = sorted(accuracies.items(), key=lambda item: -float(item[1]))
    summary = ", ".join(f"{name} {float(value):.4f}" for name, value in ranked)
    return _correct(f"Results recorded: {summary}. Compare them with the explanation below.")


def check_centre_of_mass(answer: Any, image: Any) -> Feedback:
    """Exercise: the centre of mass (x, y) of a 28 x 28 image, in pixels from its top left
    corner, where pixel (row i, column j) covers x from j to j + 1."""
    if answer is None:
        return UNANSWERED
    try:
        x, y = (float(value) for value in answer)
    except (TypeError, ValueError):
        return _type_hint("your centre", answer, "a pair of numbers (x, y)")
    grey = np.asarray(image, dtype=float).reshape(28, 28)
    rows, columns = np.indices(grey.shape)
    expected_x = float((grey * (columns + 0.5)).sum() / grey.sum())
    expected_y = float((grey * (rows + 0.5)).sum() / grey.sum())
    if abs(x - expected_x) < 0.01 and abs(y - expected_y) < 0.01:
        return _correct(
            f"The ink's centre is at x = {expected_x:.2f}, y = {expected_y:.2f}; MNIST puts it "
            "at 14.5, 14.5, so the pad would move this digit back."
        )
    if abs(x - expected_y) < 0.01 and abs(y - expected_x) < 0.01:
        return _wrong("x and y are swapped: x runs along a row (columns), y down (rows).")
    if abs(x + 0.5 - expected_x) < 0.01 and abs(y + 0.5 - expected_y) < 0.01:
        return _wrong("Nearly: measure each pixel at its middle, column + 0.5 and row + 0.5.")
    return _wrong(
        "Hint: weight each pixel's position by its grey level: "
        "`(image * (columns + 0.5)).sum() / image.sum()` with `rows, columns = np.indices(...)`."
    )


def check_fools_only_the_seed(
    image: Any, label: Any, seed_model: Any, stronger_model: Any
) -> Feedback:
    """Exercise: a 28 x 28 image of the digit ``label`` that the seed network misreads and
    the stronger network reads correctly."""
    if image is None or label is None:
        return UNANSWERED
    digit = _whole_number(label)
    if digit is None or not 0 <= digit <= 9:
        return _wrong("`my_label` should be the digit your image shows, from 0 to 9.")
    array = np.asarray(image, dtype="float32")
    if array.size != 784:
        return _wrong(f"`my_digit` should be a 28 x 28 image; it has shape {array.shape}.")
    if array.min() < 0 or array.max() > 1:
        return _wrong("Grey levels should be in [0, 1], as the networks were trained on.")
    batch = array.reshape(1, 28, 28, 1)
    seed_reads = int(np.argmax(seed_model.predict(batch, verbose=0)))
    stronger_reads = int(np.argmax(stronger_model.predict(batch, verbose=0)))
    if seed_reads != digit and stronger_reads == digit:
        return _correct(
            f"The seed network reads {seed_reads}, the stronger one {stronger_reads}: "
            "what it learned from augmented digits made the difference."
        )
    if seed_reads == digit:
        return _wrong(f"The seed network reads this {digit} correctly; make it harder.")
    return _wrong(
        f"Both networks misread it (seed {seed_reads}, stronger {stronger_reads}); "
        "try something gentler, such as a smaller shift or rotation."
    )
