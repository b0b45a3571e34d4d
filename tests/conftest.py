"""Shared test set-up: every run is hermetic and offline.

Before anything is collected, Keras's cache (KERAS_HOME) and the course's build folder
(COURSE_BUILD_DIR) are pointed at a fresh temporary folder, so that tests never touch a
student's ~/.keras or build/, and the notebook kernels that nbval and papermill start
inherit the same settings, as does COURSE_FAST=1 (lesson 7 runs in its fast mode). MNIST
comes from the local copy (MNIST_DIR, or the documented default ../shared/data/mnist); a
download, when a test wants one, comes from a server on localhost that the test starts
(`mirror`), and MNIST_URL points at a closed local port otherwise. Every socket connection
beyond this machine is refused, so nothing is ever downloaded from outside.
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip

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
    os.environ["COURSE_FAST"] = "1"  # lesson 7's parameters cell shrinks itself (see the lesson)
    os.environ["MNIST_URL"] = f"http://127.0.0.1:{_closed_port()}/mnist.npz"  # never outside


def _closed_port() -> int:
    """A local port that nothing listens on: a download from it is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def pytest_unconfigure(config: pytest.Config) -> None:
    socket.socket.connect = _real_connect  # type: ignore[method-assign]
    shutil.rmtree(_SESSION_DIR, ignore_errors=True)


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


TINY_MNIST = b"pretend this is mnist.npz\n"


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


@dataclass
class Mirror:
    """A web server on localhost: ``files`` maps a path to its content; ``cut/<path>`` sends
    the full Content-Length but only half the bytes; anything else is a 404."""

    url: str
    files: dict[str, bytes] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)


@pytest.fixture
def mirror() -> Iterator[Mirror]:
    served = Mirror(url="")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
            served.requests.append(self.path)
            path = self.path.lstrip("/")
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


@pytest.fixture
def silent_server() -> Iterator[str]:
    """The address of a server on localhost that accepts connections and never answers."""
    with socket.create_server(("127.0.0.1", 0)) as listening:
        yield f"http://127.0.0.1:{listening.getsockname()[1]}/mnist.npz"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real book, built once per session from the lessons at their default parameters."""
    from course_utils.book import build_book

    output = tmp_path_factory.mktemp("book")
    assert build_book(output=output).returncode == 0
    html = output / "_build" / "html"
    assert (html / "index.html").is_file()
    return html


@pytest.fixture(scope="session")
def server(site: Path) -> Iterator[str]:
    """The built site served on a free port of localhost."""
    handler = functools.partial(QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
