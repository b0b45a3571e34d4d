"""The workarounds (course_utils/workarounds.py) when a Keras release has moved the private
part each one needs: the lessons' helpers still work, and exactly one warning names the
workaround and what moved. Each test hides that part as a move would (the module gone from
``sys.modules``, or the name gone from its module) and undoes it afterwards."""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable
from pathlib import Path

from course_utils import data, workarounds

import pytest
from helpers import TINY_MNIST

#: The real function, before the `tiny_mnist` fixture replaces it.
DATA_KERAS_HOME = data.keras_home


@pytest.fixture(autouse=True)
def no_warning_given_yet(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each workaround warns once in a process: give each test a process that has not."""
    monkeypatch.setattr(workarounds, "_warned", set())


def module_gone(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Make ``import name`` fail, as it would where Keras moved or removed that module."""
    parent, _, child = name.rpartition(".")
    monkeypatch.setitem(sys.modules, name, None)
    if hasattr(sys.modules.get(parent), child):
        monkeypatch.delattr(sys.modules[parent], child)


def name_gone(monkeypatch: pytest.MonkeyPatch, module: str, name: str) -> None:
    """Take ``name`` out of the (imported) ``module``, as where Keras moved or renamed it."""
    __import__(module)
    monkeypatch.delattr(sys.modules[module], name)


def warnings_of(action: Callable[[], object]) -> list[str]:
    """Run ``action``; return the RuntimeWarnings it gave, every one of them."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        action()
    return [str(warning.message) for warning in caught if warning.category is RuntimeWarning]


def assert_one_warning(said: list[str], workaround: str, cause: str) -> None:
    assert len(said) == 1, said
    assert f"left out the workaround {workaround}" in said[0], said[0]
    assert cause in said[0], f"the warning does not name the cause ({cause}): {said[0]}"


# ---- keras_home: where course_utils.data puts MNIST -----------------------------------


def test_keras_home_asks_keras_while_its_internal_is_there() -> None:
    from keras.src.backend import config

    assert warnings_of(workarounds.keras_home) == []
    assert workarounds.keras_home() == config.keras_home()


@pytest.mark.parametrize(
    ("move", "cause"),
    [
        (lambda patch: module_gone(patch, "keras.src.backend.config"), "keras.src.backend.config"),
        (lambda patch: name_gone(patch, "keras.src.backend.config", "keras_home"), "keras_home"),
    ],
    ids=["module moved", "function moved"],
)
def test_mnist_is_installed_where_keras_looks_when_keras_home_moved(
    tiny_mnist: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    move: Callable[[pytest.MonkeyPatch], None],
    cause: str,
) -> None:
    monkeypatch.setattr(data, "keras_home", DATA_KERAS_HOME)  # the real one, not the fixture's
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))
    move(monkeypatch)

    def install_twice() -> None:  # the second finds the verified copy in place
        data.install_mnist(quiet=True)
        data.install_mnist(quiet=True)

    said = warnings_of(install_twice)
    assert_one_warning(said, "keras_home", cause)
    placed = tmp_path / "keras-home" / "datasets" / "mnist.npz"
    assert data.keras_cache_file() == placed  # Keras's default: $KERAS_HOME
    assert placed.read_bytes() == TINY_MNIST


# ---- the workarounds course_utils applies on import ------------------------------------

MOVES = {
    "keep_tensorflow_out": (
        "jax",  # it concerns JAX and PyTorch, before anything imported TensorFlow
        lambda patch: module_gone(patch, "keras.src.utils.module_utils"),
        "keras.src.utils.module_utils",
    ),
    "stop_tf_data_stalls": (
        "tensorflow",
        lambda patch: name_gone(
            patch, "keras.src.trainers.data_adapters.array_data_adapter", "ArrayDataAdapter"
        ),
        "ArrayDataAdapter",
    ),
    "batch_torch_affine_transform": (
        "torch",
        lambda patch: module_gone(patch, "keras.src.backend.torch"),  # never imports torch
        "keras.src.backend.torch",
    ),
}


@pytest.mark.parametrize("workaround", MOVES)
def test_a_workaround_whose_internal_moved_is_left_out_with_one_warning(
    monkeypatch: pytest.MonkeyPatch, workaround: str
) -> None:
    backend, move, cause = MOVES[workaround]
    monkeypatch.setattr(workarounds, "backend", lambda: backend)
    if backend != "tensorflow":
        monkeypatch.delitem(sys.modules, "tensorflow", raising=False)
    move(monkeypatch)

    def start_twice() -> None:  # what importing course_utils.startup runs: no error
        workarounds.apply_all()
        workarounds.apply_all()

    assert_one_warning(warnings_of(start_twice), workaround, cause)
