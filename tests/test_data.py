"""course_utils.data: finding, verifying and installing the offline MNIST copy."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from course_utils import data

import numpy as np
import pytest
from conftest import TINY_MNIST

GOOD = TINY_MNIST


def test_install_copies_a_verified_file_into_the_keras_cache(tiny_mnist: Path) -> None:
    installed = data.install_mnist(quiet=True)
    assert installed == data.keras_cache_file()
    assert installed.parent.name == "datasets"
    assert installed.read_bytes() == GOOD
    assert [p.name for p in installed.parent.iterdir()] == ["mnist.npz"]


def test_a_verified_cached_copy_is_used_even_without_a_source(
    tiny_mnist: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    data.install_mnist(quiet=True)
    monkeypatch.setenv("MNIST_DIR", str(tmp_path / "gone"))
    assert data.install_mnist(quiet=True).read_bytes() == GOOD


def test_a_stale_cached_copy_is_replaced(tiny_mnist: Path) -> None:
    cached = data.keras_cache_file()
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"half a download")
    data.install_mnist(quiet=True)
    assert cached.read_bytes() == GOOD


def test_variable_pointing_nowhere_names_the_variable_and_the_file(
    tiny_mnist: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MNIST_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(data.MnistDataError) as caught:
        data.install_mnist(quiet=True)
    message = str(caught.value)
    assert "MNIST_DIR" in message and "mnist.npz" in message
    assert "does not exist" in message and "What to do" in message
    assert caught.value._render_traceback_() == [f"MnistDataError: {message}"]  # Jupyter's view
    assert not data.keras_cache_file().exists()


def test_folder_without_the_file_is_reported(
    tiny_mnist: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("MNIST_DIR", str(empty))
    with pytest.raises(data.MnistDataError, match="there is no mnist.npz in it"):
        data.install_mnist(quiet=True)


def test_default_folder_is_used_when_the_variable_is_unset(
    tiny_mnist: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("MNIST_DIR")
    monkeypatch.setattr(data, "DEFAULT_DIR", tiny_mnist)
    assert data.find_local_copy() == tiny_mnist / "mnist.npz"
    monkeypatch.setattr(data, "DEFAULT_DIR", tmp_path / "absent")
    with pytest.raises(data.MnistDataError, match="MNIST_DIR is not set"):
        data.find_local_copy()


@pytest.mark.parametrize("content", [GOOD[:10], b"", b"x" + GOOD[1:], GOOD + b"more"])
def test_corrupt_copy_is_refused_and_never_cached(tiny_mnist: Path, content: bytes) -> None:
    (tiny_mnist / "mnist.npz").write_bytes(content)
    with pytest.raises(data.MnistDataError, match="not the genuine mnist.npz"):
        data.install_mnist(quiet=True)
    cache = data.keras_cache_file().parent
    assert not cache.exists() or list(cache.iterdir()) == []


def test_failed_copy_leaves_nothing_half_written(
    tiny_mnist: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full(source: str, target: str) -> None:
        Path(target).write_bytes(GOOD[:5])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(shutil, "copyfile", disk_full)
    with pytest.raises(data.MnistDataError, match="No space left on device"):
        data.install_mnist(quiet=True)
    assert list(data.keras_cache_file().parent.iterdir()) == []


def test_command_line_reports_a_missing_copy(
    tiny_mnist: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys
) -> None:
    monkeypatch.setenv("MNIST_DIR", str(tmp_path / "nowhere"))
    assert data.main() == 1
    assert "error: MNIST is not available offline" in capsys.readouterr().err
    monkeypatch.setenv("MNIST_DIR", str(tiny_mnist))
    assert data.main() == 0


def test_real_copy_loads_through_keras_without_network(no_network: None) -> None:
    # conftest points KERAS_HOME at an empty session folder, so this installs the real copy.
    (x_train, y_train), (x_test, y_test) = data.load_prepared(train_size=500)
    assert x_train.shape == (500, 28, 28, 1) and x_test.shape == (10_000, 28, 28, 1)
    assert x_train.dtype == np.float32 and 0.0 == x_train.min() and x_train.max() == 1.0
    assert y_train.shape == (500, 10) and np.all(y_train.sum(axis=1) == 1)
    assert data.sha256_of(data.keras_cache_file()) == data.SHA256
    assert str(data.keras_cache_file()).startswith(os.environ["KERAS_HOME"])


def test_train_size_out_of_range_is_explained() -> None:
    with pytest.raises(ValueError, match="train_size must be between 1 and 60000"):
        data.load_prepared(train_size=0)
