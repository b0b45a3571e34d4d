"""Bad days, each ending in a clear message with nothing half-written, and the table of
book/troubleshooting.md kept honest: every row is produced here, and every case here has a row.

A row's second column is the start of the message, with `...` for the parts that vary.
"""

from __future__ import annotations

import errno
import http.server
import io
import json
import os
import re
import shutil
import socket
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from contextlib import redirect_stdout
from pathlib import Path

from course_admin import course
from course_admin.pairs import pair_problem
from course_utils import checks, data, devices, models, plotting
from course_utils.project import PROJECT_ROOT

import keras
import nbformat
import numpy as np
import pytest
from helpers import Mirror

Case = Callable[[Path, pytest.MonkeyPatch], str]
CASES: dict[str, Case] = {}


def case(name: str) -> Callable[[Case], Case]:
    def register(function: Case) -> Case:
        CASES[name] = function
        return function

    return register


def error_of(call: Callable[[], object], kind: type[Exception] = Exception) -> str:
    with pytest.raises(kind) as caught:
        call()
    return str(caught.value)


def printed_by(call: Callable[[], object]) -> str:
    buffer = io.StringIO()
    with redirect_stdout(buffer):
        call()
    return buffer.getvalue()


def assert_cache_empty() -> None:
    folder = data.keras_cache_file().parent
    assert not folder.exists() or list(folder.iterdir()) == [], "something was half-written"


SERVED = Mirror(url="")  # the mirror of the running case (cases take no fixtures of their own)


@pytest.fixture
def stand_in(served: Mirror, tiny_mnist: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MNIST_DIR", str(tiny_mnist))
    monkeypatch.setattr(sys.modules[__name__], "SERVED", served)
    return tiny_mnist


# ---- data ------------------------------------------------------------------------------


@case("`MNIST_DIR` points nowhere, and no download")
def _(tmp: Path, patch: pytest.MonkeyPatch) -> str:
    patch.setenv("MNIST_DIR", str(tmp / "nowhere"))  # MNIST_URL: a closed port (conftest)
    message = error_of(data.install_mnist, data.MnistDataError)
    assert_cache_empty()
    return message


@case("the folder has no `mnist.npz`, and no download")
def _(tmp: Path, patch: pytest.MonkeyPatch) -> str:
    (tmp / "empty").mkdir()
    patch.setenv("MNIST_DIR", str(tmp / "empty"))
    return error_of(data.install_mnist, data.MnistDataError)


@pytest.fixture
def served(mnist_mirror: Mirror, tiny_mnist: Path) -> Mirror:
    """The stand-in mnist.npz on a localhost mirror."""
    mnist_mirror.files["mnist.npz"] = (tiny_mnist / "mnist.npz").read_bytes()
    return mnist_mirror


def _without_local_copy(tmp: Path, patch: pytest.MonkeyPatch, url: str) -> None:
    patch.setenv("MNIST_DIR", str(tmp / "nowhere"))
    patch.setenv("MNIST_URL", url)


def _download_from(tmp: Path, patch: pytest.MonkeyPatch, path: str) -> str:
    """Download from ``path`` on the mirror; return the error, with nothing left behind."""
    _without_local_copy(tmp, patch, SERVED.url + path)
    message = error_of(data.install_mnist, data.MnistDataError)
    assert_cache_empty()
    return message


def _installs_whole(tmp: Path, patch: pytest.MonkeyPatch, name: str) -> str:
    """With no local copy, install MNIST from the mirror's ``name``: the cache then holds the
    whole, verified file. Returns what the course printed."""
    _without_local_copy(tmp, patch, SERVED.url + name)
    said = printed_by(data.install_mnist)
    assert data.sha256_of(data.keras_cache_file()) == data.SHA256
    return said


@case("no local copy, and the download works")
def _(tmp: Path, patch: pytest.MonkeyPatch) -> str:
    return _installs_whole(tmp, patch, "mnist.npz")


@case("the download is cut off")
def _(tmp: Path, patch: pytest.MonkeyPatch) -> str:
    return _download_from(tmp, patch, "cut/mnist.npz")


@case("the download is truncated")
def _(tmp: Path, patch: pytest.MonkeyPatch) -> str:
    SERVED.files["short.npz"] = SERVED.files["mnist.npz"][:7]
    return _download_from(tmp, patch, "short.npz")


@case("the download is another file")
def _(tmp: Path, patch: pytest.MonkeyPatch) -> str:
    SERVED.files["other.gz"] = b"\x1f\x8b not mnist at all"
    return _download_from(tmp, patch, "other.gz")


@case("the download address is wrong (404)")
def _(tmp: Path, patch: pytest.MonkeyPatch) -> str:
    return _download_from(tmp, patch, "no/such/mnist.npz")


@case("the server never answers")
def _(tmp: Path, patch: pytest.MonkeyPatch) -> str:
    with socket.create_server(("127.0.0.1", 0)) as silent:
        _without_local_copy(tmp, patch, f"http://127.0.0.1:{silent.getsockname()[1]}/mnist.npz")
        patch.setattr(data, "DOWNLOAD_TIMEOUT", 1.0)
        started = time.monotonic()
        message = error_of(data.install_mnist, data.MnistDataError)
        assert time.monotonic() - started < 5, "the download hung past its timeout"
    assert_cache_empty()
    return message


def _endless(handler: http.server.BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.end_headers()  # no Content-Length: the stream goes on until the client hangs up
    for _ in range(4096):  # 256 MB at most, should it never hang up
        handler.wfile.write(bytes(1 << 16))


@case("the server sends more than the file's size")
def _(tmp: Path, patch: pytest.MonkeyPatch) -> str:
    SERVED.responses["endless.npz"] = _endless
    return _download_from(tmp, patch, "endless.npz")


def _trickle(handler: http.server.BaseHTTPRequestHandler) -> None:
    content = SERVED.files["mnist.npz"]
    handler.send_response(200)
    handler.send_header("Content-Length", str(len(content)))
    handler.end_headers()
    for byte in content:  # a byte every 0.25 s: each read is well within the timeout
        handler.wfile.write(bytes([byte]))
        time.sleep(0.25)


@case("the download trickles past its deadline")
def _(tmp: Path, patch: pytest.MonkeyPatch) -> str:
    SERVED.responses["trickle.npz"] = _trickle  # the whole file would take 6.5 s
    patch.setattr(data, "DOWNLOAD_TIMEOUT", 1.0)
    patch.setenv("MNIST_DOWNLOAD_DEADLINE", "1")
    started = time.monotonic()
    message = _download_from(tmp, patch, "trickle.npz")
    assert time.monotonic() - started < 3, "the download ran past its deadline"
    return message


def _length_twice(handler: http.server.BaseHTTPRequestHandler) -> None:
    content = SERVED.files["mnist.npz"]
    handler.send_response(200)
    handler.send_header("Content-Length", f"{len(content)}, {len(content)}")  # legal HTTP
    handler.end_headers()
    handler.wfile.write(content)


@case("the server repeats `Content-Length`")
def _(tmp: Path, patch: pytest.MonkeyPatch) -> str:
    SERVED.responses["twice.npz"] = _length_twice
    return _installs_whole(tmp, patch, "twice.npz")


@case("the disk fills during the download")
def _(tmp: Path, patch: pytest.MonkeyPatch) -> str:
    class FullDisk:
        """A file that takes a few bytes, then finds the disk full."""

        def __init__(self, path: str) -> None:
            self.file = open(path, "wb")  # noqa: SIM115 - closed by __exit__

        def __enter__(self) -> FullDisk:
            return self

        def __exit__(self, *exception: object) -> None:
            self.file.close()

        def write(self, chunk: bytes) -> int:
            self.file.write(chunk[:3])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def open_on_a_full_disk(path: str, mode: str = "r", *args: object, **kwargs: object):
        return FullDisk(path) if "w" in mode else open(path, mode, *args, **kwargs)

    patch.setattr(data, "open", open_on_a_full_disk, raising=False)  # data's own open()
    return _download_from(tmp, patch, "mnist.npz")


def _replace_source(tmp: Path, content: bytes) -> str:
    (tmp / "source" / "mnist.npz").write_bytes(content)
    message = error_of(data.install_mnist, data.MnistDataError)
    assert_cache_empty()
    return message


@case("`mnist.npz` is truncated")
def _(tmp: Path, patch: pytest.MonkeyPatch) -> str:
    return _replace_source(tmp, (tmp / "source" / "mnist.npz").read_bytes()[:7])


@case("`mnist.npz` is corrupt")
def _(tmp: Path, patch: pytest.MonkeyPatch) -> str:
    return _replace_source(tmp, b"X" + (tmp / "source" / "mnist.npz").read_bytes()[1:])


@case("`mnist.npz` is another file")
def _(tmp: Path, patch: pytest.MonkeyPatch) -> str:
    other = PROJECT_ROOT.parent / "shared" / "data" / "mnist" / "t10k-labels-idx1-ubyte.gz"
    return _replace_source(tmp, other.read_bytes() if other.exists() else b"\x1f\x8b other")


@case("Keras's cache folder is read-only")
def _(tmp: Path, patch: pytest.MonkeyPatch) -> str:
    real_access = data.os.access
    keras_folder = str(tmp / "keras")
    patch.setattr(
        data.os, "access", lambda path, mode: str(path) != keras_folder and real_access(path, mode)
    )
    patch.setattr(tempfile, "gettempdir", lambda: str(tmp / "fallback"))
    said = printed_by(data.install_mnist)
    assert (tmp / "fallback" / ".keras" / "datasets" / "mnist.npz").is_file()
    return said


@case("the disk fills while copying")
def _(tmp: Path, patch: pytest.MonkeyPatch) -> str:
    def disk_full(source: str, target: str) -> None:
        Path(target).write_bytes(b"half")
        raise OSError(28, "No space left on device")

    patch.setattr(shutil, "copyfile", disk_full)
    message = error_of(data.install_mnist, data.MnistDataError)
    assert_cache_empty()
    return message


@case("a stale or corrupt copy sits in Keras's cache")
def _(tmp: Path, patch: pytest.MonkeyPatch) -> str:
    cached = data.keras_cache_file()
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"an old, broken download")
    said = printed_by(data.install_mnist)
    assert data.sha256_of(cached) == data.SHA256
    return said


@case("an earlier download was killed and left a `.part` file")
def _(tmp: Path, patch: pytest.MonkeyPatch) -> str:
    folder = data.keras_cache_file().parent
    folder.mkdir(parents=True)
    killed, running = folder / ".mnist.npz.k1ll3d.part", folder / ".mnist.npz.runn1g.part"
    killed.write_bytes(b"half a download")
    an_hour_ago = time.time() - 3600
    os.utime(killed, (an_hour_ago, an_hour_ago))
    running.write_bytes(b"another process is writing this right now")
    said = printed_by(data.install_mnist)
    assert not killed.exists() and running.exists()
    return said


@case("another user's `mnist.npz` sits in a shared Keras cache")
def _(tmp: Path, patch: pytest.MonkeyPatch) -> str:
    cached = data.keras_cache_file()
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"someone else's copy")
    cached.chmod(0o600)  # as mkstemp leaves it
    if os.geteuid() == 0:  # root reads anything: make the file another user's, and unreadable
        os.chown(cached, 65534, 65534)
    real_sha256_of = data.sha256_of

    def sha256_of(path: Path) -> str:
        if Path(path) == cached:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return real_sha256_of(path)

    patch.setattr(data, "sha256_of", sha256_of)
    message = error_of(data.install_mnist, data.MnistDataError)
    assert cached.read_bytes() == b"someone else's copy", "another user's file was changed"
    return message


@case("`MNIST_DIR` names the file itself")
def _(tmp: Path, patch: pytest.MonkeyPatch) -> str:
    patch.setenv("MNIST_DIR", str(tmp / "source" / "mnist.npz"))
    said = printed_by(data.install_mnist)
    assert data.sha256_of(data.keras_cache_file()) == data.SHA256
    return said


def _slow_headers(handler: http.server.BaseHTTPRequestHandler) -> None:
    handler.wfile.write(b"HTTP/1.0 200 OK\r\n")
    for byte in b"X-Slow: " + b"a" * 40 + b"\r\n\r\n":  # a byte every 0.25 s, for 12 s
        handler.wfile.write(bytes([byte]))
        time.sleep(0.25)


@case("the server trickles the headers of its reply past the deadline")
def _(tmp: Path, patch: pytest.MonkeyPatch) -> str:
    SERVED.responses["slow-headers.npz"] = _slow_headers
    patch.setattr(data, "DOWNLOAD_TIMEOUT", 1.0)
    patch.setenv("MNIST_DOWNLOAD_DEADLINE", "1")
    started = time.monotonic()
    message = _download_from(tmp, patch, "slow-headers.npz")
    assert time.monotonic() - started < 3, "the deadline stopped at the body"
    return message


def _absurd_length(handler: http.server.BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Length", "9" * 5000)
    handler.end_headers()
    handler.wfile.write(SERVED.files["mnist.npz"])


@case("the server announces a size of thousands of digits")
def _(tmp: Path, patch: pytest.MonkeyPatch) -> str:
    SERVED.responses["absurd.npz"] = _absurd_length
    return _download_from(tmp, patch, "absurd.npz")


@case("`MNIST_URL` is not a web address")
def _(tmp: Path, patch: pytest.MonkeyPatch) -> str:
    _without_local_copy(tmp, patch, "storage.example/mnist.npz")
    message = error_of(data.install_mnist, data.MnistDataError)
    assert_cache_empty()
    return message


def _private(handler: http.server.BaseHTTPRequestHandler) -> None:
    handler.send_response(401)
    handler.send_header("Content-Length", "0")
    handler.end_headers()


@case("the server refuses the user name and password in `MNIST_URL`")
def _(tmp: Path, patch: pytest.MonkeyPatch) -> str:
    SERVED.responses["private/mnist.npz"] = _private
    url = SERVED.url.replace("http://", "http://student:secret@") + "private/mnist.npz"
    _without_local_copy(tmp, patch, url)
    buffer = io.StringIO()
    with redirect_stdout(buffer):
        message = error_of(data.install_mnist, data.MnistDataError)
    assert "secret" not in buffer.getvalue() + message, "a password was printed"
    assert_cache_empty()
    return message


@case("you may not write in Keras's `datasets` folder")
def _(tmp: Path, patch: pytest.MonkeyPatch) -> str:
    def closed(*args: object, **kwargs: object) -> tuple[int, str]:  # root writes anywhere
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(kwargs.get("dir")))

    patch.setattr(tempfile, "mkstemp", closed)
    message = error_of(data.install_mnist, data.MnistDataError)
    assert "disk space" not in message
    assert_cache_empty()
    return message


@case("`MNIST_DIR` names another file")
def _(tmp: Path, patch: pytest.MonkeyPatch) -> str:
    (tmp / "etc").mkdir()
    (tmp / "etc" / "hostname").write_bytes(b"lab-07\n")  # as MNIST_DIR=/etc/hostname would
    patch.setenv("MNIST_DIR", str(tmp / "etc" / "hostname"))
    message = error_of(data.install_mnist, data.MnistDataError)
    assert (tmp / "etc" / "hostname").read_bytes() == b"lab-07\n"
    assert_cache_empty()
    return message


@case("a shared `mnist.npz` that is not yours is corrupt")
def _(tmp: Path, patch: pytest.MonkeyPatch) -> str:
    shared = tmp / "source" / "mnist.npz"
    shared.write_bytes(b"damaged")
    real_access = data.os.access

    def access(path: object, mode: int) -> bool:  # root may write anywhere: pretend
        closed = Path(path) in (shared, shared.parent) and mode == os.W_OK
        return not closed and real_access(path, mode)

    patch.setattr(data.os, "access", access)
    message = error_of(data.install_mnist, data.MnistDataError)
    assert_cache_empty()
    return message


@case("the local copy cannot be read")
def _(tmp: Path, patch: pytest.MonkeyPatch) -> str:
    def unreadable(path: Path) -> str:  # root reads any file: pretend
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))

    patch.setattr(data, "sha256_of", unreadable)
    return error_of(data.install_mnist, data.MnistDataError)


# ---- models ----------------------------------------------------------------------------

TINY_X = np.random.default_rng(0).random((64, 28, 28, 1), dtype=np.float32)
TINY_Y = keras.utils.to_categorical(np.arange(64) % 10, 10)


def _load_or_train(path: Path) -> str:
    said = printed_by(lambda: models.load_or_train(TINY_X, TINY_Y, path=path, epochs=1))
    assert keras.models.load_model(path).count_params() == models.SEED_PARAMETER_COUNT
    return said


@case("the trained model is missing")
def _(tmp: Path, patch: pytest.MonkeyPatch) -> str:
    return _load_or_train(tmp / "model.keras")


@case("training diverged (its weights are not numbers)")
def _(tmp: Path, patch: pytest.MonkeyPatch) -> str:
    diverged = models.build_seed_cnn()
    diverged.set_weights([np.full_like(weights, np.nan) for weights in diverged.get_weights()])
    folder = tmp / "models"
    with pytest.warns(RuntimeWarning) as warned:
        assert models.save_model(diverged, folder / "model.keras") is None
    assert not folder.exists() or list(folder.iterdir()) == [], "nothing saved"
    (message,) = [str(warning.message) for warning in warned]
    return message


@case("a saved model whose training diverged")
def _(tmp: Path, patch: pytest.MonkeyPatch) -> str:
    diverged = models.build_seed_cnn()
    diverged.set_weights([np.full_like(weights, np.inf) for weights in diverged.get_weights()])
    diverged.save(tmp / "model.keras")
    return _load_or_train(tmp / "model.keras")


@case("the trained model is corrupt")
def _(tmp: Path, patch: pytest.MonkeyPatch) -> str:
    (tmp / "model.keras").write_bytes(b"PK\x03\x04 not really a zip")
    return _load_or_train(tmp / "model.keras")


@case("the trained model comes from an incompatible version")
def _(tmp: Path, patch: pytest.MonkeyPatch) -> str:
    path = tmp / "model.keras"
    models.save_model(models.build_seed_cnn(), path)
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    config = json.loads(parts["config.json"])
    config["class_name"] = "SequentialFromTheFuture"
    config["module"] = "keras.future"
    parts["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return _load_or_train(path)


@case("the saved model is another network (inputs of another shape)")
def _(tmp: Path, patch: pytest.MonkeyPatch) -> str:
    path = tmp / "model.keras"
    keras.Sequential([keras.Input((784,)), keras.layers.Dense(10, activation="softmax")]).save(path)
    return _load_or_train(path)


@case("the trained model cannot be saved (a folder in its place, a read-only or full disk)")
def _(tmp: Path, patch: pytest.MonkeyPatch) -> str:
    path = tmp / "model.keras"
    path.mkdir()
    with pytest.warns(RuntimeWarning) as warned:
        model = models.load_or_train(TINY_X, TINY_Y, path=path, epochs=1)
    assert model.count_params() == models.SEED_PARAMETER_COUNT and list(path.iterdir()) == []
    (message,) = [str(warning.message) for warning in warned]
    return message


@case("the saved model is another network of the right shape")
def _(tmp: Path, patch: pytest.MonkeyPatch) -> str:
    path = tmp / "model.keras"
    flat = [keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(10)]
    keras.Sequential(flat).save(path)
    return _load_or_train(path)


@case("the saved model holds parts no saved network has")
def _(tmp: Path, patch: pytest.MonkeyPatch) -> str:
    path = tmp / "model.keras"
    models.build_seed_cnn().save(path)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("assets/extra.bin", b"0" * 1000)
    return _load_or_train(path)


@case("the saved model's weights do not fit its network")
def _(tmp: Path, patch: pytest.MonkeyPatch) -> str:
    path = tmp / "model.keras"
    wider = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(64, (3, 3))])
    seed = models.build_seed_cnn()
    seed.save(path)
    other = tmp / "other.keras"
    wider.save(other)
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    with zipfile.ZipFile(other) as archive:
        parts["model.weights.h5"] = archive.read("model.weights.h5")
    other.unlink()
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return _load_or_train(path)


@case("the model file would run code (a `Lambda` layer)")
def _(tmp: Path, patch: pytest.MonkeyPatch) -> str:
    path = tmp / "model.keras"
    sneaky = keras.Sequential(
        [keras.Input((28, 28, 1)), keras.layers.Lambda(lambda x: x * 2), keras.layers.Flatten()]
    )
    sneaky.save(path)
    return _load_or_train(path)


# ---- helpers ---------------------------------------------------------------------------


@case("a plot gets the wrong shape")
def _(tmp: Path, patch: pytest.MonkeyPatch) -> str:
    return error_of(lambda: plotting.plot_digits(np.zeros((28, 28))), ValueError)


@case("a plot gets NaN values")
def _(tmp: Path, patch: pytest.MonkeyPatch) -> str:
    return error_of(lambda: plotting.plot_feature_maps(np.full((5, 5, 2), np.nan)), ValueError)


@case("a plot gets labels out of range")
def _(tmp: Path, patch: pytest.MonkeyPatch) -> str:
    return error_of(lambda: plotting.plot_confusion_matrix([0, 1], [0, 10]), ValueError)


@case("a plot gets an empty array")
def _(tmp: Path, patch: pytest.MonkeyPatch) -> str:
    return error_of(lambda: plotting.plot_digits(np.zeros((0, 28, 28))), ValueError)


@case("a plot gets text instead of numbers")
def _(tmp: Path, patch: pytest.MonkeyPatch) -> str:
    return error_of(lambda: plotting.plot_filters(np.full((3, 3, 1, 2), "w")), ValueError)


@case("a self-check gets an answer of the wrong type")
def _(tmp: Path, patch: pytest.MonkeyPatch) -> str:
    return repr(checks.check_digit_count("seven", np.array([7]), digit=7))


# ---- notebooks -------------------------------------------------------------------------


@case("a lesson raises during `make course`")
def _(tmp: Path, patch: pytest.MonkeyPatch) -> str:
    broken = tmp / "01_broken.ipynb"
    kernel = {"name": "python3", "display_name": "Python 3", "language": "python"}
    cells = [nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell("1 / 0")]
    nbformat.write(nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": kernel}), broken)
    patch.setenv("COURSE_BUILD_DIR", str(tmp / "build"))
    with pytest.MonkeyPatch.context() as quiet:
        quiet.setattr("sys.stdout", io.StringIO())
        error = io.StringIO()
        quiet.setattr("sys.stderr", error)
        assert course.main(["--lessons", str(tmp)]) == 1
    return error.getvalue()


@case("a lesson's `.md` and `.ipynb` disagree")
def _(tmp: Path, patch: pytest.MonkeyPatch) -> str:
    lesson = PROJECT_ROOT / "notebooks" / "01_load_mnist"
    shutil.copy(lesson.with_suffix(".ipynb"), tmp / "01_load_mnist.ipynb")
    text = lesson.with_suffix(".md").read_text().replace("# Lesson 1: Meet MNIST", "# Lesson 1")
    (tmp / "01_load_mnist.md").write_text(text)
    return pair_problem(tmp / "01_load_mnist.md")


# ---- the troubleshooting page's table -------------------------------------------------


def troubleshooting_rows() -> dict[str, str]:
    section = (PROJECT_ROOT / "book" / "troubleshooting.md").read_text()
    rows = re.findall(r"^\| (.+?) \| (.+?) \| (.+?) \|$", section, flags=re.M)
    return {name: message for name, message, _ in rows if name not in ("case", "---")}


def pattern_of(template: str) -> re.Pattern[str]:
    """The template as a pattern: ``...`` is anything, a space any white space (a table cell
    cannot hold the line break before a message's "What to do")."""
    parts = template.strip("`").split("...")
    escaped = (re.escape(part).replace(r"\ ", r"\s+") for part in parts)
    return re.compile(".*?".join(escaped), flags=re.S)


def test_every_case_has_a_readme_row_and_every_row_a_case() -> None:
    assert sorted(troubleshooting_rows()) == sorted(CASES)


@pytest.mark.parametrize("name", list(CASES))
def test_fault_gives_the_documented_message(
    name: str, stand_in: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    message = CASES[name](tmp_path, monkeypatch)
    template = troubleshooting_rows()[name]
    assert pattern_of(template).search(message), (
        f"the troubleshooting page says {template!r}, got {message!r}"
    )


def test_tests_cannot_reach_the_network() -> None:
    with pytest.raises(ConnectionRefusedError, match="network access in tests"):
        socket.create_connection(("192.0.2.1", 80), timeout=1)  # TEST-NET, never reached


# ---- lesson 9 --------------------------------------------------------------------------


@case("lesson 9 on another backend")
def _(tmp: Path, patch: pytest.MonkeyPatch) -> str:
    patch.setattr(devices, "_backend_chosen_by_the_user", lambda: "torch")
    said = []
    patch.setattr("builtins.print", lambda *parts, **_: said.append(" ".join(map(str, parts))))
    assert devices.use_jax_devices(4) is None
    return "\n".join(said)


@case("lesson 9 without JAX")
def _(tmp: Path, patch: pytest.MonkeyPatch) -> str:
    import importlib.util

    patch.setattr(devices, "_backend_chosen_by_the_user", lambda: None)
    real = importlib.util.find_spec
    patch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "jax" else real(name, *a)
    )
    said = []
    patch.setattr("builtins.print", lambda *parts, **_: said.append(" ".join(map(str, parts))))
    assert devices.use_jax_devices(4) is None
    return "\n".join(said)
