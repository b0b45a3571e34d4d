"""The drawing pad (course_utils.drawing) in Python: its preprocessing, the export of the
network's weights, and the widget without a front end. Its JavaScript against Python and
Keras is tested in test_drawing_js.py, the pad in Chromium in test_drawing_browser.py (and
on the built site in test_book.py), lesson 8's checks in test_checks.py.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from pathlib import Path

from course_utils import drawing

import keras
import numpy as np
import pytest

# --- preprocessing ---------------------------------------------------------------------------


def test_preprocessing_makes_mnist_style_digits() -> None:
    for name, strokes in drawing.EXAMPLE_STROKES.items():
        image = drawing.preprocess_strokes(strokes)
        assert image.shape == (28, 28) and image.dtype == np.float32
        assert 0 <= image.min() and image.max() == 1
        rows, columns = np.nonzero(image)
        assert max(np.ptp(rows), np.ptp(columns)) + 1 in (20, 21), name  # scaled into 20 x 20
        x, y = drawing.centre_of_mass(image)
        assert abs(x - drawing.MASS_CENTRE) < 0.3 and abs(y - drawing.MASS_CENTRE) < 0.3, name
    one = drawing.EXAMPLE_STROKES["one"]
    moved = drawing.transform_strokes(one, shift=(-90, 30))
    np.testing.assert_array_equal(
        drawing.preprocess_strokes(moved), drawing.preprocess_strokes(one)
    )
    assert not drawing.preprocess_strokes([]).any()


def test_mnist_digits_have_their_centre_of_mass_where_the_pad_puts_it(
    mnist_first_12000: tuple,
) -> None:
    _, (x_test, _) = mnist_first_12000
    centres = np.array([drawing.centre_of_mass(image[..., 0]) for image in x_test[:1000]])
    assert np.abs(centres.mean(axis=0) - drawing.MASS_CENTRE).max() < 0.05


@pytest.mark.parametrize(
    "strokes, message",
    [
        ("one", "must be a list of strokes"),
        ([[]], "stroke 0 must be a non-empty list"),
        ([[[1, 2, 3]]], "stroke 0 must be a non-empty list of"),
        ([[[1, float("nan")]]], "not a finite number"),
        ([[[10**400, 1]]], "a whole number of about 401 digits, that is not a finite number"),
        ([[[1e200, 1e200]]], r"1e\+200, that is not a finite number from -280,000 to 280,000"),
        ([[["140", 40]]], "'140', that is not a finite number"),
        ([[[None, 40]]], "None, that is not a finite number"),
        ([[[True, False]]], "True, that is not a finite number"),
        ([[[1, 2], [3]]], "stroke 0 must be a non-empty list of .* not pairs of numbers"),
        ([[[1, 2]], 7], "stroke 1 must be a non-empty list of .*; got int"),
        ([[[1, 2]]] * 1_001, "1,001 strokes \\(more than 1,000\\)"),
        ([[[1, 2]] * 1_000] * 101, "101,000 points \\(more than 100,000\\)"),
    ],
)
def test_bad_strokes_get_a_clear_error(strokes: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        drawing.preprocess_strokes(strokes)  # type: ignore[arg-type]


def test_export_refuses_layers_the_browser_cannot_run(tmp_path: Path) -> None:
    network = keras.Sequential(
        [keras.Input((28, 28, 1)), keras.layers.BatchNormalization(), keras.layers.Flatten()]
    )
    with pytest.raises(ValueError, match="cannot export layer .*BatchNormalization"):
        drawing.export_weights(network, tmp_path / "weights.json")
    assert not (tmp_path / "weights.json").exists()


# --- the widget without a front end ------------------------------------------------------------


def test_pad_reads_a_test_digit_set_from_code(
    briefly_trained_seed_model: keras.Model, mnist_first_12000: tuple
) -> None:
    _, (x_test, y_test) = mnist_first_12000
    pad = drawing.DrawingPad(briefly_trained_seed_model)
    assert pad.prediction is None and pad.probabilities == []
    pad.set_image(x_test[0])
    expected = briefly_trained_seed_model.predict(x_test[:1], verbose=0)[0]
    assert pad.prediction == int(expected.argmax()) == int(y_test[0].argmax())
    np.testing.assert_allclose(pad.probabilities, expected, atol=1e-6)
    np.testing.assert_allclose(pad.image_array, x_test[0, ..., 0], atol=1e-6)
    assert pad.from_code and pad.strokes == []
    pad.set_image((x_test[0, ..., 0] * 255).astype(np.uint8))  # 0-255, as Keras loads it
    assert pad.prediction == int(expected.argmax())


def test_pad_preprocesses_and_reads_strokes(briefly_trained_seed_model: keras.Model) -> None:
    pad = drawing.DrawingPad(briefly_trained_seed_model)
    started = time.perf_counter()
    pad.draw_strokes(drawing.EXAMPLE_STROKES["one"])
    seconds = time.perf_counter() - started
    print(f"strokes to prediction in the kernel: {seconds * 1000:.0f} ms")
    assert seconds < 1.0
    expected = drawing.preprocess_strokes(drawing.EXAMPLE_STROKES["one"])
    np.testing.assert_allclose(pad.image_array, expected, atol=1e-6)
    assert pad.prediction == 1
    assert not pad.from_code
    assert math.isclose(sum(pad.probabilities), 1, abs_tol=1e-5)
    pad.draw_strokes(drawing.EXAMPLE_STROKES["zero"])
    assert pad.prediction == 0
    assert pad.feature_map_shape == [26, 26, 32]  # the first convolution's 32 maps
    maps = np.frombuffer(pad.feature_maps, dtype=np.uint8).reshape(26, 26, 32)
    first_layer = briefly_trained_seed_model.layers[
        0
    ]  # the seed network starts with its convolution
    expected = keras.ops.convert_to_numpy(first_layer(pad.image_array.reshape(1, 28, 28, 1)))[0]
    np.testing.assert_allclose(maps / 255, expected / expected.max(), atol=1 / 255)


def test_the_front_end_drawing_and_clear_button_reach_the_kernel(
    briefly_trained_seed_model: keras.Model,
) -> None:
    """What the front end does: set `strokes` (pointer up) and send {"type": "clear"}."""
    pad = drawing.DrawingPad(briefly_trained_seed_model)
    pad.set_state({"strokes": drawing.EXAMPLE_STROKES["zero"]})
    assert pad.prediction == 0 and pad.image_array.sum() > 50
    pad._handle_custom_msg({"type": "clear"}, [])
    assert pad.strokes == [] and pad.prediction is None and not pad.image_array.any()
    assert pad.feature_maps == b"" and pad.feature_map_shape == []
    pad.set_image(np.ones((28, 28)))
    pad._handle_custom_msg({"type": "clear"}, [])  # clears an image set from code as well
    assert pad.prediction is None and not pad.from_code and not pad.image_array.any()


def test_pad_rejects_bad_input_clearly(briefly_trained_seed_model: keras.Model) -> None:
    with pytest.raises(ValueError, match="needs a trained Keras model"):
        drawing.DrawingPad(None)
    pad = drawing.DrawingPad(briefly_trained_seed_model)
    with pytest.raises(ValueError, match="must be 28 x 28 pixels"):
        pad.set_image(np.zeros((32, 32)))
    with pytest.raises(ValueError, match="grey levels must be in"):
        pad.set_image(np.full((28, 28), 300.0))
    with pytest.raises(ValueError, match="stroke 0"):
        pad.draw_strokes([[]])


def test_the_widget_loads_its_front_end_from_the_package() -> None:
    front_end = (drawing.STATIC_DIR / "drawing_pad.mjs").read_text()
    assert str(drawing.DrawingPad._esm) == front_end and "export default { render }" in front_end
    for name in drawing.SITE_FILES:
        assert (drawing.STATIC_DIR / name).is_file(), name


# --- bad input to the pad ------------------------------------------------------------------


@pytest.mark.parametrize("pen_width", [float("inf"), 1e-300, 0.0, -3.0, float("nan"), 1e9])
def test_a_pen_width_out_of_range_is_refused_clearly(pen_width: float) -> None:
    with pytest.raises(ValueError, match="pen_width must be between 1 and 280 pad units"):
        drawing.preprocess_strokes(drawing.EXAMPLE_STROKES["seven"], pen_width)


def test_a_stroke_of_many_close_points_is_thinned_to_the_same_ink() -> None:
    start, end = np.array([60.0, 60.0]), np.array([220.0, 230.0])
    dense = [list(map(list, np.linspace(start, end, 100_000)))]  # 100,000 points, one line
    started = time.perf_counter()
    image = drawing.preprocess_strokes(dense)
    assert time.perf_counter() - started < 5, "thinned: seconds, not half a minute"
    assert np.abs(image - drawing.preprocess_strokes([[start, end]])).max() < 0.07
    scribble = [list(map(list, np.random.default_rng(0).uniform(0, 280, (20_000, 2))))]
    with pytest.raises(ValueError, match="more than 5,000, even without points closer"):
        drawing.preprocess_strokes(scribble)


def test_as_image_refuses_grey_levels_it_would_have_to_guess() -> None:
    digit = np.zeros((28, 28))
    digit[10:18, 12:16] = 1.7  # neither [0, 1] nor whole numbers up to 255
    with pytest.raises(ValueError, match="got values from 0 to 1.7. Rescale the image first"):
        drawing.as_image(digit)
    whole = np.where(digit > 0, 200, 0)  # whole numbers up to 255: MNIST's grey levels
    np.testing.assert_allclose(drawing.as_image(whole), whole / 255, rtol=1e-6)


def _fixed_model(batch: np.ndarray, training: bool = False) -> np.ndarray:
    """A stand-in network (no training needed): the same ten probabilities for any image."""
    return np.full((len(batch), 10), 0.1)


#: What the pad shows; a refused update leaves all of it as it was.
SHOWN = ("strokes", "pen_width", "from_code", "image", "probabilities", "prediction",
         "feature_maps", "feature_map_shape")  # fmt: skip


def _shown(pad: drawing.DrawingPad) -> dict:
    return {name: getattr(pad, name) for name in SHOWN}


@pytest.mark.parametrize(
    "update, message",
    [
        ({"strokes": [[[10**400, 1]]]}, "a whole number of about 401 digits"),  # OverflowError
        ({"strokes": [[[1e200, 1e200]]]}, r"1e\+200, that is not a finite"),  # ZeroDivisionError
        ({"strokes": [[[1e200, 5], [1e200, 9]]]}, r"1e\+200, that is not a finite"),
        ({"strokes": [[[-1e308, 0], [1e308, 0]]]}, r"-1e\+308, that is not a finite"),
        ({"strokes": [[["140", 40]]]}, "'140', that is not a finite number"),
        ({"pen_width": 10**400}, "pen_width must be between 1 and 280 pad units; got a whole"),
        (  # a good drawing with a bad pen: refused whole
            {"strokes": drawing.EXAMPLE_STROKES["zero"], "pen_width": float("inf")},
            "pen_width must be between 1 and 280",
        ),
        (  # each good alone, but together no ink reaches a pixel
            {"strokes": [[[0, 140], [280, 140]]], "pen_width": 2.0},
            "a pen 2 pad units wide is too thin for this drawing",
        ),
    ],
)
def test_a_bad_update_is_refused_whole_and_the_pad_keeps_its_last_good_state(
    update: dict, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    pad = drawing.DrawingPad(_fixed_model).draw_strokes(drawing.EXAMPLE_STROKES["seven"])
    before = _shown(pad)
    sent = []
    monkeypatch.setattr(pad, "send_state", lambda key=None: sent.append(key))
    with pytest.warns(UserWarning, match=f"The drawing pad refused an update: .*{message}"):
        pad.set_state(update)
    assert _shown(pad) == before and sent[-1] is None, "the browser is sent all the state back"
    expected = drawing.preprocess_strokes(pad.strokes, pad.pen_width)
    np.testing.assert_allclose(pad.image_array, expected, atol=1e-6)  # still in step


class _UnreadStroke(Sequence):
    """A stroke of ``length`` points that fails the test when any of them is read."""

    def __init__(self, length: int) -> None:
        self.length = length

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, index: object) -> list[float]:
        raise AssertionError("a point was read before the drawing was refused")


@pytest.mark.parametrize(
    "strokes, message",
    [
        ([_UnreadStroke(1_000)] * 5_000, "5,000 strokes \\(more than 1,000\\)"),
        ([[[140.0, 40.0]] * 1_000] * 5_000, "5,000 strokes \\(more than 1,000\\)"),
        ([_UnreadStroke(1_000)] * 500, "500,000 points \\(more than 100,000\\)"),
    ],
)
def test_a_huge_drawing_is_refused_before_any_point_is_read(
    strokes: list, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """5,000 strokes of 1,000 points kept the kernel busy 20 s before they were refused: now
    the strokes and points are counted first, and no point is read (nor thinned)."""
    pad = drawing.DrawingPad(_fixed_model).draw_strokes(drawing.EXAMPLE_STROKES["seven"])
    before = _shown(pad)

    def thinned(points: np.ndarray) -> np.ndarray:
        raise AssertionError("a stroke was thinned before the drawing was refused")

    monkeypatch.setattr(drawing, "_thinned", thinned)
    monkeypatch.setattr(pad, "send_state", lambda *args, **kwargs: None)
    started = time.perf_counter()
    with pytest.warns(UserWarning, match=f"The drawing pad refused an update: .*{message}"):
        pad.set_state({"strokes": strokes})
    assert time.perf_counter() - started < 2, "refused at once (counting takes milliseconds)"
    assert _shown(pad) == before


def test_the_pad_keeps_its_last_good_state_when_drawing_fails(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Not only a refused message: whatever fails on the way (the network, a pen too thin
    for a drawing from code) leaves the drawing, the image and the prediction in step."""
    pad = drawing.DrawingPad(_fixed_model, pen_width=2.0)
    pad.draw_strokes(drawing.EXAMPLE_STROKES["seven"])
    before = _shown(pad)
    with pytest.raises(ValueError, match="a pen 2 pad units wide is too thin for this drawing"):
        pad.draw_strokes([[[0, 140], [280, 140]]])  # a hairline across the pad: no ink left
    assert _shown(pad) == before

    def broken(batch: np.ndarray, training: bool = False) -> np.ndarray:
        raise RuntimeError("the network failed")

    monkeypatch.setattr(pad, "model", broken)
    sent = []
    monkeypatch.setattr(pad, "send_state", lambda key=None: sent.append(key))
    with pytest.raises(RuntimeError, match="the network failed"):
        pad.set_state({"strokes": drawing.EXAMPLE_STROKES["zero"]})
    assert _shown(pad) == before and sent[-1] is None


def test_a_refused_update_from_the_browser_leaves_the_pad_as_it_was(
    briefly_trained_seed_model: keras.Model, monkeypatch: pytest.MonkeyPatch
) -> None:
    pad = drawing.DrawingPad(briefly_trained_seed_model).draw_strokes(
        drawing.EXAMPLE_STROKES["seven"]
    )
    before = (pad.strokes, pad.pen_width, pad.image, pad.prediction)
    sent = []
    monkeypatch.setattr(pad, "send_state", lambda *args, **kwargs: sent.append(True))
    for update in ({"strokes": [[["a", 1]]]}, {"pen_width": float("inf")}):
        with pytest.warns(UserWarning, match="The drawing pad refused an update"):
            pad.set_state(update)
        assert (pad.strokes, pad.pen_width, pad.image, pad.prediction) == before
    assert sent == [True, True], "the browser is sent the kernel's state back"
