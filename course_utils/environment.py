"""The versions a lesson ran with, printed at the top of every lesson so that a question or
a bug report carries them, with the device that runs the model (a GPU on Colab, if chosen)."""

from __future__ import annotations

import os
import platform
from importlib.metadata import PackageNotFoundError, version

from course_utils import startup  # noqa: F401 - before Keras, it quietens TensorFlow


def gpu_name() -> str | None:
    """The name of the GPU that Keras's backend uses, or None when it runs on the CPU."""
    import keras

    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        if gpus:
            return tf.config.experimental.get_device_details(gpus[0]).get("device_name", "GPU")
    elif backend == "jax":
        import jax

        device = jax.devices()[0]
        if device.platform != "cpu":
            return f"{device.device_kind}"
    elif backend == "torch":
        import torch

        if torch.cuda.is_available():
            return torch.cuda.get_device_name(0)
    return None


def versions() -> dict[str, str]:
    """Python, Keras and its backend, TensorFlow, NumPy, the machine and the device."""
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
    gpu = gpu_name()
    found["device"] = f"GPU ({gpu})" if gpu else "CPU"
    return found


def print_versions() -> None:
    """One line with :func:`versions`, for the top of a lesson."""
    found = versions()
    print(
        f"Python {found['python']} | Keras {found['keras']} (backend {found['backend']}) | "
        f"TensorFlow {found['tensorflow']} | NumPy {found['numpy']} | {found['machine']} | "
        f"model runs on the {found['device']}"
    )
