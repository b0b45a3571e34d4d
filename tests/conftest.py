"""Shared test set-up: every run is hermetic and offline.

Before anything is collected, Keras's cache (KERAS_HOME) and the course's build folder
(COURSE_BUILD_DIR) are pointed at a fresh temporary folder, so that tests never touch a
student's ~/.keras or build/, and the notebook kernels that nbval and papermill start
inherit the same settings, as does COURSE_FAST=1 (lesson 7 runs in its fast mode). MNIST
comes from the local copy (MNIST_DIR, or the documented default ../shared/data/mnist), and
every socket connection beyond this machine is refused, so nothing is ever downloaded.
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
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
