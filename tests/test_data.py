"""course_utils.data: a local copy or a download, verified, then placed in Keras's cache."""

from __future__ import annotations

import inspect
import os
import shutil
import subprocess
import sys
from pathlib import Path

from course_utils import data

import numpy as np
import pytest
from conftest import TINY_MNIST, Mirror

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
    assert "error: MNIST is not available." in capsys.readouterr().err
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


def test_the_real_file_downloads_from_a_mirror_and_loads_through_keras(
    mirror: Mirror, tmp_path: Path
) -> None:
    """A new student's laptop: no local copy, so the real code path downloads the real file
    (here from a localhost mirror), shows progress, verifies it and Keras loads it."""
    mirror.files["mnist.npz"] = data.find_local_copy().read_bytes()  # MNIST_DIR or the default
    environment = {
        **os.environ,
        "KERAS_HOME": str(tmp_path / "keras"),
        "MNIST_DIR": str(tmp_path / "no-copy-here"),
        "MNIST_URL": mirror.url + "mnist.npz",
    }
    script = (
        "from course_utils.data import install_mnist\n"
        "import keras\n"
        "install_mnist()\n"
        "(x, y), (xt, yt) = keras.datasets.mnist.load_data()\n"
        "print('loaded', x.shape, xt.shape)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script], env=environment, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    assert "No local copy: MNIST_DIR is set to" in run.stdout
    assert "Downloading mnist.npz: [##############################] 100% of 11.5 MB" in run.stdout
    assert "MNIST downloaded and verified" in run.stdout
    assert "loaded (60000, 28, 28) (10000, 28, 28)" in run.stdout
    assert mirror.requests == ["/mnist.npz"]  # Keras itself downloaded nothing more
    cached = tmp_path / "keras" / "datasets" / "mnist.npz"
    assert data.sha256_of(cached) == data.SHA256
    assert [path.name for path in cached.parent.iterdir()] == ["mnist.npz"]  # no .part left


def test_without_a_mirror_the_download_comes_from_keras_own_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import keras

    monkeypatch.delenv("MNIST_URL")
    assert data.download_url() == data.KERAS_URL
    loader = inspect.getsource(keras.datasets.mnist.load_data)
    origin = data.KERAS_URL.removesuffix("mnist.npz")
    assert origin in loader and data.SHA256 in loader  # the same address and checksum
    monkeypatch.setenv("MNIST_URL", "http://127.0.0.1:8000/mnist.npz")
    assert data.download_url() == "http://127.0.0.1:8000/mnist.npz"


def test_outside_a_checkout_only_mnist_dir_is_a_local_copy(
    tiny_mnist: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(data, "in_checkout", lambda: False)
    assert data.find_local_copy() == tiny_mnist / "mnist.npz"
    monkeypatch.delenv("MNIST_DIR")
    with pytest.raises(data.NoLocalCopy, match="^MNIST_DIR is not set.$"):
        data.find_local_copy()
