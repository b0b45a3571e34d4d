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
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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
    # JAX compiles each model before it runs (most of a fast lesson's time on that backend):
    # a re-run of a lesson in the same session takes the compiled code from this cache
    os.environ["JAX_COMPILATION_CACHE_DIR"] = str(_SESSION_DIR / "jax-cache")
    os.environ["JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"] = "0"
    os.environ["MNIST_URL"] = f"http://127.0.0.1:{free_port()}/mnist.npz"  # never outside


def free_port() -> int:
    """A free local port: nothing listens on it (a download from it is refused at once)."""
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


#: How a test serves a path itself: given the request's handler, send the whole response.
Respond = Callable[[http.server.BaseHTTPRequestHandler], None]


@dataclass
class Mirror:
    """A web server on localhost: ``files`` maps a path to its content; ``cut/<path>`` sends
    the full Content-Length but only half the bytes; ``responses`` maps a path to a function
    that sends the response itself (a stream without end, a trickle, odd headers); anything
    else is a 404."""

    url: str
    files: dict[str, bytes] = field(default_factory=dict)
    responses: dict[str, Respond] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)


@pytest.fixture
def mirror() -> Iterator[Mirror]:
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
    with pytest.MonkeyPatch.context() as real_course:  # lessons 7 and 8 at full size too,
        real_course.delenv("COURSE_FAST", raising=False)  # as tests/test_claims.py reads them
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


#: JupyterLab settings every browser test uses: render every cell, ask no news server.
LAB_SETTINGS = {
    "notebook-extension/tracker": {"windowingMode": "none"},
    "apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
}


@contextmanager
def jupyterlab_server(root: Path, build: Path) -> Iterator[tuple[str, str]]:
    """JupyterLab from the course's environment serving ``root`` on a free localhost port with
    a random token (kernels save into ``build``); yields (base URL, token); shuts it down
    through its API. The .md lessons open as notebooks through the setting the course ships
    (jupyter/overrides.json, installed by `make setup`), not through anything set here."""
    for name, values in LAB_SETTINGS.items():
        path = root / ".settings" / "@jupyterlab" / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    token, port = secrets.token_hex(16), free_port()
    server = subprocess.Popen(
        [
            sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}",
            "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root}", f"--LabApp.user_settings_dir={root / '.settings'}",
            f"--LabApp.workspaces_dir={root / '.workspaces'}", "--ServerApp.open_browser=False",
            "--LabApp.extension_manager=readonly",  # no look-ups of PyPI from the server
            *(["--allow-root"] if os.geteuid() == 0 else []),
        ],
        stdout=subprocess.DEVNULL, stderr=(root / "server.log").open("w"),
        env={**os.environ, "COURSE_BUILD_DIR": str(build)},
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((root / "server.log").read_text()) from None
            time.sleep(0.5)
    yield base, token
    request = urllib.request.Request(
        f"{base}/api/shutdown", method="POST", headers={"Authorization": f"token {token}"}
    )
    urllib.request.urlopen(request, timeout=10)
    assert server.wait(timeout=30) == 0, "JupyterLab did not shut down cleanly"
