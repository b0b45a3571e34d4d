"""course_utils.data: a local copy or a download, verified, then placed in Keras's cache."""

from __future__ import annotations

import email.message
import errno
import http.server
import inspect
import io
import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

from course_utils import data

import numpy as np
import pytest
from helpers import TINY_MNIST, Mirror

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


# ---- downloads that go wrong (each also a row of tests/test_faults.py) -------------------


def _no_local_copy(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, url: str) -> None:
    monkeypatch.setenv("MNIST_DIR", str(tmp_path / "no-copy-here"))
    monkeypatch.setenv("MNIST_URL", url)


def _endless(handler: http.server.BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.end_headers()
    for _ in range(4096):  # 256 MB at most, should the client never hang up
        handler.wfile.write(bytes(1 << 16))


def test_an_endless_download_stops_at_the_file_size(
    tiny_mnist: Path, mirror: Mirror, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    mirror.responses["endless.npz"] = _endless
    _no_local_copy(monkeypatch, tmp_path, mirror.url + "endless.npz")
    sizes: list[int] = []
    real_remove = os.remove

    def remove(path: str) -> None:  # the partial file's size, just before it is removed
        sizes.append(os.path.getsize(path))
        real_remove(path)

    monkeypatch.setattr(data.os, "remove", remove)
    with pytest.raises(data.MnistDataError, match="sent more than the file's size"):
        data.install_mnist(quiet=True)
    assert sizes and max(sizes) <= data.FILE_SIZE
    assert list(data.keras_cache_file().parent.iterdir()) == []


def test_an_announced_size_beyond_the_file_is_refused_at_once(
    tiny_mnist: Path, mirror: Mirror, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def huge(handler: http.server.BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(10**10))
        handler.end_headers()
        handler.wfile.write(bytes(1 << 20))

    mirror.responses["huge.npz"] = huge
    _no_local_copy(monkeypatch, tmp_path, mirror.url + "huge.npz")
    with pytest.raises(data.MnistDataError) as caught:
        data.install_mnist(quiet=True)
    assert "the server announced 10,000,000,000 bytes, more than the file's size" in str(
        caught.value
    )
    assert "set MNIST_URL to another mirror" in str(caught.value)
    assert list(data.keras_cache_file().parent.iterdir()) == []


@pytest.mark.parametrize(
    ("header", "announced"),
    [("26", 26), ("26, 26", 26), ("26,26 ,26", 26), ("26, 27", None), ("lots", None),
     ("-26", None), ("+26", None), ("", None)],
)  # fmt: skip
def test_content_length_is_read_as_http_allows(header: str, announced: int | None) -> None:
    headers = email.message.Message()
    headers["Content-Length"] = header
    assert data.announced_size(headers) == announced


def test_a_repeated_content_length_line_is_one_value() -> None:
    headers = email.message.Message()
    headers["Content-Length"] = "26"
    headers["Content-Length"] = "26"
    assert data.announced_size(headers) == 26
    headers["Content-Length"] = "27"
    assert data.announced_size(headers) is None
    headers = email.message.Message()
    headers["Transfer-Encoding"] = "chunked"
    headers["Content-Length"] = "26"
    assert data.announced_size(headers) is None


@pytest.mark.parametrize("header", ["26, 26", "26, 27", "lots"])
def test_odd_content_length_headers_still_download(
    header: str, tiny_mnist: Path, mirror: Mirror, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def odd(handler: http.server.BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", header)
        handler.end_headers()
        handler.wfile.write(GOOD)

    mirror.responses["odd.npz"] = odd
    _no_local_copy(monkeypatch, tmp_path, mirror.url + "odd.npz")
    assert data.install_mnist(quiet=True).read_bytes() == GOOD


def test_the_deadline_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MNIST_DOWNLOAD_DEADLINE", raising=False)
    assert data.download_deadline() == data.DOWNLOAD_DEADLINE == 600
    monkeypatch.setenv("MNIST_DOWNLOAD_DEADLINE", " 2.5 ")
    assert data.download_deadline() == 2.5
    for wrong in ["soon", "0", "-5", "nan"]:
        monkeypatch.setenv("MNIST_DOWNLOAD_DEADLINE", wrong)
        with pytest.raises(data.MnistDataError, match="must be a number of seconds greater"):
            data.download_deadline()


def test_a_bad_deadline_is_reported_before_anything_is_downloaded(
    tiny_mnist: Path, mirror: Mirror, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _no_local_copy(monkeypatch, tmp_path, mirror.url + "mnist.npz")
    monkeypatch.setenv("MNIST_DOWNLOAD_DEADLINE", "ten minutes")
    with pytest.raises(data.MnistDataError, match="it is 'ten minutes'"):
        data.install_mnist(quiet=True)
    assert mirror.requests == []


def test_a_full_disk_during_a_download_says_so_and_where(
    tiny_mnist: Path, mirror: Mirror, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    mirror.files["mnist.npz"] = GOOD
    _no_local_copy(monkeypatch, tmp_path, mirror.url + "mnist.npz")
    real_open = open

    def open_on_a_full_disk(path: str, mode: str = "r", *args: object, **kwargs: object):
        if "w" not in mode:
            return real_open(path, mode, *args, **kwargs)
        os.close(os.open(path, os.O_WRONLY))  # a write to the file is what fails

        class Full(io.BytesIO):
            def write(self, chunk: object) -> int:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        return Full()

    monkeypatch.setattr(data, "open", open_on_a_full_disk, raising=False)
    with pytest.raises(data.MnistDataError) as caught:
        data.install_mnist(quiet=True)
    message = str(caught.value)
    folder = data.keras_cache_file().parent
    assert f"the disk that holds {folder} is full ([Errno 28] No space left on device)" in message
    assert "connect to the internet" not in message and "KERAS_HOME" in message
    assert list(folder.iterdir()) == []


# ---- the cache: partial files of killed runs, and other users ---------------------------


def test_only_stale_partial_files_of_the_course_are_removed(tiny_mnist: Path) -> None:
    folder = data.keras_cache_file().parent
    folder.mkdir(parents=True)
    an_hour_ago = time.time() - 3600
    names = [".mnist.npz.k1ll3d.part", ".mnist.npz.runn1g.part", "notes.part",
             ".other.npz.abc.part", "mnist.npz.part"]  # fmt: skip
    for name in names:
        (folder / name).write_bytes(b"x")
        if name != ".mnist.npz.runn1g.part":
            os.utime(folder / name, (an_hour_ago, an_hour_ago))
    (folder / ".mnist.npz.d1r.part").mkdir()  # not a file: left alone
    os.utime(folder / ".mnist.npz.d1r.part", (an_hour_ago, an_hour_ago))
    removed = data.remove_stale_partial_files(folder, quiet=True)
    assert [path.name for path in removed] == [".mnist.npz.k1ll3d.part"]
    left = sorted(path.name for path in folder.iterdir())
    assert left == sorted({*names, ".mnist.npz.d1r.part"} - {".mnist.npz.k1ll3d.part"})
    assert data.remove_stale_partial_files(folder / "absent") == []


def test_stale_partial_files_go_even_when_the_cache_is_already_verified(
    tiny_mnist: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cached = data.install_mnist(quiet=True)
    stale = cached.parent / ".mnist.npz.k1ll3d.part"
    stale.write_bytes(b"half")
    os.utime(stale, (time.time() - 3600, time.time() - 3600))
    capsys.readouterr()
    assert data.install_mnist() == cached and not stale.exists()
    assert "Removed .mnist.npz.k1ll3d.part from" in capsys.readouterr().out


@pytest.mark.parametrize("source", ["a local copy", "a download"])
def test_the_placed_file_is_readable_by_everyone_whatever_the_umask(
    source: str, tiny_mnist: Path, mirror: Mirror, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    if source == "a download":
        mirror.files["mnist.npz"] = GOOD
        _no_local_copy(monkeypatch, tmp_path, mirror.url + "mnist.npz")
    previous = os.umask(0o077)
    try:
        cached = data.install_mnist(quiet=True)
    finally:
        os.umask(previous)
    assert stat.S_IMODE(cached.stat().st_mode) == 0o644


def test_an_unreadable_cache_file_of_ones_own_is_explained(
    tiny_mnist: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cached = data.keras_cache_file()
    cached.parent.mkdir(parents=True)
    cached.write_bytes(GOOD)
    cached.chmod(0)

    def unreadable(path: Path) -> str:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))

    monkeypatch.setattr(data, "sha256_of", unreadable)  # root reads any file: pretend
    with pytest.raises(data.MnistDataError) as caught:
        data.install_mnist(quiet=True)
    message = str(caught.value)
    assert f"Keras's cache file {cached} cannot be read (Permission denied)" in message
    assert "it belongs to you and its permissions are ----------" in message
    assert "set KERAS_HOME to a folder of your own" in message
    assert f"chmod 644 {cached}" in message


def test_mnist_dir_may_name_the_file_itself(
    tiny_mnist: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MNIST_DIR", str(tiny_mnist / "mnist.npz"))
    assert data.find_local_copy() == tiny_mnist / "mnist.npz"
    assert data.install_mnist(quiet=True).read_bytes() == GOOD
    other = tmp_path / "train-images-idx3-ubyte.gz"
    other.write_bytes(b"\x1f\x8b not mnist.npz")
    monkeypatch.setenv("MNIST_DIR", str(other))
    data.keras_cache_file().unlink()
    with pytest.raises(data.MnistDataError, match="is not the genuine mnist.npz"):
        data.install_mnist(quiet=True)
