"""course_utils.data: a local copy or a download, verified, then placed in Keras's cache."""

from __future__ import annotations

import base64
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
import tempfile
import threading
import time
from collections.abc import Callable
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
    mnist_mirror: Mirror, tmp_path: Path
) -> None:
    """A new student's laptop: no local copy, so the real code path downloads the real file
    (here from a localhost mirror), shows progress, verifies it and Keras loads it."""
    mnist_mirror.files["mnist.npz"] = (
        data.find_local_copy().read_bytes()
    )  # MNIST_DIR or the default
    environment = {
        **os.environ,
        "KERAS_HOME": str(tmp_path / "keras"),
        "MNIST_DIR": str(tmp_path / "no-copy-here"),
        "MNIST_URL": mnist_mirror.url + "mnist.npz",
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
    assert mnist_mirror.requests == ["/mnist.npz"]  # Keras itself downloaded nothing more
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


# ---- downloads that go wrong (each also a row of tests/test_error_messages.py) -------------------


def _no_local_copy(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, url: str) -> None:
    monkeypatch.setenv("MNIST_DIR", str(tmp_path / "no-copy-here"))
    monkeypatch.setenv("MNIST_URL", url)


def _endless(handler: http.server.BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.end_headers()
    for _ in range(4096):  # 256 MB at most, should the client never hang up
        handler.wfile.write(bytes(1 << 16))


def test_an_endless_download_stops_at_the_file_size(
    tiny_mnist: Path, mnist_mirror: Mirror, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    mnist_mirror.responses["endless.npz"] = _endless
    _no_local_copy(monkeypatch, tmp_path, mnist_mirror.url + "endless.npz")
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
    tiny_mnist: Path, mnist_mirror: Mirror, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def huge(handler: http.server.BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(10**10))
        handler.end_headers()
        handler.wfile.write(bytes(1 << 20))

    mnist_mirror.responses["huge.npz"] = huge
    _no_local_copy(monkeypatch, tmp_path, mnist_mirror.url + "huge.npz")
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
    header: str,
    tiny_mnist: Path,
    mnist_mirror: Mirror,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    def odd(handler: http.server.BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", header)
        handler.end_headers()
        handler.wfile.write(GOOD)

    mnist_mirror.responses["odd.npz"] = odd
    _no_local_copy(monkeypatch, tmp_path, mnist_mirror.url + "odd.npz")
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
    tiny_mnist: Path, mnist_mirror: Mirror, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _no_local_copy(monkeypatch, tmp_path, mnist_mirror.url + "mnist.npz")
    monkeypatch.setenv("MNIST_DOWNLOAD_DEADLINE", "ten minutes")
    with pytest.raises(data.MnistDataError, match="it is 'ten minutes'"):
        data.install_mnist(quiet=True)
    assert mnist_mirror.requests == []


def test_a_full_disk_during_a_download_says_so_and_where(
    tiny_mnist: Path, mnist_mirror: Mirror, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    mnist_mirror.files["mnist.npz"] = GOOD
    _no_local_copy(monkeypatch, tmp_path, mnist_mirror.url + "mnist.npz")
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
    source: str,
    tiny_mnist: Path,
    mnist_mirror: Mirror,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    if source == "a download":
        mnist_mirror.files["mnist.npz"] = GOOD
        _no_local_copy(monkeypatch, tmp_path, mnist_mirror.url + "mnist.npz")
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


# ---- the deadline covers the whole exchange ---------------------------------------------


def _slow_reply(quick: bytes, slow: bytes) -> Callable[[http.server.BaseHTTPRequestHandler], None]:
    """A response that sends ``quick`` at once, then ``slow`` a byte every 0.25 s: each read
    is well within the timeout, and the whole would take far longer than the deadline."""

    def respond(handler: http.server.BaseHTTPRequestHandler) -> None:
        handler.wfile.write(quick)
        for byte in slow:
            handler.wfile.write(bytes([byte]))
            time.sleep(0.25)

    return respond


@pytest.mark.parametrize("trickled", ["the status line", "the headers"])
def test_a_reply_trickled_before_the_file_is_cut_at_the_deadline(
    trickled: str,
    tiny_mnist: Path,
    mnist_mirror: Mirror,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    status, headers = b"HTTP/1.0 200 OK\r\n", b"X-Slow: " + b"a" * 40 + b"\r\n\r\n"
    if trickled == "the status line":
        mnist_mirror.responses["slow.npz"] = _slow_reply(b"", status + headers)
    else:
        mnist_mirror.responses["slow.npz"] = _slow_reply(status, headers)
    _no_local_copy(monkeypatch, tmp_path, mnist_mirror.url + "slow.npz")
    monkeypatch.setattr(data, "DOWNLOAD_TIMEOUT", 1.0)
    monkeypatch.setenv("MNIST_DOWNLOAD_DEADLINE", "1.5")
    started = time.monotonic()
    with pytest.raises(data.MnistDataError) as caught:
        data.install_mnist(quiet=True)
    assert time.monotonic() - started < 1.5 + 1.5, "the deadline stopped at the body"
    assert (
        "the download was too slow: the server had not finished the headers of its reply "
        "after 1.5 s, the time allowed for the whole download"
    ) in str(caught.value)
    assert f"{data.DEADLINE_ENV_VAR}=600" in str(caught.value)
    assert list(data.keras_cache_file().parent.iterdir()) == []  # no partial file


def test_the_deadline_ends_a_body_read_that_waits(
    tiny_mnist: Path, mnist_mirror: Mirror, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A server that sends a byte every 1.9 s, each within the timeout and the deadline: the
    read that is waiting when the deadline passes is cut then, not when its byte arrives."""

    def stalls(handler: http.server.BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(len(GOOD)))
        handler.end_headers()
        handler.wfile.write(GOOD[:10])
        for byte in GOOD[10:13]:
            time.sleep(1.9)
            handler.wfile.write(bytes([byte]))

    mnist_mirror.responses["stalls.npz"] = stalls
    _no_local_copy(monkeypatch, tmp_path, mnist_mirror.url + "stalls.npz")
    monkeypatch.setattr(data, "DOWNLOAD_TIMEOUT", 6.0)
    monkeypatch.setenv("MNIST_DOWNLOAD_DEADLINE", "2")
    started = time.monotonic()
    with pytest.raises(data.MnistDataError, match="only 11 of 26 bytes arrived in 2 s"):
        data.install_mnist(quiet=True)
    assert time.monotonic() - started < 2 + 1, "the deadline waited for a read to end"
    assert list(data.keras_cache_file().parent.iterdir()) == []


def test_a_download_leaves_no_watch_running(
    tiny_mnist: Path, mnist_mirror: Mirror, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    mnist_mirror.files["mnist.npz"] = GOOD
    _no_local_copy(monkeypatch, tmp_path, mnist_mirror.url + "mnist.npz")
    before = threading.active_count()
    assert data.install_mnist(quiet=True).read_bytes() == GOOD
    deadline = time.monotonic() + 2
    while threading.active_count() > before and time.monotonic() < deadline:
        time.sleep(0.05)  # a cancelled timer's thread ends at once
    assert threading.active_count() <= before


# ---- addresses and replies that make no sense -------------------------------------------


@pytest.mark.parametrize(
    ("url", "what"),
    [
        ("storage.example/mnist.npz", "it has no scheme (an address starts with http:// or "
         "https://, as in https://storage.example/mnist.npz)"),
        ("http://[::1/x", "its host starts with [ but is not a valid IPv6 address in brackets"),
        ("http://127.0.0.1:99999/mnist.npz", "its port is not a number from 0 to 65535"),
        ("http://127.0.0.1:eighty/mnist.npz", "its port is not a number from 0 to 65535"),
        ("ftp://storage.example/mnist.npz", "it starts with ftp:, and the course downloads only"),
        ("http:///mnist.npz", "it names no host"),
    ],
)  # fmt: skip
def test_an_address_that_is_not_one_gets_one_message(
    url: str, what: str, tiny_mnist: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _no_local_copy(monkeypatch, tmp_path, url)
    with pytest.raises(data.MnistDataError) as caught:
        data.install_mnist(quiet=True)
    message = str(caught.value)
    assert message.startswith(f"MNIST_URL is set to {url!r}, which is not a web address: {what}")
    assert "What to do: set MNIST_URL to the whole address" in message
    assert not data.keras_cache_file().parent.exists()


def test_a_content_length_of_thousands_of_digits_is_refused_in_words(
    tiny_mnist: Path, mnist_mirror: Mirror, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def absurd(handler: http.server.BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", "9" * 5000)
        handler.end_headers()
        handler.wfile.write(GOOD)

    mnist_mirror.responses["absurd.npz"] = absurd
    _no_local_copy(monkeypatch, tmp_path, mnist_mirror.url + "absurd.npz")
    with pytest.raises(data.MnistDataError) as caught:
        data.install_mnist(quiet=True)
    assert (
        "failed: the server announced a size of 5,000 digits, more than the file's size "
        f"({len(GOOD):,} bytes), so it is not sending mnist.npz"
    ) in str(caught.value)
    assert list(data.keras_cache_file().parent.iterdir()) == []


def test_leading_zeros_do_not_make_a_content_length_absurd() -> None:
    headers = email.message.Message()
    headers["Content-Length"] = "0" * 5000 + "26"
    assert data.announced_size(headers) == 26


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://student:secret@host/mnist.npz", "http://***@host/mnist.npz"),
        ("https://student@host:8000/a/mnist.npz?x=1", "https://***@host:8000/a/mnist.npz?x=1"),
        ("http://a:b@c@host/mnist.npz", "http://***@host/mnist.npz"),
        ("student:secret@storage.example/mnist.npz", "***@storage.example/mnist.npz"),
        ("https://host/npm/@scope/mnist.npz", "https://host/npm/@scope/mnist.npz"),
        ("http://host/mnist.npz", "http://host/mnist.npz"),
    ],
)
def test_an_address_is_shown_without_its_credentials(url: str, shown: str) -> None:
    assert data.shown_url(url) == shown


def _recording(
    seen: list[dict[str, str]], content: bytes = GOOD, status: int = 200
) -> Callable[[http.server.BaseHTTPRequestHandler], None]:
    def respond(handler: http.server.BaseHTTPRequestHandler) -> None:
        seen.append(dict(handler.headers))
        handler.send_response(status)
        handler.send_header("Content-Length", str(len(content)))
        handler.end_headers()
        handler.wfile.write(content)

    return respond


def test_credentials_in_the_address_are_sent_and_never_printed(
    tiny_mnist: Path,
    mnist_mirror: Mirror,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    seen: list[dict[str, str]] = []
    mnist_mirror.responses["private/mnist.npz"] = _recording(seen)
    url = mnist_mirror.url.replace("http://", "http://student:s%40cret@") + "private/mnist.npz"
    _no_local_copy(monkeypatch, tmp_path, url)
    assert data.install_mnist().read_bytes() == GOOD
    said = capsys.readouterr()
    assert "cret" not in said.out + said.err and "student" not in said.out + said.err
    shown = mnist_mirror.url.replace("http://", "http://***@") + "private/mnist.npz"
    assert f"Downloading mnist.npz from {shown}" in said.out
    assert f"MNIST downloaded and verified: {shown} ->" in said.out
    assert seen[0]["Authorization"] == "Basic " + base64.b64encode(b"student:s@cret").decode()
    assert mnist_mirror.requests == ["/private/mnist.npz"]


def test_refused_credentials_are_named_but_not_shown(
    tiny_mnist: Path, mnist_mirror: Mirror, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    mnist_mirror.responses["private/mnist.npz"] = _recording([], b"who are you?", status=401)
    url = mnist_mirror.url.replace("http://", "http://student:secret@") + "private/mnist.npz"
    _no_local_copy(monkeypatch, tmp_path, url)
    with pytest.raises(data.MnistDataError) as caught:
        data.install_mnist(quiet=True)
    message = str(caught.value)
    assert "secret" not in message and "student" not in message
    assert (
        "failed: the server answered 401 Unauthorized to the user name and password that "
        "MNIST_URL carries: check them"
    ) in message


def test_credentials_are_not_sent_on_to_where_a_server_redirects(
    tiny_mnist: Path, mnist_mirror: Mirror, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def moved(handler: http.server.BaseHTTPRequestHandler) -> None:
        handler.send_response(302)
        handler.send_header("Location", mnist_mirror.url + "elsewhere/mnist.npz")
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    seen: list[dict[str, str]] = []
    mnist_mirror.responses["private/mnist.npz"] = moved
    mnist_mirror.responses["elsewhere/mnist.npz"] = _recording(seen)
    url = mnist_mirror.url.replace("http://", "http://student:secret@") + "private/mnist.npz"
    _no_local_copy(monkeypatch, tmp_path, url)
    assert data.install_mnist(quiet=True).read_bytes() == GOOD
    assert len(seen) == 1 and "Authorization" not in seen[0]


def test_an_address_without_a_scheme_is_shown_without_its_credentials(
    tiny_mnist: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _no_local_copy(monkeypatch, tmp_path, "student:secret@storage.example/mnist.npz")
    with pytest.raises(data.MnistDataError) as caught:
        data.install_mnist(quiet=True)
    assert "secret" not in str(caught.value)
    assert "'***@storage.example/mnist.npz'" in str(caught.value)


# ---- advice that names the real cause ---------------------------------------------------


def _refuse_temporary_files(monkeypatch: pytest.MonkeyPatch, code: int) -> None:
    """Creating a file in Keras's cache fails with ``code`` (root may write anywhere, so a
    closed folder is pretended: the course's atomic writes start with mkstemp)."""

    def refuse(*args: object, **kwargs: object) -> tuple[int, str]:
        raise OSError(code, os.strerror(code), str(kwargs.get("dir", "")))

    monkeypatch.setattr(tempfile, "mkstemp", refuse)


@pytest.mark.parametrize("source", ["a local copy", "a download"])
@pytest.mark.parametrize(
    ("code", "cause"),
    [(errno.EACCES, "you may not write in"), (errno.EPERM, "you may not write in"),
     (errno.EROFS, "is read-only")],
)  # fmt: skip
def test_a_cache_that_cannot_be_written_is_not_called_full(
    source: str,
    code: int,
    cause: str,
    tiny_mnist: Path,
    mnist_mirror: Mirror,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    if source == "a download":
        mnist_mirror.files["mnist.npz"] = GOOD
        _no_local_copy(monkeypatch, tmp_path, mnist_mirror.url + "mnist.npz")
    _refuse_temporary_files(monkeypatch, code)
    with pytest.raises(data.MnistDataError) as caught:
        data.install_mnist(quiet=True)
    message = str(caught.value)
    folder = data.keras_cache_file().parent
    assert (
        f"Could not place mnist.npz from {'http' if mnist_mirror.files else tiny_mnist}" in message
    )
    assert cause in message and str(folder) in message
    assert f"[Errno {code}] {os.strerror(code)}" in message and ".part" not in message
    assert "disk space" not in message and "full" not in message
    assert "set KERAS_HOME to a folder of your own" in message


def test_another_error_in_the_cache_gives_no_disk_advice(
    tiny_mnist: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _refuse_temporary_files(monkeypatch, errno.EIO)
    with pytest.raises(data.MnistDataError) as caught:
        data.install_mnist(quiet=True)
    assert "[Errno 5] Input/output error" in str(caught.value)
    assert "disk space" not in str(caught.value)


def test_mnist_dir_naming_another_file_never_asks_to_replace_it(
    tiny_mnist: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    system_file = tmp_path / "etc" / "hostname"  # as MNIST_DIR=/etc/hostname would
    system_file.parent.mkdir()
    system_file.write_bytes(b"lab-07\n")
    monkeypatch.setenv("MNIST_DIR", str(system_file))
    with pytest.raises(data.MnistDataError) as caught:
        data.install_mnist(quiet=True)
    message = str(caught.value)
    assert message.startswith(
        f"MNIST_DIR names {system_file}, which is not the genuine mnist.npz: its sha256 is"
    )
    assert "replace" not in message
    assert (
        f"set MNIST_DIR to the genuine mnist.npz or the folder that holds it; {system_file} "
        "is another file, to be left as it is."
    ) in message
    assert system_file.read_bytes() == b"lab-07\n"


def test_a_corrupt_copy_that_is_not_yours_is_not_yours_to_replace(
    tiny_mnist: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = tiny_mnist / "mnist.npz"
    shared.write_bytes(b"damaged")
    real_access = os.access

    def access(path: object, mode: int) -> bool:  # root may write anywhere: pretend
        if Path(path) in (shared, tiny_mnist) and mode == os.W_OK:
            return False
        return real_access(path, mode)

    monkeypatch.setattr(data.os, "access", access)
    with pytest.raises(data.MnistDataError) as caught:
        data.install_mnist(quiet=True)
    message = str(caught.value)
    assert f"{shared} is not the genuine mnist.npz" in message
    assert "replace it with a fresh copy" not in message
    assert "neither the file nor its folder is writable for you" in message
    assert f"ask whoever keeps {tiny_mnist} for a fresh copy" in message
    assert "set MNIST_DIR to a folder that holds a good copy of mnist.npz" in message


def test_a_corrupt_copy_of_ones_own_is_to_be_replaced(tiny_mnist: Path) -> None:
    (tiny_mnist / "mnist.npz").write_bytes(b"damaged")
    with pytest.raises(data.MnistDataError, match="What to do: replace it with a fresh copy"):
        data.install_mnist(quiet=True)


def test_an_unreadable_local_copy_is_explained(
    tiny_mnist: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreadable(path: Path) -> str:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))

    monkeypatch.setattr(data, "sha256_of", unreadable)  # root reads any file: pretend
    with pytest.raises(data.MnistDataError) as caught:
        data.install_mnist(quiet=True)
    message = str(caught.value)
    assert f"The local copy {tiny_mnist / 'mnist.npz'} cannot be read (Permission denied)" in (
        message
    )
    assert "set MNIST_DIR to a folder that holds a copy of mnist.npz you can read" in message
