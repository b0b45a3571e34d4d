"""Shared test set-up: every run is hermetic and offline.

Before anything is collected, Keras's cache (KERAS_HOME) and the course's build folder
(COURSE_BUILD_DIR) are pointed at a fresh temporary folder, so that tests never touch a
student's ~/.keras or build/, and the notebook kernels that nbval and papermill start
inherit the same settings. MNIST comes from the local copy (MNIST_DIR, or the documented
default ../shared/data/mnist); nothing is downloaded.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
from pathlib import Path

import pytest

_SESSION_DIR = Path(tempfile.mkdtemp(prefix="course-tests-"))


def pytest_configure(config: pytest.Config) -> None:
    os.environ["KERAS_HOME"] = str(_SESSION_DIR / "keras")
    os.environ["COURSE_BUILD_DIR"] = str(_SESSION_DIR / "build")
    os.environ["MPLBACKEND"] = "Agg"


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(_SESSION_DIR, ignore_errors=True)


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any attempt to open a network connection fail loudly."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a test tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
