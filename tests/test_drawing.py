"""The drawing pad (course_utils.drawing): its preprocessing, the widget without a front end,
the browser's JavaScript against Python and Keras, the pad in Chromium on a page of its own,
and lesson 8 run in JupyterLab with drawings made by the mouse. (The pad on the built site
is tested in test_book.py, which builds the site once.)

The JavaScript runs in Node (Debian's `nodejs`), the page in Debian's Chromium.
"""

from __future__ import annotations

import functools
import http.server
import json
import math
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from course_utils import drawing, models
from course_utils.data import load_prepared
from course_utils.paths import PROJECT_ROOT

import keras
import numpy as np
import pytest
from conftest import jupyterlab_server

JS_TESTS = PROJECT_ROOT / "tests" / "js"
SCREENSHOTS = PROJECT_ROOT / "build" / "screenshots"


def node() -> str:
    found = shutil.which("node")
    assert found, "The JavaScript tests need Node.js: apt-get install nodejs"
    return found


def run_js(request: dict) -> list:
    """Ask tests/js/pad_cli.mjs (the browser's own modules, in Node) for an answer."""
    result = subprocess.run(
        [node(), str(JS_TESTS / "pad_cli.mjs")],
        input=json.dumps(request), capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def scribbles(count: int, seed: int = 0) -> list[list[list[list[float]]]]:
    """Random hand-like drawings: one to three wandering strokes each, anywhere on the pad."""
    rng = np.random.default_rng(seed)
    drawings = []
    for _ in range(count):
        strokes = []
        for _ in range(rng.integers(1, 4)):
            start = rng.uniform(20, 260, size=2)
            steps = rng.normal(0, 6, size=(int(rng.integers(1, 60)), 2)).cumsum(axis=0)
            strokes.append(np.round(np.clip(start + steps, 0, 280), 1).tolist())
        drawings.append(strokes)
    return drawings


@pytest.fixture(scope="module")
def mnist() -> tuple:
    return load_prepared(12_000)


@pytest.fixture(scope="module")
def model(mnist: tuple) -> keras.Model:
    """The seed network trained briefly (12,000 images, 2 epochs: about 97% right)."""
    (x_train, y_train), _ = mnist
    trained, _ = models.train_seed_cnn(x_train, y_train, epochs=2, verbose=0)
    return trained


# --- preprocessing ---------------------------------------------------------------------------


def test_javascript_unit_tests_pass() -> None:
    result = subprocess.run(
        [node(), "--test", str(JS_TESTS)], capture_output=True, text=True, timeout=300, check=False
    )
    print(result.stdout[-400:])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "# fail 0" in result.stdout


def test_javascript_preprocessing_agrees_with_python() -> None:
    drawings = list(drawing.EXAMPLE_STROKES.values()) + scribbles(40)
    for pen_width in (drawing.PEN_WIDTH, 9.0):
        from_js = np.asarray(
            run_js({"task": "preprocess", "drawings": drawings, "pen_width": pen_width})
        )
        from_python = np.stack([drawing.preprocess_strokes(s, pen_width).ravel() for s in drawings])
        difference = float(np.abs(from_js - from_python).max())
        print(f"pen {pen_width}: JS vs Python preprocessing, largest difference {difference:.2e}")
        assert from_js.shape == (len(drawings), 784)
        assert difference < 1e-6
        assert from_python.max(axis=1).min() > 0.5  # every drawing left ink


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


def test_mnist_digits_have_their_centre_of_mass_where_the_pad_puts_it(mnist: tuple) -> None:
    _, (x_test, _) = mnist
    centres = np.array([drawing.centre_of_mass(image[..., 0]) for image in x_test[:1000]])
    assert np.abs(centres.mean(axis=0) - drawing.MASS_CENTRE).max() < 0.05


@pytest.mark.parametrize(
    "strokes, message",
    [
        ("one", "must be a list of strokes"),
        ([[]], "stroke 0 must be a non-empty list"),
        ([[[1, 2, 3]]], "stroke 0 must be a non-empty list of"),
        ([[[1, float("nan")]]], "not a finite number"),
    ],
)
def test_bad_strokes_get_a_clear_error(strokes: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        drawing.preprocess_strokes(strokes)  # type: ignore[arg-type]


# --- the browser's forward pass ----------------------------------------------------------------


def test_javascript_forward_pass_agrees_with_keras(
    model: keras.Model, mnist: tuple, tmp_path: Path
) -> None:
    _, (x_test, _) = mnist
    drawn = np.stack([drawing.preprocess_strokes(s) for s in drawing.EXAMPLE_STROKES.values()])
    images = np.concatenate([x_test[:30, ..., 0], drawn, np.zeros((1, 28, 28), np.float32)])
    weights = drawing.export_weights(model, tmp_path / "seed_weights.json")
    from_js = np.asarray(
        run_js(
            {"task": "predict", "weights": str(weights), "images": images.reshape(-1, 784).tolist()}
        )
    )
    from_keras = model.predict(images[..., None], verbose=0)
    difference = float(np.abs(from_js - from_keras).max())
    print(f"JS vs Keras probabilities on {len(images)} images: largest difference {difference:.2e}")
    assert from_js.shape == (len(images), 10)
    assert difference < 1e-5
    assert (from_js.argmax(axis=1) == from_keras.argmax(axis=1)).all()
    assert weights.stat().st_size < 1_000_000  # a small static file


def test_export_refuses_layers_the_browser_cannot_run(tmp_path: Path) -> None:
    network = keras.Sequential(
        [keras.Input((28, 28, 1)), keras.layers.BatchNormalization(), keras.layers.Flatten()]
    )
    with pytest.raises(ValueError, match="cannot export layer .*BatchNormalization"):
        drawing.export_weights(network, tmp_path / "weights.json")
    assert not (tmp_path / "weights.json").exists()


# --- the widget without a front end ------------------------------------------------------------


def test_pad_reads_a_test_digit_set_from_code(model: keras.Model, mnist: tuple) -> None:
    _, (x_test, y_test) = mnist
    pad = drawing.DrawingPad(model)
    assert pad.prediction is None and pad.probabilities == []
    pad.set_image(x_test[0])
    expected = model.predict(x_test[:1], verbose=0)[0]
    assert pad.prediction == int(expected.argmax()) == int(y_test[0].argmax())
    np.testing.assert_allclose(pad.probabilities, expected, atol=1e-6)
    np.testing.assert_allclose(pad.image_array, x_test[0, ..., 0], atol=1e-6)
    assert pad.from_code and pad.strokes == []
    pad.set_image((x_test[0, ..., 0] * 255).astype(np.uint8))  # 0-255, as Keras loads it
    assert pad.prediction == int(expected.argmax())


def test_pad_preprocesses_and_reads_strokes(model: keras.Model) -> None:
    pad = drawing.DrawingPad(model)
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
    first_layer = model.layers[0]  # the seed network starts with its convolution
    expected = keras.ops.convert_to_numpy(first_layer(pad.image_array.reshape(1, 28, 28, 1)))[0]
    np.testing.assert_allclose(maps / 255, expected / expected.max(), atol=1 / 255)


def test_the_front_end_drawing_and_clear_button_reach_the_kernel(model: keras.Model) -> None:
    """What the front end does: set `strokes` (pointer up) and send {"type": "clear"}."""
    pad = drawing.DrawingPad(model)
    pad.set_state({"strokes": drawing.EXAMPLE_STROKES["zero"]})
    assert pad.prediction == 0 and pad.image_array.sum() > 50
    pad._handle_custom_msg({"type": "clear"}, [])
    assert pad.strokes == [] and pad.prediction is None and not pad.image_array.any()
    assert pad.feature_maps == b"" and pad.feature_map_shape == []
    pad.set_image(np.ones((28, 28)))
    pad._handle_custom_msg({"type": "clear"}, [])  # clears an image set from code as well
    assert pad.prediction is None and not pad.from_code and not pad.image_array.any()


def test_pad_rejects_bad_input_clearly(model: keras.Model) -> None:
    with pytest.raises(ValueError, match="needs a trained Keras model"):
        drawing.DrawingPad(None)
    pad = drawing.DrawingPad(model)
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


# --- the browser pad on a page of its own --------------------------------------------------------


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Pad</title></head>
<body><div class="course-drawing-pad">The drawing pad needs JavaScript.</div>
<script type="module" src="_static/drawing/site_pad.mjs"></script></body></html>"""


@pytest.fixture(scope="module")
def pad_page_server(model: keras.Model, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("pad-page")
    drawing.export_site_pad(model, root / "_static" / "drawing")
    (root / "index.html").write_text(PAGE)
    handler = functools.partial(QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def draw_with_mouse(page, canvas, shape: str) -> None:  # noqa: ANN001 - Playwright objects
    """Draw ``shape`` ("one": a vertical stroke, "zero": a closed loop) on ``canvas``."""
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box, "the pad's canvas is not visible"
    left, top, size = box["x"], box["y"], box["width"]
    if shape == "one":
        points = [(0.5, 0.15 + 0.7 * k / 20) for k in range(21)]
    elif shape == "zero":
        points = [
            (
                0.5 + 0.22 * math.sin(2 * math.pi * k / 40),
                0.5 - 0.33 * math.cos(2 * math.pi * k / 40),
            )
            for k in range(42)
        ]
    else:
        raise ValueError(f"unknown shape {shape}")
    page.mouse.move(left + points[0][0] * size, top + points[0][1] * size)
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(left + x * size, top + y * size, steps=2)
    page.mouse.up()


def expect_prediction(page, scope, digit: int) -> float:  # noqa: ANN001
    """Wait until the pad in ``scope`` shows ``digit``; return the seconds it took."""
    started = time.perf_counter()
    scope.locator(".course-pad-prediction").filter(has_text=str(digit)).wait_for(timeout=10_000)
    return time.perf_counter() - started


def test_browser_pad_reads_mouse_drawings_without_a_kernel(browser, pad_page_server: str) -> None:  # noqa: ANN001
    page = browser.new_page(viewport={"width": 1000, "height": 700})
    outside: list[str] = []
    page.on(
        "request", lambda r: None if r.url.startswith(pad_page_server) else outside.append(r.url)
    )
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(pad_page_server, wait_until="load")
    pad = page.locator(".course-drawing-pad[data-ready='true']")
    pad.wait_for(timeout=20_000)
    canvas = pad.locator("canvas.course-pad-canvas")
    for shape, digit in (("one", 1), ("zero", 0)):
        page.get_by_role("button", name="Clear the drawing pad").click()
        assert pad.locator(".course-pad-prediction").inner_text() == "–"
        draw_with_mouse(page, canvas, shape)
        seconds = expect_prediction(page, pad, digit)
        print(f"browser pad: drew a {shape}, read {digit} after {seconds:.2f} s")
        assert seconds < 1.0
    assert pad.get_by_role("listitem").count() == 10
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "drawing-pad-page.png"))
    page.keyboard.press("Tab")  # keyboard: the Clear button takes focus and clears on Enter
    page.get_by_role("button", name="Clear the drawing pad").focus()
    page.keyboard.press("Enter")
    assert pad.locator(".course-pad-prediction").inner_text() == "–"
    page.close()
    assert errors == [] and outside == [], (errors, outside)


# --- the pad in JupyterLab ---------------------------------------------------------------------

LESSON = "08_your_handwriting"


@pytest.fixture(scope="module")
def lab_with_lesson_8(
    model: keras.Model, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """JupyterLab on a copy of lesson 8, with the briefly trained seed network saved where
    the lesson looks for it (so the lesson loads it instead of training a weaker one)."""
    root = tmp_path_factory.mktemp("lab-8")
    build = tmp_path_factory.mktemp("lab-8-build")
    models.save_model(model, build / "models" / "mnist_cnn.keras")
    shutil.copy(PROJECT_ROOT / "notebooks" / f"{LESSON}.ipynb", root / f"{LESSON}.ipynb")
    with jupyterlab_server(root, build) as served:
        yield served


def test_student_draws_in_jupyterlab_and_the_kernel_reads_it(
    browser,  # noqa: ANN001
    lab_with_lesson_8: tuple[str, str],
) -> None:
    base, token = lab_with_lesson_8
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    outside: list[str] = []
    page.on(
        "request",
        lambda r: None if r.url.startswith((base, "data:", "blob:")) else outside.append(r.url),
    )
    page.goto(f"{base}/lab/tree/{LESSON}.ipynb?token={token}", wait_until="domcontentloaded")
    notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)").last
    notebook.locator(".jp-CodeCell").first.wait_for(timeout=90_000)
    page.get_by_text("| Idle").first.wait_for(timeout=90_000)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_text("Run All Cells", exact=True).click()
    page.wait_for_function(
        """() => {
            const panel = [...document.querySelectorAll('.jp-NotebookPanel')].pop();
            // a folded cell (a solution) shows a placeholder prompt, never numbered
            const ran = '.jp-CodeCell .jp-InputPrompt:not(.jp-Placeholder-prompt)';
            const prompts = [...panel.querySelectorAll(ran)];
            return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.innerText));
        }""",
        timeout=600_000,
    )
    page.get_by_text("| Idle").first.wait_for(timeout=120_000)
    texts = " ".join(notebook.locator(".jp-OutputArea-output").all_inner_texts())
    assert "Traceback" not in texts
    assert "test image 0 shows a 7; the network reads 7" in texts
    pad = notebook.locator(".course-pad").first
    pad.wait_for(timeout=30_000)
    canvas = pad.locator("canvas.course-pad-canvas")
    clear = pad.get_by_role("button", name="Clear the drawing pad")
    for shape, digit in (("one", 1), ("zero", 0)):
        clear.click()
        pad.locator(".course-pad-prediction").filter(has_text="–").wait_for(timeout=10_000)
        draw_with_mouse(page, canvas, shape)
        seconds = expect_prediction(page, pad, digit)
        print(f"JupyterLab: drew a {shape}, the kernel read {digit} after {seconds:.2f} s")
        assert seconds < 1.0
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pad.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "jupyterlab-drawing-pad.png"))
    page.close()
    assert outside == [], f"JupyterLab fetched from outside localhost: {outside[:5]}"


# --- lesson 8's self-checks --------------------------------------------------------------------


class FixedReader:
    """A stand-in network that reads every image as ``digit``."""

    def __init__(self, digit: int) -> None:
        self.digit = digit

    def predict(self, batch: np.ndarray, verbose: int = 0) -> np.ndarray:
        return np.eye(10)[[self.digit] * len(batch)]


def test_check_centre_of_mass_names_each_slip() -> None:
    from course_utils import checks

    image = np.zeros((28, 28))
    image[20, 10] = 1.0  # one inked pixel: row 20, column 10, so its middle is x 10.5, y 20.5
    assert checks.check_centre_of_mass(None, image) == checks.UNANSWERED
    assert checks.check_centre_of_mass((10.5, 20.5), image).passed
    assert "swapped" in checks.check_centre_of_mass((20.5, 10.5), image).message
    assert "column + 0.5" in checks.check_centre_of_mass((10, 20), image).message
    assert not checks.check_centre_of_mass((14.5, 14.5), image).passed
    assert "pair of numbers" in checks.check_centre_of_mass("middle", image).message


def test_check_fools_only_the_seed() -> None:
    from course_utils import checks

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


def test_a_refused_update_from_the_browser_leaves_the_pad_as_it_was(
    model: keras.Model, monkeypatch: pytest.MonkeyPatch
) -> None:
    pad = drawing.DrawingPad(model).draw_strokes(drawing.EXAMPLE_STROKES["seven"])
    before = (pad.strokes, pad.pen_width, pad.image, pad.prediction)
    sent = []
    monkeypatch.setattr(pad, "send_state", lambda *args, **kwargs: sent.append(True))
    for update in ({"strokes": [[["a", 1]]]}, {"pen_width": float("inf")}):
        with pytest.warns(UserWarning, match="The drawing pad refused an update"):
            pad.set_state(update)
        assert (pad.strokes, pad.pen_width, pad.image, pad.prediction) == before
    assert sent == [True, True], "the browser is sent the kernel's state back"
