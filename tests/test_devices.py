"""course_utils.devices: lesson 9 switches to JAX with four virtual devices where no backend
was chosen, and otherwise says why it cannot and what to do; the callback that keeps
distributed steps in step."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

from course_utils import devices, workarounds
from course_utils.backend import DEFAULT_BACKEND_MARK

import keras
import pytest

# Lesson 9's start: the install cell imports course_utils, the next cell switches to JAX,
# then imports the helpers and Keras.
SWITCH = """
import sys
import course_utils
{prelude}
from course_utils import backend, devices
print("chosen", backend.KERAS_BACKEND_CHOSEN)
found = devices.use_jax_devices(4)
from course_utils import checks, models
import keras  # as the lesson does: after the switch
print("backend", keras.backend.backend())
print(devices.describe(found) if found else "no devices")
print("tensorflow started", "tensorflow" in sys.modules)
"""


def _lesson_start(prelude: str = "", **variables: str) -> str:
    """What SWITCH prints in a fresh process, with KERAS_BACKEND and the mark as given, and
    ``prelude`` run before the switch."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in ("KERAS_BACKEND", DEFAULT_BACKEND_MARK, "XLA_FLAGS")
    }
    result = subprocess.run(
        [sys.executable, "-c", SWITCH.format(prelude=prelude)], env={**environment, **variables},
        capture_output=True,
        text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.mark.newest  # JAX: the bench extra, which the lowest versions leave out
def test_with_no_backend_chosen_the_lesson_runs_on_four_jax_devices() -> None:
    printed = _lesson_start()
    assert "chosen None" in printed
    assert "backend jax" in printed
    assert "4 devices: cpu:0, cpu:1, cpu:2, cpu:3" in printed
    assert "tensorflow started False" in printed  # nothing had started Keras: no TensorFlow


@pytest.mark.newest
def test_a_kernel_that_started_keras_on_tensorflow_first_is_switched_too() -> None:
    """A student who ran a cell with the course's helpers first: Keras had started on the
    default backend, and set_backend swaps it for JAX."""
    printed = _lesson_start(prelude="from course_utils import models")
    assert "chosen None" in printed and "backend jax" in printed
    assert "4 devices: cpu:0, cpu:1, cpu:2, cpu:3" in printed
    assert "tensorflow started True" in printed


def test_a_backend_the_user_chose_is_kept_and_the_lesson_says_how_to_run_it() -> None:
    printed = _lesson_start(KERAS_BACKEND="tensorflow")
    assert "chosen tensorflow" in printed and "backend tensorflow" in printed
    assert "distributed cells below are skipped" in printed
    assert "start Jupyter with KERAS_BACKEND=jax" in printed
    assert "no devices" in printed


def test_the_course_default_passed_on_to_a_kernel_is_not_a_choice() -> None:
    """A process that imported course_utils.startup (which sets KERAS_BACKEND) passes it on
    with the mark to the kernels it starts, which treat it as the default it is."""
    printed = _lesson_start(KERAS_BACKEND="tensorflow", **{DEFAULT_BACKEND_MARK: "1"})
    assert "chosen None" in printed


def test_without_jax_the_lesson_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(devices, "_backend_chosen_by_the_user", lambda: None)
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *args: None if name == "jax" else real_find_spec(name, *args),
    )
    assert devices.use_jax_devices(4) is None
    printed = capsys.readouterr().out
    assert "JAX is not installed" in printed and "%pip install jax" in printed
    assert keras.backend.backend() == os.environ["KERAS_BACKEND"]  # nothing was switched


def test_one_step_at_a_time_asks_for_every_batch_so_keras_waits_for_each_step() -> None:
    """Keras dispatches steps without waiting unless a callback overrides a batch hook."""
    callback = workarounds.one_step_at_a_time()
    assert isinstance(callback, keras.callbacks.Callback)
    for hook in ("on_train_batch_end", "on_test_batch_end", "on_predict_batch_end"):
        assert getattr(type(callback), hook) is not getattr(keras.callbacks.Callback, hook)
    callbacks = keras.callbacks.CallbackList([callback])
    if hasattr(callbacks, "_async_train"):  # Keras 3's private flags, where they exist
        assert (callbacks._async_train, callbacks._async_test, callbacks._async_predict) == (
            False, False, False,
        )  # fmt: skip
