"""The drawing pad's JavaScript (course_utils/static/*.mjs, the modules the browser runs)
in Node, against Python and Keras: its own unit tests (tests/js), its preprocessing against
course_utils.drawing's, and its forward pass against Keras's on the same weights.

The JavaScript runs in Node (Debian's `nodejs`).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from course_utils import drawing
from course_utils.project import PROJECT_ROOT

import keras
import numpy as np
import pytest

pytestmark = pytest.mark.newest  # Node and the browser's modules: proven on the newest

JS_TESTS = PROJECT_ROOT / "tests" / "js"


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


def test_javascript_forward_pass_agrees_with_keras(
    briefly_trained_seed_model: keras.Model, mnist_first_12000: tuple, tmp_path: Path
) -> None:
    model = briefly_trained_seed_model
    _, (x_test, _) = mnist_first_12000
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
