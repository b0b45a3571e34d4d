"""course_utils.plotting: every figure is returned, titled, and guarded against bad shapes."""

from __future__ import annotations

from course_utils import plotting

import numpy as np
import pytest
from matplotlib.figure import Figure

RNG = np.random.default_rng(1)
IMAGES = RNG.random((12, 28, 28, 1)).astype("float32")
LABELS = RNG.integers(0, 10, 12)


def title_of(figure: Figure) -> str:
    """The figure's overall title, or its single axes' title."""
    return figure.get_suptitle() or figure.axes[0].get_title()


def visible_axes(figure: Figure) -> list:
    return [axis for axis in figure.axes if axis.get_visible() and axis.images]


def test_digit_grid_shows_each_image_with_its_label() -> None:
    figure = plotting.plot_digits(IMAGES, LABELS, columns=5, title="Some digits")
    assert isinstance(figure, Figure) and title_of(figure) == "Some digits"
    shown = visible_axes(figure)
    assert len(shown) == 12
    assert [axis.get_title() for axis in shown] == [str(label) for label in LABELS]
    assert shown[0].images[0].get_array().shape == (28, 28)


def test_digit_grid_accepts_images_without_a_channel_axis() -> None:
    assert len(visible_axes(plotting.plot_digits(IMAGES[..., 0]))) == 12


@pytest.mark.parametrize(
    "images, labels, message",
    [
        (IMAGES[0, ..., 0], None, r"images must be images of shape \(n, 28, 28\)"),
        (np.zeros((3, 28, 28, 3)), None, "must have one channel"),
        (np.zeros((0, 28, 28)), None, "images is empty"),
        (IMAGES, LABELS[:3], "Got 12 images but 3 labels"),
        (np.full((2, 28, 28), "x"), None, "must hold real numbers"),
        (np.full((2, 28, 28), np.nan), None, "contains NaN"),
        (IMAGES[:2], [3, 12], "labels must be whole numbers from 0 to 9"),
        (IMAGES[:2], [3, -1], "labels must be whole numbers from 0 to 9"),
        (IMAGES.astype(complex), None, "must hold real numbers"),
    ],
)
def test_digit_grid_rejects_wrong_input(images, labels, message) -> None:
    with pytest.raises(ValueError, match=message):
        plotting.plot_digits(images, labels)


def test_learning_curves_plot_training_and_validation() -> None:
    history = {
        "loss": [0.3, 0.1],
        "accuracy": [0.9, 0.97],
        "val_loss": [0.2, 0.1],
        "val_accuracy": [0.95, 0.98],
    }
    figure = plotting.plot_learning_curves(history)
    loss_axis, accuracy_axis = figure.axes
    assert [line.get_label() for line in loss_axis.lines] == ["training", "validation"]
    assert list(accuracy_axis.lines[1].get_ydata()) == [0.95, 0.98]
    assert loss_axis.get_xlabel() == "epoch" and accuracy_axis.get_ylabel() == "accuracy"
    without_validation = plotting.plot_learning_curves({"loss": [1.0], "accuracy": [0.5]})
    assert len(without_validation.axes[0].lines) == 1
    with pytest.raises(ValueError, match="history has no 'accuracy'"):
        plotting.plot_learning_curves({"loss": [0.3]})


def test_filters_one_panel_per_filter() -> None:
    kernels = RNG.normal(size=(3, 3, 1, 32))
    figure = plotting.plot_filters(kernels)
    assert len(visible_axes(figure)) == 32
    sixth = visible_axes(figure)[5].images[0].get_array()
    np.testing.assert_array_equal(sixth, kernels[:, :, 0, 5])
    largest = np.abs(kernels).max()  # one scale for all, zero in the middle
    scales = {axis.images[0].get_clim() for axis in visible_axes(figure) if axis.images}
    assert scales == {(-largest, largest)}
    assert any(axis.get_label() == "<colorbar>" for axis in figure.axes)
    with pytest.raises(ValueError, match="one input channel"):
        plotting.plot_filters(RNG.normal(size=(3, 3, 32, 32)))
    with pytest.raises(ValueError, match="kernel of shape"):
        plotting.plot_filters(RNG.normal(size=(3, 3, 32)))


def test_feature_maps_accept_a_batch_of_one() -> None:
    maps = RNG.random((1, 26, 26, 32))
    figure = plotting.plot_feature_maps(maps, title="Layer 1")
    assert len(visible_axes(figure)) == 32 and "Layer 1" in title_of(figure)
    with pytest.raises(ValueError, match="from one image"):
        plotting.plot_feature_maps(RNG.random((2, 26, 26, 32)))


def test_misclassified_titles_say_true_predicted_and_confidence() -> None:
    figure = plotting.plot_misclassified(
        IMAGES[:2], np.array([3, 5]), np.array([8, 6]), np.array([0.91, 0.5])
    )
    titles = [axis.get_title() for axis in visible_axes(figure)]
    assert titles == ["true 3, said 8\n91% sure", "true 5, said 6\n50% sure"]
    with pytest.raises(ValueError, match="Got 2 images but 1 confidences"):
        plotting.plot_misclassified(IMAGES[:2], [3, 5], [8, 6], [0.9])


def test_confusion_matrix_counts_every_pair() -> None:
    true = np.array([0, 0, 1, 2, 2, 2])
    predicted = np.array([0, 1, 1, 2, 2, 0])
    figure = plotting.plot_confusion_matrix(true, predicted, classes=3)
    mistakes = figure.axes[0].images[-1].get_array()  # coloured: the mistakes only
    assert mistakes.mask.tolist() == np.eye(3, dtype=bool).tolist()
    np.testing.assert_array_equal(mistakes.filled(0), [[0, 1, 0], [0, 0, 0], [1, 0, 0]])
    assert figure.axes[0].images[-1].get_clim() == (0, 1)  # the scale of the mistakes
    cell_texts = [text.get_text() for text in figure.axes[0].texts]
    assert cell_texts == ["1", "1", "0", "0", "1", "0", "1", "0", "2"]
    assert figure.axes[0].get_xlabel() == "predicted digit"


@pytest.mark.parametrize(
    "true, predicted, message",
    [
        ([0, 1], [0], "2 true labels but 1 predictions"),
        ([0, 10], [0, 1], r"true_labels must be whole numbers from 0 to 9"),
        ([0, 1], [0, -1], "predicted_labels must be whole numbers"),
        ([0.5, 1], [0, 1], "true_labels must be whole numbers"),
    ],
)
def test_confusion_matrix_rejects_bad_labels(true, predicted, message) -> None:
    with pytest.raises(ValueError, match=message):
        plotting.plot_confusion_matrix(np.array(true), np.array(predicted))


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: plotting.plot_learning_curves({"loss": [], "accuracy": []}), "is empty"),
        (lambda: plotting.plot_learning_curves({"loss": [np.nan], "accuracy": [1]}), "NaN"),
        (lambda: plotting.plot_filters(np.full((3, 3, 1, 4), np.nan)), "NaN"),
        (lambda: plotting.plot_feature_maps(np.zeros((0, 0, 0))), "is empty"),
        (lambda: plotting.plot_feature_maps("maps"), "feature maps of shape"),
        (lambda: plotting.plot_misclassified(IMAGES[:1], [3], [3], [1.5]), "between 0 and 1"),
        (lambda: plotting.plot_misclassified(IMAGES[:1], [10], [3], [0.5]), "from 0 to 9"),
        (lambda: plotting.plot_confusion_matrix(np.array([]), np.array([])), "is empty"),
        (lambda: plotting.plot_confusion_matrix(np.array([1.0, np.nan]), [1, 2]), "NaN"),
    ],
)
def test_bad_values_are_explained(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def test_filter_response_shows_digit_kernel_and_a_symmetric_scale() -> None:
    kernel = np.array([[1.0, 0.0, -1.0]] * 3)
    response = RNG.normal(size=(26, 26))
    figure = plotting.plot_filter_response(IMAGES[0], kernel, response, title="Edges")
    digit_axis, kernel_axis, response_axis = visible_axes(figure)[:3]
    assert title_of(figure) == "Edges" and len(figure.axes) == 4  # three panels, a colour bar
    np.testing.assert_array_equal(digit_axis.images[0].get_array(), IMAGES[0, ..., 0])
    np.testing.assert_array_equal(response_axis.images[0].get_array(), response)
    limit = np.abs(response).max()
    assert response_axis.images[0].get_clim() == pytest.approx((-limit, limit))
    assert figure.axes[3].get_ylabel() == "weighted sum (mid colour = 0)"
    assert [text.get_text() for text in kernel_axis.texts] == ["1", "0", "-1"] * 3
    assert kernel_axis.get_title() == "the 3 x 3 kernel"
    flat = plotting.plot_filter_response(IMAGES[0, ..., 0], kernel, np.zeros((26, 26)))
    assert flat.axes[2].images[0].get_clim() == (-1.0, 1.0)  # an all-zero map still has a scale


@pytest.mark.parametrize(
    "image, kernel, response, message",
    [
        (IMAGES[0], np.ones((3, 3)), np.ones((30, 26)), r"response has shape \(30, 26\), larger"),
        (IMAGES[0], np.ones((29, 3)), np.ones((26, 26)), "kernel has shape"),
        (IMAGES[0], np.ones((3, 3, 1)), np.ones((26, 26)), "a kernel of shape"),
        (np.zeros((28, 28, 3)), np.ones((3, 3)), np.ones((26, 26)), "one channel"),
        (IMAGES[:2], np.ones((3, 3)), np.ones((26, 26)), "one image of shape"),
        (IMAGES[0], np.ones((3, 3)), np.full((26, 26), np.nan), "response contains NaN"),
    ],
)
def test_filter_response_rejects_wrong_input(image, kernel, response, message) -> None:
    with pytest.raises(ValueError, match=message):
        plotting.plot_filter_response(image, kernel, response)


def test_digits_titled_with_text_of_their_own() -> None:
    figure = plotting.plot_digits(IMAGES[:2], titles=["7\nseed 2", "4\nseed 5"], title="Tricky")
    assert [axis.get_title() for axis in visible_axes(figure)] == ["7\nseed 2", "4\nseed 5"]
    with pytest.raises(ValueError, match="2 images but 1 titles"):
        plotting.plot_digits(IMAGES[:2], titles=["7"])


def test_learning_curves_label_every_epoch_until_there_are_too_many() -> None:
    def ticks(epochs: int) -> list[float]:
        history = {"loss": [1.0] * epochs, "accuracy": [0.5] * epochs}
        return list(plotting.plot_learning_curves(history).axes[0].get_xticks())

    assert ticks(4) == [1, 2, 3, 4]
    assert ticks(15) == list(range(1, 16))
    assert ticks(30) == [1, 5, 10, 15, 20, 25, 30]
