"""The versions a lesson ran with, printed at the top of every lesson so that a question or
a bug report carries them."""

from __future__ import annotations

import os
import platform
from importlib.metadata import PackageNotFoundError, version


def versions() -> dict[str, str]:
    """Python, Keras and its backend, TensorFlow, NumPy, and the machine."""
    import keras

    found = {
        "python": platform.python_version(),
        "keras": keras.__version__,
        "backend": keras.backend.backend(),
    }
    for package in ("tensorflow", "numpy"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "not installed"
    found["machine"] = f"{platform.machine()}, {os.cpu_count()} cores"
    return found


def print_versions() -> None:
    """One line with :func:`versions`, for the top of a lesson."""
    found = versions()
    print(
        f"Python {found['python']} | Keras {found['keras']} (backend {found['backend']}) | "
        f"TensorFlow {found['tensorflow']} | NumPy {found['numpy']} | {found['machine']}"
    )
