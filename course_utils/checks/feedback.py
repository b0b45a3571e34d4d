"""What the self-checks of several lessons share: the :class:`Feedback` that every check
returns, the guard that turns any error into feedback (:func:`_never_raises`), and the
helpers that read an answer (a number, an array, accuracies, a training's history, a Keras
model) or give the feedback for one that is not what the exercise asks for.

A helper that one lesson's checks use lives in that lesson's module; one that several use
lives here. The names with an underscore are the package's own: its modules import them,
the lessons do not.
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


def _rows(images: np.ndarray) -> list[bytes]:
    """One key per image, equal for images with equal pixel values, whatever their dtype."""
    flat = np.asarray(images, dtype=np.float64).reshape(len(images), -1)
    return [row.tobytes() for row in flat]


# --- a training's history, and the noise of an accuracy (lessons 2, 4 and 7) ---------------

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


def _standard_error(accuracy: float, images: int) -> float:
    """The standard error of an accuracy measured on ``images`` images: how far another
    sample of as many images would typically move it."""
    return math.sqrt(max(accuracy * (1 - accuracy), 0.0) / max(images, 1))


def _points(share: float) -> str:
    """A difference of two shares in percentage points, e.g. "2.2 points"."""
    return f"{100 * share:.1f} points"


# --- the network a student built (lessons 3 and 4) -----------------------------------------


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


def _probe_images() -> np.ndarray:
    """A fixed batch of random images to compare what two networks compute."""
    return np.random.default_rng(0).random((8, 28, 28, 1), dtype=np.float32)


def _outputs(model: Any, images: np.ndarray) -> np.ndarray:
    """What ``model`` computes for ``images`` when it predicts (dropout off)."""
    import keras

    return np.asarray(keras.ops.convert_to_numpy(model(images, training=False)), dtype=float)
