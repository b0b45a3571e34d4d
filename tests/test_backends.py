"""Keras's three backends: the fast course runs on each (tests/test_fast_course.py runs it once
per entry of BACKENDS), and course_utils brings TensorFlow in only when it is the backend.

COURSE_BACKENDS narrows the list (the lowest-versions environment of .ci/run has TensorFlow
only, and says so); by default every backend must be installed (`pip install -e ".[bench]"`).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

from course_utils import workarounds

import pytest
from helpers import ALL_BACKENDS, BACKENDS

pytestmark = pytest.mark.newest

# What a lesson does with course_utils, in a fresh process: load and prepare the data, build,
# train (seeded), save, load back, plot, check an answer, print the versions line.
LESSON_HELPERS = """
import json, sys
from pathlib import Path
from course_utils import startup  # noqa: F401
from course_utils import checks, models, plotting
from course_utils.data import load_prepared
from course_utils.environment import print_versions
import keras

print_versions()
(x_train, y_train), (x_test, y_test) = load_prepared(train_size=256)
keras.utils.set_random_seed(1)
model, history = models.train_seed_cnn(x_train, y_train, epochs=1, verbose=0)
path = models.save_model(model, Path(sys.argv[1]) / "model.keras")
model = models.load_or_train(x_train, y_train, path=path)
plotting.plot_learning_curves(history)
plotting.plot_digits(x_test[:8], y_test[:8].argmax(axis=1))
print(checks.check_digit_count(int((y_train.argmax(axis=1) == 7).sum()), y_train.argmax(axis=1), 7))
print(json.dumps({
    "backend": keras.backend.backend(),
    "tensorflow_modules": sorted(m for m in sys.modules if m.split(".")[0] == "tensorflow"),
}))
"""


def test_backend_list_is_known() -> None:
    unknown = set(BACKENDS) - set(ALL_BACKENDS)
    assert not unknown, f"COURSE_BACKENDS names unknown backends {unknown}; use {ALL_BACKENDS}"


@pytest.mark.parametrize("backend", BACKENDS)
def test_backend_is_installed(backend: str) -> None:
    assert importlib.util.find_spec(backend) is not None, (
        f"Keras's {backend} backend is not installed: pip install -e '.[bench]', "
        f"or leave it out with COURSE_BACKENDS"
    )


def run_lesson_helpers(backend: str, folder: Path) -> dict:
    environment = {**os.environ, "KERAS_BACKEND": backend, "MPLBACKEND": "Agg"}
    result = subprocess.run(
        [sys.executable, "-c", LESSON_HELPERS, str(folder)],
        env=environment, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert "cudart_stub" not in result.stderr and "oneDNN" not in result.stderr, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("backend", [name for name in BACKENDS if name != "tensorflow"])
def test_course_utils_never_imports_tensorflow_on_another_backend(
    backend: str, tmp_path: Path
) -> None:
    found = run_lesson_helpers(backend, tmp_path)
    assert found["backend"] == backend
    assert found["tensorflow_modules"] == [], f"TensorFlow was imported on {backend}"


def test_the_probe_sees_tensorflow_when_it_is_the_backend(tmp_path: Path) -> None:
    """The same probe on the TensorFlow backend finds it: the check above can fail."""
    found = run_lesson_helpers("tensorflow", tmp_path)
    assert found["backend"] == "tensorflow"
    assert "tensorflow" in found["tensorflow_modules"]


# Ending a tf.data iterator can wait seconds for its autotuning thread
# (workarounds.stop_tf_data_stalls): Keras's datasets from arrays must have autotuning off.
ARRAY_DATASET_OPTIONS = """
import numpy as np
from course_utils import startup  # noqa: F401
from keras.src.trainers.data_adapters import get_data_adapter

images, labels = np.zeros((10, 28, 28, 1), "float32"), np.eye(10, dtype="float32")
for shuffle in (True, False):  # a fit shuffles; evaluate and predict do not
    dataset = get_data_adapter(images, labels, batch_size=4, shuffle=shuffle).get_tf_dataset()
    print(dataset.options().autotune.enabled)
"""


def printed_on(backend: str, script: str) -> str:
    """What ``script`` prints, run in a fresh Python (as a lesson's kernel) on ``backend``."""
    result = subprocess.run(
        [sys.executable, "-c", script], env={**os.environ, "KERAS_BACKEND": backend},
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_keras_datasets_from_arrays_have_tf_data_autotuning_off() -> None:
    printed = printed_on("tensorflow", ARRAY_DATASET_OPTIONS)
    assert printed.split() == ["False", "False"], printed


# On PyTorch, Keras transforms a batch one image at a time (workarounds.
# batch_torch_affine_transform): the batched replacement must give Keras's own result.
TORCH_AFFINE_TRANSFORM = """
import numpy as np
from course_utils import startup  # noqa: F401
import keras
from keras.src.backend.torch import image

rng = np.random.default_rng(0)
images = rng.uniform(0, 1, (64, 28, 28, 1)).astype("float32")
n = len(images)
angle, zoom = np.deg2rad(rng.uniform(-40, 40, n)), rng.uniform(0.7, 1.3, n)
cos, sin = np.cos(angle) / zoom, np.sin(angle) / zoom
shift = rng.uniform(-9, 9, (2, n))  # far enough to read well outside the image
centre = 13.5
transforms = np.stack([cos, -sin, centre - centre * (cos - sin) + shift[0],
                       sin, cos, centre - centre * (sin + cos) + shift[1],
                       0 * cos, 0 * cos], axis=1).astype("float32")
keras_own = image.affine_transform.keras_affine_transform
for fill_value in (0.0, 0.25):
    ours = keras.ops.image.affine_transform(images, transforms, fill_value=fill_value)
    theirs = keras_own(images, transforms, fill_value=fill_value)
    print(float(np.abs(keras.ops.convert_to_numpy(ours - theirs)).max()))
one = keras.ops.image.affine_transform(images[0], transforms[0])  # one image: Keras's own
print(float(np.abs(keras.ops.convert_to_numpy(one - keras_own(images[0], transforms[0]))).max()))
"""


def test_pytorch_affine_transform_is_batched_and_gives_keras_result() -> None:
    differences = [float(line) for line in printed_on("torch", TORCH_AFFINE_TRANSFORM).split()]
    assert len(differences) == 3 and max(differences) < 1e-5, differences


def test_a_workaround_whose_keras_internal_moved_warns_and_the_course_goes_on() -> None:
    @workarounds._guarded
    def needs_a_moved_module() -> None:
        import keras.src.no_such_module  # noqa: F401

    with pytest.warns(RuntimeWarning, match="left out the workaround needs_a_moved_module"):
        needs_a_moved_module()


# Lesson 7 measures seven networks: TensorFlow's notice that each new one "triggered
# tf.function retracing" must not reach the lesson's output (course_utils drops it).
SEVEN_PREDICTIONS = """
import numpy as np
from course_utils import startup  # noqa: F401
import keras
images = np.zeros((8, 28, 28, 1), "float32")
for _ in range(7):
    keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                      keras.layers.Dense(10)]).predict(images, verbose=0)
print("done")
"""


def test_seven_models_predicting_leave_no_retracing_notice() -> None:
    environment = {**os.environ, "KERAS_BACKEND": "tensorflow"}
    result = subprocess.run(
        [sys.executable, "-c", SEVEN_PREDICTIONS], env=environment,
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0 and result.stdout.strip() == "done", result.stderr[-2000:]
    assert "retracing" not in result.stderr, result.stderr[-2000:]
