"""Figures for the lessons. Each function takes plain NumPy arrays, checks their shapes
(a wrong shape raises a ``ValueError`` that says what was expected), and returns the
matplotlib Figure with a title and labelled axes.

Figures are made without pyplot, so nothing is shown twice and nothing piles up in memory:
end a notebook cell with the call and Jupyter shows the returned figure once.

Colour maps are chosen to stay readable in greyscale and for colour-blind readers: digits in
grey, everything else in ``cividis``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from course_utils import startup  # noqa: F401 - before Keras, it quietens TensorFlow

import numpy as np
from matplotlib.figure import Figure

DIGIT_CMAP = "gray_r"
VALUE_CMAP = "cividis"
#: Learning curves label every epoch up to this many; beyond, the first and every fifth.
EVERY_EPOCH_LABELLED = 15
#: Weights that can be negative: a diverging map, white at zero (readable with colour-blindness).
WEIGHT_CMAP = "RdBu_r"


def _show_figures_in_jupyter() -> None:
    """Let IPython display a returned Figure as a PNG (pyplot would do it only for figures
    that it manages itself)."""
    try:
        from IPython import get_ipython
        from IPython.core.pylabtools import select_figure_formats
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None:
        select_figure_formats(shell, {"png"}, bbox_inches="tight")


_show_figures_in_jupyter()


def _array(name: str, value: object, ndim: int | tuple[int, ...], what: str) -> np.ndarray:
    """Return ``value`` as an array, or raise a ValueError naming the expected shape."""
    array = np.asarray(value)
    allowed = (ndim,) if isinstance(ndim, int) else ndim
    if array.ndim not in allowed:
        raise ValueError(f"{name} must be {what}; got an array of shape {array.shape}.")
    if array.size == 0:
        raise ValueError(f"{name} is empty; it must be {what}.")
    if not np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.complexfloating):
        raise ValueError(f"{name} must hold real numbers; got dtype {array.dtype}.")
    if np.issubdtype(array.dtype, np.floating) and np.isnan(array).any():
        raise ValueError(f"{name} contains NaN values; check the step that produced it.")
    return array


def _labels(name: str, labels: object, count: int, classes: int = 10) -> np.ndarray:
    """Digit labels: one whole number from 0 to ``classes - 1`` per image."""
    array = _array(name, labels, 1, f"a 1-D array of {count} labels")
    if len(array) != count:
        raise ValueError(f"Got {count} images but {len(array)} {name}; give one each.")
    if array.min() < 0 or array.max() >= classes or not np.all(array == np.round(array)):
        raise ValueError(f"{name} must be whole numbers from 0 to {classes - 1}.")
    return array.astype(int)


def _images(name: str, images: object) -> np.ndarray:
    """Images as (n, height, width); a trailing channel axis of size 1 is dropped."""
    array = _array(name, images, (3, 4), "images of shape (n, 28, 28) or (n, 28, 28, 1)")
    if array.ndim == 4:
        if array.shape[-1] != 1:
            raise ValueError(f"{name} must have one channel; got shape {array.shape}.")
        array = array[..., 0]
    return array


def _grid(count: int, columns: int, cell: float = 1.3) -> tuple[Figure, np.ndarray]:
    """A figure with a grid of at least ``count`` axes, ticks hidden."""
    columns = max(1, min(columns, count))
    rows = math.ceil(count / columns)
    figure = Figure(figsize=(cell * columns, cell * rows + 0.6))
    axes = figure.subplots(rows, columns, squeeze=False)
    for axis in axes.flat:
        axis.set_xticks([])
        axis.set_yticks([])
    for axis in axes.flat[count:]:
        axis.set_visible(False)
    return figure, axes


def plot_digits(
    images: np.ndarray,
    labels: Sequence[int] | np.ndarray | None = None,
    columns: int = 10,
    title: str = "MNIST digits",
    titles: Sequence[str] | None = None,
) -> Figure:
    """A grid of digit images, each with its label above it when labels are given, or with
    its own text when ``titles`` are given (one per image). Every image is drawn on one scale:
    0 is white paper and the largest possible value (255 for raw pixels, else 1) black ink."""
    images = _images("images", images)
    if labels is not None:
        labels = _labels("labels", labels, len(images))
    if titles is not None and len(titles) != len(images):
        raise ValueError(f"Got {len(images)} images but {len(titles)} titles.")
    texts = titles if titles is not None else labels
    figure, axes = _grid(len(images), columns, cell=2.5 if len(images) == 1 else 1.3)
    darkest = 255 if np.max(images) > 1 else 1  # raw pixels (0-255) or rescaled ones (0-1)
    for index, (axis, image) in enumerate(zip(axes.flat, images, strict=False)):
        axis.imshow(image, cmap=DIGIT_CMAP, vmin=0, vmax=darkest)  # one scale for every digit
        if texts is not None:
            axis.set_title(str(texts[index]), fontsize=10 if titles is None else 8)
    figure.suptitle(title)
    figure.tight_layout()
    return figure


def plot_learning_curves(
    history: Mapping[str, Sequence[float]], title: str = "Learning curves"
) -> Figure:
    """Loss and accuracy per epoch, for training and (when present) validation data.

    ``history`` is ``model.fit(...).history``: a dict with ``loss`` and ``accuracy`` lists,
    and ``val_loss`` and ``val_accuracy`` when a validation set was used.
    """
    for key in ("loss", "accuracy"):
        if key not in history:
            raise ValueError(f"history has no {key!r}; pass model.fit(...).history.")
    figure = Figure(figsize=(10, 3.8))
    axes = figure.subplots(1, 2)
    for axis, metric in zip(axes, ("loss", "accuracy"), strict=True):
        train = _array(f"history[{metric!r}]", history[metric], 1, "a list of per-epoch values")
        epochs = np.arange(1, len(train) + 1)
        axis.plot(epochs, train, "o-", label="training")
        if f"val_{metric}" in history:
            axis.plot(epochs, np.asarray(history[f"val_{metric}"]), "s--", label="validation")
        axis.set_xlabel("epoch")
        axis.set_ylabel(metric)
        if len(epochs) > EVERY_EPOCH_LABELLED:  # 30 labels side by side would run together
            axis.set_xticks([1, *range(5, len(epochs) + 1, 5)])
        else:
            axis.set_xticks(epochs)
        axis.set_title(metric.capitalize())
        axis.grid(alpha=0.3)
        axis.legend()
    figure.suptitle(title)
    figure.tight_layout()
    return figure


def plot_filters(kernels: np.ndarray, title: str = "Learned filters") -> Figure:
    """The kernels of a convolution layer: ``kernels`` has shape (height, width, 1, count),
    as in ``model.layers[0].get_weights()[0]``. All filters share one colour scale, symmetric
    around zero (white), so that their weights can be compared; a colour bar shows it."""
    kernels = _array("kernels", kernels, 4, "a kernel of shape (height, width, 1, filters)")
    if kernels.shape[2] != 1:
        raise ValueError(
            f"kernels must have one input channel (the first layer's); got shape {kernels.shape}."
        )
    count = kernels.shape[-1]
    figure, axes = _grid(count, 8, cell=1.1)
    largest = float(np.abs(kernels).max()) or 1.0
    for index, axis in enumerate(axes.flat[:count]):
        image = axis.imshow(kernels[:, :, 0, index], cmap=WEIGHT_CMAP, vmin=-largest, vmax=largest)
        axis.set_title(f"#{index}", fontsize=8)
    figure.suptitle(f"{title} (blue: negative weight, white: zero, red: positive)")
    figure.tight_layout()
    figure.colorbar(image, ax=axes.ravel().tolist(), shrink=0.8, label="weight")
    return figure


def plot_feature_maps(maps: np.ndarray, title: str = "Feature maps", columns: int = 8) -> Figure:
    """The activations one image produces in one layer: ``maps`` has shape
    (height, width, channels), or (1, height, width, channels) straight from ``predict``."""
    maps = _array("maps", maps, (3, 4), "feature maps of shape (height, width, channels)")
    if maps.ndim == 4:
        if maps.shape[0] != 1:
            raise ValueError(f"maps must come from one image; got a batch of {maps.shape[0]}.")
        maps = maps[0]
    count = maps.shape[-1]
    figure, axes = _grid(count, columns, cell=1.2)
    for index, axis in enumerate(axes.flat[:count]):
        axis.imshow(maps[:, :, index], cmap=VALUE_CMAP)
        axis.set_title(f"#{index}", fontsize=8)
    figure.suptitle(f"{title} ({maps.shape[0]}x{maps.shape[1]}, light = strong activation)")
    figure.tight_layout()
    return figure


def plot_misclassified(
    images: np.ndarray,
    true_labels: np.ndarray,
    predicted_labels: np.ndarray,
    confidences: np.ndarray,
    columns: int = 8,
    title: str = "Misclassified digits",
) -> Figure:
    """Digits the model got wrong, each titled with its true label, the prediction and the
    model's confidence in that prediction."""
    images = _images("images", images)
    true_labels = _labels("true_labels", true_labels, len(images))
    predicted_labels = _labels("predicted_labels", predicted_labels, len(images))
    confidences = _array("confidences", confidences, 1, "a 1-D array, one value per image")
    if len(confidences) != len(images):
        raise ValueError(f"Got {len(images)} images but {len(confidences)} confidences.")
    if confidences.min() < 0 or confidences.max() > 1:
        raise ValueError("confidences must be probabilities between 0 and 1.")
    figure, axes = _grid(len(images), columns, cell=1.5)
    for axis, image, true, predicted, confidence in zip(
        axes.flat, images, true_labels, predicted_labels, confidences, strict=False
    ):
        axis.imshow(image, cmap=DIGIT_CMAP)
        axis.set_title(f"true {true}, said {predicted}\n{confidence:.0%} sure", fontsize=8)
    figure.suptitle(title)
    figure.tight_layout()
    return figure


def plot_confusion_matrix(
    true_labels: np.ndarray,
    predicted_labels: np.ndarray,
    classes: int = 10,
    title: str = "Confusion matrix",
) -> Figure:
    """Counts of (true, predicted) pairs: row = true digit, column = predicted digit.
    The diagonal holds the correct answers, printed on grey; the colours show the mistakes
    only, on a scale of their own, so that the few mistakes are not drowned by the many
    correct answers."""
    count = len(_array("true_labels", true_labels, 1, "a 1-D array of integer labels"))
    if len(np.atleast_1d(predicted_labels)) != count:
        raise ValueError(f"Got {count} true labels but {len(predicted_labels)} predictions.")
    true_labels = _labels("true_labels", true_labels, count, classes)
    predicted_labels = _labels("predicted_labels", predicted_labels, count, classes)
    matrix = np.zeros((classes, classes), dtype=int)
    np.add.at(matrix, (true_labels, predicted_labels), 1)
    figure = Figure(figsize=(6.5, 5.5))
    axis = figure.subplots()
    diagonal = np.eye(classes, dtype=bool)
    mistakes = np.ma.masked_array(matrix, mask=diagonal)
    axis.imshow(np.where(diagonal, 1.0, np.nan), cmap="Greys", vmin=0, vmax=4)  # grey diagonal
    image = axis.imshow(mistakes, cmap=VALUE_CMAP, vmin=0, vmax=max(1, int(mistakes.max() or 0)))
    threshold = (mistakes.max() or 0) / 2
    for true in range(classes):
        for predicted in range(classes):
            count = matrix[true, predicted]
            light = true == predicted or count > threshold
            axis.text(
                predicted,
                true,
                str(count),
                ha="center",
                va="center",
                fontsize=8,
                color="black" if light else "white",
            )
    axis.set_xticks(range(classes))
    axis.set_yticks(range(classes))
    axis.set_xlabel("predicted digit")
    axis.set_ylabel("true digit")
    axis.set_title(title)
    figure.colorbar(image, ax=axis, label="mistakes (number of test images)")
    figure.tight_layout()
    return figure


def plot_filter_response(
    image: np.ndarray,
    kernel: np.ndarray,
    response: np.ndarray,
    title: str = "What a filter responds to",
) -> Figure:
    """A digit, a small kernel with its weights written in, and the map that the kernel makes
    of the digit (``response``), side by side.

    ``image`` has shape (height, width) or (height, width, 1); ``kernel`` and ``response`` are
    2-D and no larger than the image. Kernel and response use a colour scale that is symmetric
    around 0, so the middle colour always means 0: darker is negative, lighter positive.
    """
    image = _array("image", image, (2, 3), "one image of shape (height, width)")
    if image.ndim == 3:
        if image.shape[-1] != 1:
            raise ValueError(f"image must have one channel; got shape {image.shape}.")
        image = image[..., 0]
    kernel = _array("kernel", kernel, 2, "a kernel of shape (height, width)")
    response = _array("response", response, 2, "a map of shape (height, width)")
    for name, array in (("kernel", kernel), ("response", response)):
        if array.shape[0] > image.shape[0] or array.shape[1] > image.shape[1]:
            raise ValueError(
                f"{name} has shape {array.shape}, larger than the image {image.shape}; "
                f"pass the {name} that belongs to this image."
            )
    figure = Figure(figsize=(10, 3.6))
    digit_axis, kernel_axis, response_axis = figure.subplots(1, 3, width_ratios=(1, 0.7, 1.25))
    digit_axis.imshow(image, cmap=DIGIT_CMAP)
    digit_axis.set_title("the digit")
    kernel_limit = float(np.abs(kernel).max()) or 1.0
    kernel_axis.imshow(kernel, cmap=VALUE_CMAP, vmin=-kernel_limit, vmax=kernel_limit)
    for (row, column), weight in np.ndenumerate(kernel):
        colour = "black" if weight >= 0 else "white"
        kernel_axis.text(column, row, f"{weight:g}", ha="center", va="center", color=colour)
    kernel_axis.set_title(f"the {kernel.shape[0]} x {kernel.shape[1]} kernel")
    limit = float(np.abs(response).max()) or 1.0
    shown = response_axis.imshow(response, cmap=VALUE_CMAP, vmin=-limit, vmax=limit)
    response_axis.set_title(f"its response, {response.shape[0]} x {response.shape[1]}")
    for axis in (digit_axis, kernel_axis, response_axis):
        axis.set_xticks([])
        axis.set_yticks([])
    figure.colorbar(shown, ax=response_axis, label="weighted sum (mid colour = 0)")
    figure.suptitle(title)
    figure.tight_layout()
    return figure
