"""Shared test set-up: every run is hermetic and offline.

Before anything is collected, Keras's cache (KERAS_HOME) and the course's build folder
(COURSE_BUILD_DIR) are pointed at a fresh temporary folder, so that tests never touch a
student's ~/.keras or build/, and the notebook kernels that nbval and papermill start
inherit the same settings (the fast mode is papermill's parameters, written into a copy
of a lesson: course_admin.course.FAST_PARAMETERS). MNIST
comes from the local copy (MNIST_DIR, or the documented default ../shared/data/mnist); a
download, when a test wants one, comes from a server on localhost that the test starts
(`mnist_mirror`), and MNIST_URL points at a closed local port otherwise. Every socket connection
beyond this machine is refused, so nothing is ever downloaded from outside.

This file holds fixtures and hooks only; what tests share besides is in helpers.py. A test
that uses the `browser` or the `built_site` fixture must carry the marker that says so (browser,
book: pyproject.toml), or collection stops.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import ipaddress
import os
import shutil
import socket
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from helpers import CHROMIUM_ARGS, TINY_MNIST, Mirror, QuietHandler, free_port

if TYPE_CHECKING:
    import keras
    from playwright.sync_api import Browser

_SESSION_DIR = Path(tempfile.mkdtemp(prefix="course-tests-"))


_real_connect = socket.socket.connect


def _loopback_only(sock: socket.socket, address: object) -> None:
    """socket.connect that refuses anything but this machine: tests never use the network."""
    if sock.family in (socket.AF_INET, socket.AF_INET6):
        host = str(address[0])  # type: ignore[index]
        try:
            allowed = ipaddress.ip_address(host).is_loopback
        except ValueError:
            allowed = host == "localhost"
        if not allowed:
            raise ConnectionRefusedError(f"network access in tests is blocked: {address}")
    _real_connect(sock, address)


def pytest_configure(config: pytest.Config) -> None:
    socket.socket.connect = _loopback_only  # type: ignore[method-assign]
    os.environ["KERAS_HOME"] = str(_SESSION_DIR / "keras")
    os.environ["COURSE_BUILD_DIR"] = str(_SESSION_DIR / "build")
    os.environ["MPLBACKEND"] = "Agg"
    # JAX compiles each model before it runs (most of a fast lesson's time on that backend):
    # a re-run of a lesson in the same session takes the compiled code from this cache
    os.environ["JAX_COMPILATION_CACHE_DIR"] = str(_SESSION_DIR / "jax-cache")
    os.environ["JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"] = "0"
    os.environ["MNIST_URL"] = f"http://127.0.0.1:{free_port()}/mnist.npz"  # never outside


def pytest_unconfigure(config: pytest.Config) -> None:
    socket.socket.connect = _real_connect  # type: ignore[method-assign]
    shutil.rmtree(_SESSION_DIR, ignore_errors=True)


#: A fixture that a test uses, and the marker (pyproject.toml) that the test must then carry,
#: so that the sessions' `-m` expressions choose it rightly.
MARKER_FOR_FIXTURE = {"browser": "browser", "built_site": "book"}


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects anything: every test is checked
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        for fixture, marker in MARKER_FOR_FIXTURE.items():
            if fixture in getattr(item, "fixturenames", ()) and not item.get_closest_marker(marker):
                raise pytest.UsageError(
                    f"{item.nodeid} uses the `{fixture}` fixture: mark it `{marker}`"
                )


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any attempt to open a network connection fail loudly."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a test tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's headless Chromium driven by Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    assert chromium, "The browser tests need Debian's Chromium: apt-get install chromium"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def tiny_mnist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with a small stand-in mnist.npz that course_utils.data accepts as genuine
    (its checksum is patched to match), and an empty Keras folder of its own."""
    from course_utils import data

    source = tmp_path / "source"
    source.mkdir()
    (source / "mnist.npz").write_bytes(TINY_MNIST)
    monkeypatch.setattr(data, "SHA256", hashlib.sha256(TINY_MNIST).hexdigest())
    monkeypatch.setattr(data, "FILE_SIZE", len(TINY_MNIST))
    monkeypatch.setenv("MNIST_DIR", str(source))
    monkeypatch.setattr(data, "keras_home", lambda: tmp_path / "keras")
    return source


@pytest.fixture(scope="session")
def mnist_first_12000() -> tuple:
    """MNIST prepared as the lessons prepare it, with 12,000 training images."""
    from course_utils.data import load_prepared

    return load_prepared(12_000)


@pytest.fixture(scope="session")
def briefly_trained_seed_model(mnist_first_12000: tuple) -> keras.Model:
    """The seed network trained briefly (12,000 images, 2 epochs: about 97% right), once
    per session for the drawing pad's tests. Tests only read it: none trains it further."""
    from course_utils import models

    (x_train, y_train), _ = mnist_first_12000
    trained, _ = models.train_seed_cnn(x_train, y_train, epochs=2, verbose=0)
    return trained


@pytest.fixture
def mnist_mirror() -> Iterator[Mirror]:
    """A web server on localhost that serves what the test puts in it (see helpers.Mirror)."""
    served = Mirror(url="")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
            served.requests.append(self.path)
            path = self.path.lstrip("/")
            if path in served.responses:
                try:
                    served.responses[path](self)
                except OSError:  # the client hung up, as it should on a bad response
                    pass
                return
            cut = path.startswith("cut/")
            content = served.files.get(path.removeprefix("cut/"))
            if content is None:
                self.send_error(404, "Not Found")
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content[: len(content) // 2] if cut else content)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    served.url = f"http://127.0.0.1:{server.server_address[1]}/"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield served
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real book, built once per session from the lessons at their default parameters."""
    from course_admin.book import build_book

    output = tmp_path_factory.mktemp("book")
    assert build_book(output=output).returncode == 0
    html = output / "_build" / "html"
    assert (html / "index.html").is_file()
    return html


@pytest.fixture(scope="session")
def site_server(built_site: Path) -> Iterator[str]:
    """The built site served on a free port of localhost."""
    handler = functools.partial(QuietHandler, directory=str(built_site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
