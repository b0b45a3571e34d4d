"""Draw a digit and let the network read it: the drawing pad of lesson 8.

A drawing is a list of strokes; a stroke is a list of ``(x, y)`` points on a square pad
(``PAD_SIZE`` units wide, y pointing down) drawn with a round pen ``pen_width`` units wide.
:func:`preprocess_strokes` turns it into the 28 x 28 input the network expects, the way
MNIST itself was made: the ink's bounding box is scaled to fit 20 x 20 pixels (keeping its
aspect ratio), then the digit is placed in the 28 x 28 frame so that its centre of mass
sits where MNIST's digits have theirs (``MASS_CENTRE``, half a pixel right of and below the
frame's centre); grey levels are in [0, 1]. The browser does the same in
``static/preprocess.mjs``; the tests check that both give the same image.

:class:`DrawingPad` is the Jupyter widget (anywidget; its front end is
``static/drawing_pad.mjs``). It predicts in the kernel with the model it is given, and works
without a front end too: ``pad.draw_strokes(...)`` or ``pad.set_image(...)``, then read
``pad.prediction`` and ``pad.probabilities``.

:func:`export_weights` writes a trained seed network to a small JSON file that
``static/forward.mjs`` runs in the browser, with no kernel (the course's website).
"""

from __future__ import annotations

import base64
import contextlib
import json
import math
import shutil
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from course_utils import startup  # noqa: F401 - before Keras, it quietens TensorFlow

import anywidget
import numpy as np
import traitlets

STATIC_DIR = Path(__file__).parent / "static"
PAD_SIZE = 280  # the pad's width and height, in its own units (CSS pixels in the browser)
PEN_WIDTH = 26.0  # a pen about as thick, relative to a digit, as MNIST's strokes
FRAME = 28  # the network's input is FRAME x FRAME pixels
BOX = 20  # the digit's bounding box is scaled to fit BOX x BOX pixels
#: Where MNIST's digits have their centre of mass, in pixels from the frame's top left
#: corner (measured on the test set: 14.50 and 14.49), i.e. the middle of pixel (14, 14).
MASS_CENTRE = 14.5
SUBSAMPLES = 4  # each pixel's grey level is the share of SUBSAMPLES**2 points under the pen
#: Pens the pad accepts, in pad units: from a hairline to the whole pad.
PEN_RANGE = (1.0, float(PAD_SIZE))
#: Points closer than this (pad units, a fourteenth of a pixel) to the last one kept add no
#: ink the network could see; a mouse or pen can send thousands of them per stroke.
POINT_SPACING = 1.0
#: Points a drawing may hold after thinning: far more than any handwritten digit needs.
MAX_POINTS = 5_000
#: Strokes, and points before thinning, a drawing may hold: counted before any point is read,
#: so that a drawing far too large is refused at once (a digit takes a few strokes).
MAX_STROKES = 1_000
MAX_RAW_POINTS = 100_000
#: How far from the pad's corner a point may lie, in pad units: a thousand pads, farther than
#: a pointer dragged across any screen. Beyond some 1e15 the pen's width is lost in rounding.
COORDINATE_LIMIT = 1_000.0 * PAD_SIZE
WEIGHTS_FORMAT = "course-cnn-weights/1"

Strokes = Sequence[Sequence[Sequence[float]]]

#: A few digits drawn as strokes on the 280 x 280 pad, for lessons and tests.
EXAMPLE_STROKES: dict[str, list[list[list[float]]]] = {
    "one": [[[140, 40], [140, 240]]],
    "zero": [
        [
            [140 + 62 * math.sin(2 * math.pi * k / 36), 140 - 95 * math.cos(2 * math.pi * k / 36)]
            for k in range(37)
        ]
    ],
    "seven": [[[70, 50], [210, 50], [120, 240]]],
    "crossed_seven": [[[70, 50], [210, 50], [120, 240]], [[110, 150], [200, 150]]],
    "european_one": [[[85, 105], [150, 40], [150, 240]]],
    "four": [[[120, 40], [75, 165], [215, 165]], [[175, 95], [175, 245]]],
}


def _shown(value: Any) -> str:
    """``value`` as a message shows it: a huge whole number by its length, anything else by
    its repr, cut to 30 characters."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, int) and value.bit_length() > 64:
        return f"a whole number of about {int(value.bit_length() * math.log10(2)) + 1:,} digits"
    text = repr(value)
    return text if len(text) <= 30 else f"{text[:29]}…"


def _checked_points(strokes: Any) -> list[np.ndarray]:
    """The strokes as float arrays of shape (points, 2), every coordinate a finite number
    within COORDINATE_LIMIT; a clear ValueError for anything else. The strokes and points are
    counted before any point is read, so a drawing far too large is refused at once."""
    if isinstance(strokes, (str, bytes)) or not isinstance(strokes, Sequence):
        raise ValueError(
            "strokes must be a list of strokes, each a list of (x, y) points, "
            f"e.g. [[(140, 40), (140, 240)]]; got {type(strokes).__name__}."
        )
    if len(strokes) > MAX_STROKES:
        raise ValueError(
            f"the drawing has {len(strokes):,} strokes (more than {MAX_STROKES:,}): "
            "clear the pad and draw the digit again."
        )
    total = 0
    for number, stroke in enumerate(strokes):
        if isinstance(stroke, np.ndarray) and stroke.ndim != 2:
            got = f"an array of shape {stroke.shape}"
        elif isinstance(stroke, (str, bytes)) or not isinstance(stroke, (Sequence, np.ndarray)):
            got = type(stroke).__name__
        else:
            total += len(stroke)
            continue
        raise ValueError(f"stroke {number} must be a non-empty list of (x, y) points; got {got}.")
    if total > MAX_RAW_POINTS:
        raise ValueError(
            f"the drawing has {total:,} points (more than {MAX_RAW_POINTS:,}): "
            "clear the pad and draw the digit again."
        )
    return [_points(number, stroke) for number, stroke in enumerate(strokes)]


def _points(number: int, stroke: Any) -> np.ndarray:
    """Stroke ``number`` as a float array of shape (points, 2), checked as _checked_points says."""
    try:
        points = np.asarray(stroke)
    except (ValueError, TypeError, OverflowError):  # e.g. points of different lengths
        raise ValueError(
            f"stroke {number} must be a non-empty list of (x, y) points; some of its points "
            "are not pairs of numbers."
        ) from None
    if points.ndim != 2 or points.shape[1] != 2 or len(points) == 0:
        raise ValueError(
            f"stroke {number} must be a non-empty list of (x, y) points; "
            f"got an array of shape {points.shape}."
        )
    if points.dtype.kind in "iuf":
        values = points.astype(float)
        inside = np.abs(values) <= COORDINATE_LIMIT  # False for NaN too
        if inside.all():
            return values
        bad = float(values.flat[int(np.argmin(inside))])
    else:  # text, None, booleans, whole numbers too large for numpy: show the first one
        for bad in points.flat:
            if not _is_coordinate(bad):
                break
        else:  # numbers of several kinds, all in range
            return points.astype(float)
    raise ValueError(
        f"stroke {number} has a coordinate, {_shown(bad)}, that is not a finite number from "
        f"{-COORDINATE_LIMIT:,.0f} to {COORDINATE_LIMIT:,.0f} pad units "
        f"(the pad is {PAD_SIZE} units wide)."
    )


def _is_coordinate(value: Any) -> bool:
    """Whether ``value`` is a number (not a bool) within COORDINATE_LIMIT of 0."""
    number = isinstance(value, (int, float, np.integer, np.floating))
    return number and not isinstance(value, bool) and abs(value) <= COORDINATE_LIMIT


def _validated_strokes(strokes: Any) -> list[np.ndarray]:
    """The strokes checked (see _checked_points) and thinned; a clear ValueError for anything
    else."""
    arrays = [_thinned(points) for points in _checked_points(strokes)]
    total = sum(len(points) for points in arrays)
    if total > MAX_POINTS:
        raise ValueError(
            f"the drawing has {total:,} points (more than {MAX_POINTS:,}, even without points "
            "closer together than the pen can show): clear the pad and draw the digit again."
        )
    return arrays


def _thinned(points: np.ndarray) -> np.ndarray:
    """The stroke without points closer than POINT_SPACING to the previous point kept (its
    first and last points always stay): the same ink, far fewer segments to draw."""
    if len(points) <= 2:
        return points
    kept, last = [0], points[0]
    steps = np.hypot(*(points[1:] - points[:-1]).T)
    if steps.min() >= POINT_SPACING:
        return points
    for index in range(1, len(points) - 1):
        if math.hypot(*(points[index] - last)) >= POINT_SPACING:
            kept.append(index)
            last = points[index]
    kept.append(len(points) - 1)
    return points[kept]


def _checked_pen(pen_width: Any) -> float:
    """The pen width as a float within PEN_RANGE, or a clear error."""
    low, high = PEN_RANGE
    if isinstance(pen_width, bool) or not isinstance(
        pen_width, (int, float, np.integer, np.floating)
    ):
        raise ValueError(f"pen_width must be a number of pad units; got {_shown(pen_width)}.")
    if not low <= pen_width <= high:  # compared as it is: float() overflows on 10**400
        raise ValueError(
            f"pen_width must be between {low:g} and {high:g} pad units; got {_shown(pen_width)}."
        )
    return float(pen_width)


def _segments(strokes: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Start and end points of every segment; a one-point stroke is a segment of length 0."""
    starts, ends = [], []
    for points in strokes:
        if len(points) == 1:
            starts.append(points)
            ends.append(points)
        else:
            starts.append(points[:-1])
            ends.append(points[1:])
    return np.concatenate(starts), np.concatenate(ends)


def _render(
    starts: np.ndarray,
    ends: np.ndarray,
    radius: float,
    scale: float,
    centre: tuple[float, float],
    target: tuple[float, float],
) -> np.ndarray:
    """Grey levels of the FRAME x FRAME image: the point ``centre`` of the pad lands on
    ``target`` (in pixels, x then y), and the pad is magnified ``scale`` times. A sample
    point is inked when it lies within ``radius`` of a segment; each segment is checked only
    against the sample points near it."""
    offsets = (np.arange(SUBSAMPLES) + 0.5) / SUBSAMPLES
    samples = (np.arange(FRAME)[:, None] + offsets[None, :]).ravel()
    xs = (samples - target[0]) / scale + centre[0]  # the sample points in pad units
    ys = (samples - target[1]) / scale + centre[1]
    inked = np.zeros((len(ys), len(xs)), dtype=bool)
    reach = radius + 1 / scale  # a little more than the pen, so no sample is missed
    radius2 = radius * radius
    for start, end in zip(starts, ends, strict=True):
        left, right = np.searchsorted(
            xs, [min(start[0], end[0]) - reach, max(start[0], end[0]) + reach]
        )
        top, bottom = np.searchsorted(
            ys, [min(start[1], end[1]) - reach, max(start[1], end[1]) + reach]
        )
        if left >= right or top >= bottom:
            continue
        px = xs[None, left:right] - start[0]
        py = ys[top:bottom, None] - start[1]
        dx, dy = end[0] - start[0], end[1] - start[1]
        length2 = dx * dx + dy * dy
        t = np.clip((px * dx + py * dy) / length2, 0.0, 1.0) if length2 > 0 else np.zeros((1, 1))
        ex, ey = px - t * dx, py - t * dy
        inked[top:bottom, left:right] |= (ex * ex + ey * ey) <= radius2
    blocks = inked.reshape(FRAME, SUBSAMPLES, FRAME, SUBSAMPLES)
    return blocks.sum(axis=(1, 3)) / SUBSAMPLES**2


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    """The grey-level-weighted centre (x, y) of a 2-D image, in pixels: pixel (row i,
    column j) covers x from j to j + 1, so the centre of a 28 x 28 frame is (14, 14)."""
    image = np.asarray(image, dtype=float)
    if image.ndim != 2 or image.sum() <= 0:
        raise ValueError(f"need a 2-D image with some ink; got shape {image.shape}.")
    rows, columns = np.indices(image.shape)
    total = image.sum()
    return float((image * (columns + 0.5)).sum() / total), float(
        (image * (rows + 0.5)).sum() / total
    )


def preprocess_strokes(strokes: Strokes, pen_width: float = PEN_WIDTH) -> np.ndarray:
    """The 28 x 28 float32 image, grey levels in [0, 1], that MNIST would have made of these
    strokes: ink bounding box scaled into 20 x 20, centre of mass where MNIST has it (MASS_CENTRE).
    No strokes give an empty (all zero) image."""
    pen_width = _checked_pen(pen_width)
    arrays = _validated_strokes(strokes)
    if not arrays:
        return np.zeros((FRAME, FRAME), dtype=np.float32)
    points = np.concatenate(arrays)
    radius = pen_width / 2
    low, high = points.min(axis=0) - radius, points.max(axis=0) + radius
    scale = BOX / float((high - low).max())
    box_centre = (float(low[0] + high[0]) / 2, float(low[1] + high[1]) / 2)
    starts, ends = _segments(arrays)
    middle = FRAME / 2
    first = _render(starts, ends, radius, scale, box_centre, (middle, middle))
    if not first.any():  # e.g. a long straight line drawn with a hairline pen
        raise ValueError(
            f"a pen {pen_width:g} pad units wide is too thin for this drawing: scaled down to "
            f"{BOX} x {BOX} pixels, its ink falls between the pixels. Draw with a wider pen."
        )
    mass_x, mass_y = centre_of_mass(first)
    target = (middle + (MASS_CENTRE - mass_x), middle + (MASS_CENTRE - mass_y))
    return _render(starts, ends, radius, scale, box_centre, target).astype(np.float32)


def transform_strokes(
    strokes: Strokes, rotate: float = 0.0, shift: tuple[float, float] = (0.0, 0.0)
) -> list[list[list[float]]]:
    """The strokes rotated by ``rotate`` degrees (clockwise on the screen) about the pad's
    centre, then moved by ``shift`` pad units."""
    angle = math.radians(rotate)
    cos, sin = math.cos(angle), math.sin(angle)
    middle = PAD_SIZE / 2
    moved = []
    for points in _validated_strokes(strokes):
        x, y = points[:, 0] - middle, points[:, 1] - middle
        new_x = cos * x - sin * y + middle + shift[0]
        new_y = sin * x + cos * y + middle + shift[1]
        moved.append(np.stack([new_x, new_y], axis=1).tolist())
    return moved


def as_image(image: Any) -> np.ndarray:
    """A 28 x 28 float32 image in [0, 1] from (28, 28), (28, 28, 1) or (784,) values that are
    in [0, 1] or are whole numbers from 0 to 255 (as ``keras.datasets.mnist`` gives them);
    anything else (such as grey levels up to 1.7) is refused, never guessed at."""
    array = np.asarray(image)
    if array.size != FRAME * FRAME or array.ndim not in (1, 2, 3):
        raise ValueError(
            f"an image must be 28 x 28 pixels (shape (28, 28), (28, 28, 1) or (784,)); "
            f"got shape {array.shape}."
        )
    if not np.issubdtype(array.dtype, np.number) or not np.isfinite(array).all():
        raise ValueError("an image must hold finite numbers.")
    array = array.reshape(FRAME, FRAME).astype(np.float64)
    if array.min() >= 0 and array.max() <= 1:
        return array.astype(np.float32)
    if array.min() >= 0 and array.max() <= 255 and (array == np.round(array)).all():
        return (array / 255).astype(np.float32)
    raise ValueError(
        "grey levels must be in [0, 1], or whole numbers from 0 to 255 (as MNIST's are); "
        f"got values from {array.min():g} to {array.max():g}. Rescale the image first."
    )


def first_layer_maps(model: Any, image: Any) -> np.ndarray | None:
    """The first convolution's feature maps for one image, shape (height, width, filters),
    or None when ``model`` has no convolution in its top-level layers."""
    import keras

    value = keras.ops.convert_to_tensor(as_image(image).reshape(1, FRAME, FRAME, 1))
    for layer in getattr(model, "layers", []):
        value = layer(value, training=False)
        if isinstance(layer, keras.layers.Conv2D):
            return np.asarray(keras.ops.convert_to_numpy(value))[0]
    return None


def maps_as_bytes(maps: np.ndarray) -> bytes:
    """Feature maps as grey levels 0-255 (0 is no activation; 255 the largest of all maps),
    row by row, filters last, as the front end draws them."""
    top = float(maps.max())
    scaled = np.zeros(maps.shape) if top <= 0 else np.clip(maps / top, 0, 1)
    return np.round(255 * scaled).astype(np.uint8).tobytes()


def predict_image(model: Any, image: Any) -> np.ndarray:
    """The model's ten probabilities for one image (float64, summing to 1)."""
    import keras

    batch = as_image(image).reshape(1, FRAME, FRAME, 1)
    output = keras.ops.convert_to_numpy(model(batch, training=False))
    return np.asarray(output, dtype=np.float64).reshape(-1)


class DrawingPad(anywidget.AnyWidget):
    """Draw a digit with mouse, pen or finger and see what ``model`` reads.

    Without a front end (papermill, nbval, a script), give it input from code with
    :meth:`draw_strokes` or :meth:`set_image`; then read :attr:`prediction` and
    :attr:`probabilities`.
    """

    _esm = STATIC_DIR / "drawing_pad.mjs"
    _css = STATIC_DIR / "drawing_pad.css"

    strokes = traitlets.List(help="the drawing: strokes of (x, y) points").tag(sync=True)
    pen_width = traitlets.Float(PEN_WIDTH).tag(sync=True)
    pad_size = traitlets.Int(PAD_SIZE).tag(sync=True)
    image = traitlets.List(help="the 28 x 28 input, row by row, in [0, 1]").tag(sync=True)
    probabilities = traitlets.List(help="the ten probabilities, or []").tag(sync=True)
    prediction = traitlets.Int(None, allow_none=True).tag(sync=True)
    from_code = traitlets.Bool(False, help="image set by set_image").tag(sync=True)
    feature_maps = traitlets.Bytes(b"", help="first layer's maps, 0-255").tag(sync=True)
    feature_map_shape = traitlets.List(help="[height, width, filters]").tag(sync=True)

    def __init__(self, model: Any, **kwargs: Any) -> None:
        if not callable(model):
            raise ValueError(
                "DrawingPad needs a trained Keras model, e.g. "
                "DrawingPad(models.load_or_train(x_train, y_train))."
            )
        self.model = model  # before the traits: DrawingPad(model, pen_width=...) draws at once
        self._setting_image = False
        super().__init__(**kwargs)
        self.on_msg(self._message)
        self._show(np.zeros((FRAME, FRAME), dtype=np.float32), predict=False)

    def _message(self, widget: Any, content: Any, buffers: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "clear":
            self.clear()

    # A TraitError (not a ValueError) makes traitlets roll a refused update back.
    @traitlets.validate("strokes")
    def _check_strokes(self, proposal: dict) -> list:
        try:
            return [points.tolist() for points in _validated_strokes(proposal["value"])]
        except ValueError as refused:
            raise traitlets.TraitError(str(refused)) from None

    @traitlets.validate("pen_width")
    def _check_pen(self, proposal: dict) -> float:
        try:
            return _checked_pen(proposal["value"])
        except ValueError as refused:
            raise traitlets.TraitError(str(refused)) from None

    def set_state(self, sync_data: dict) -> None:
        """Take an update from the front end, checked whole before anything changes (a
        drawing of too many strokes or points is refused before any point is read). A refused
        one (a drawing or pen the pad cannot use) leaves the pad as it was, which is sent
        back, so that the pad in the browser never shows a drawing next to the prediction of
        another."""
        try:
            with self._kept_if_refused():
                if "strokes" in sync_data:
                    _checked_points(sync_data["strokes"])
                if "pen_width" in sync_data:
                    _checked_pen(sync_data["pen_width"])
                super().set_state(sync_data)
        except Exception as error:
            self.send_state()
            if not isinstance(error, (ValueError, traitlets.TraitError)):
                raise
            warnings.warn(f"The drawing pad refused an update: {error}", stacklevel=2)

    #: What the pad shows: all of it stays as it was when an update is refused.
    _SHOWN = ("strokes", "pen_width", "from_code", "image", "probabilities", "prediction",
              "feature_maps", "feature_map_shape")  # fmt: skip

    @contextlib.contextmanager
    def _kept_if_refused(self) -> Iterator[None]:
        """Run the block; if it raises, put back what the pad showed before it (without
        drawing it again), so that the drawing, the image and the prediction stay in step."""
        last_good = {name: getattr(self, name) for name in self._SHOWN}
        try:
            yield
        except BaseException:
            self._setting_image = True
            try:
                for name, value in last_good.items():
                    if getattr(self, name) != value:
                        self.set_trait(name, value)
            finally:
                self._setting_image = False
            raise

    @traitlets.observe("strokes", "pen_width")
    def _strokes_changed(self, change: dict) -> None:
        if self._setting_image:  # set_image, clear or a refused update: the image is set apart
            return
        self.from_code = False
        image = preprocess_strokes(self.strokes, self.pen_width)
        self._show(image, predict=bool(self.strokes))

    def _show(self, image: np.ndarray, predict: bool) -> None:
        probabilities = predict_image(self.model, image) if predict else None
        maps = first_layer_maps(self.model, image) if predict else None
        with self.hold_sync():
            self.image = [round(float(value), 6) for value in image.ravel()]
            if probabilities is None:
                self.probabilities, self.prediction = [], None
            else:
                self.probabilities = [float(p) for p in probabilities]
                self.prediction = int(probabilities.argmax())
            if maps is None:
                self.feature_maps, self.feature_map_shape = b"", []
            else:
                self.feature_maps = maps_as_bytes(maps)
                self.feature_map_shape = list(maps.shape)

    def draw_strokes(self, strokes: Strokes) -> DrawingPad:
        """Draw ``strokes`` (pad coordinates, see the module's docstring) as if by hand."""
        drawing = [points.tolist() for points in _validated_strokes(strokes)]
        with self._kept_if_refused():
            self.strokes = drawing
        return self

    def set_image(self, image: Any) -> DrawingPad:
        """Show the network a ready-made 28 x 28 image, e.g. ``x_test[0]``, as it is
        (no preprocessing)."""
        return self._show_without_strokes(as_image(image), from_code=True)

    def clear(self) -> DrawingPad:
        """Wipe the pad, as its Clear button does."""
        return self._show_without_strokes(np.zeros((FRAME, FRAME), dtype=np.float32))

    def _show_without_strokes(self, image: np.ndarray, from_code: bool = False) -> DrawingPad:
        """Empty the drawing (without reading the empty drawing as the image) and show
        ``image``: with the network's prediction when it comes ``from_code`` (set_image),
        blank otherwise (clear)."""
        self._setting_image = True
        try:
            self.strokes = []
        finally:
            self._setting_image = False
        self.from_code = from_code
        self._show(image, predict=from_code)
        return self

    @property
    def image_array(self) -> np.ndarray:
        """What the network receives, as a (28, 28) array."""
        return np.asarray(self.image, dtype=np.float32).reshape(FRAME, FRAME)


def _encoded(array: np.ndarray) -> dict[str, Any]:
    values = np.ascontiguousarray(array, dtype="<f4")
    return {"shape": list(values.shape), "data": base64.b64encode(values.tobytes()).decode()}


def export_weights(model: Any, path: Path) -> Path:
    """Write ``model`` (Conv2D / MaxPooling2D / Dropout / Flatten / Dense layers, as the seed
    network has) to a JSON file for ``static/forward.mjs``; arrays are little-endian float32
    in base64. Returns the path."""
    from keras import layers

    exported = []
    for layer in model.layers:
        if isinstance(layer, layers.Conv2D):
            if layer.strides != (1, 1) or layer.padding != "valid" or layer.dilation_rate != (1, 1):
                raise ValueError(f"{layer.name}: only stride 1, 'valid' convolutions are exported.")
            kernel, bias = layer.get_weights()
            exported.append({"type": "conv2d", "activation": layer.activation.__name__,
                             "kernel": _encoded(kernel), "bias": _encoded(bias)})  # fmt: skip
        elif isinstance(layer, layers.MaxPooling2D):
            if layer.pool_size != layer.strides or layer.padding != "valid":
                raise ValueError(f"{layer.name}: only non-overlapping 'valid' pooling is exported.")
            exported.append({"type": "maxpool2d", "pool": list(layer.pool_size)})
        elif isinstance(layer, layers.Flatten):
            exported.append({"type": "flatten"})
        elif isinstance(layer, layers.Dense):
            kernel, bias = layer.get_weights()
            exported.append({"type": "dense", "activation": layer.activation.__name__,
                             "kernel": _encoded(kernel), "bias": _encoded(bias)})  # fmt: skip
        elif isinstance(layer, layers.Dropout):
            continue  # does nothing at prediction time
        else:
            raise ValueError(
                f"cannot export layer {layer.name} ({type(layer).__name__}): the browser's "
                "forward pass knows Conv2D, MaxPooling2D, Dropout, Flatten and Dense."
            )
    for layer in exported:
        if layer.get("activation") not in (None, "relu", "softmax", "linear"):
            raise ValueError(f"cannot export activation {layer['activation']}.")
    document = {"format": WEIGHTS_FORMAT, "input_shape": [FRAME, FRAME, 1], "layers": exported}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.partial")
    temporary.write_text(json.dumps(document))
    temporary.replace(path)
    return path


SITE_FILES = ("drawing_pad.mjs", "drawing_pad.css", "preprocess.mjs", "forward.mjs", "site_pad.mjs")


def export_site_pad(model: Any, folder: Path) -> Path:
    """Put the browser pad into ``folder`` (the site's ``_static/drawing``): its ES modules
    and ``seed_weights.json`` for ``model``. Returns the folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name in SITE_FILES:
        shutil.copyfile(STATIC_DIR / name, folder / name)
    export_weights(model, folder / "seed_weights.json")
    return folder
