"""Several devices for the appendix lesson (lesson 9): Keras's distribution API
(``keras.distribution``) runs on the JAX backend, and on a machine without several GPUs JAX
can split the processor into virtual CPU devices, so that data parallelism runs anywhere.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import warnings
from typing import Any

from course_utils import backend

#: The flag that makes JAX show the processor as that many CPU devices (read once, when JAX
#: first looks for its devices).
DEVICE_COUNT_FLAG = "--xla_force_host_platform_device_count"

RESTART = "Kernel > Restart Kernel (Runtime > Restart session on Colab), then run the lesson again"


def _backend_chosen_by_the_user() -> str | None:
    """The backend KERAS_BACKEND named before ``course_utils`` gave it its default."""
    return backend.KERAS_BACKEND_CHOSEN


def use_jax_devices(count: int = 4) -> list[Any] | None:
    """Switch this kernel's Keras to the JAX backend and return ``count`` devices: GPUs or TPU
    cores where JAX finds that many, else virtual CPU devices (on Colab's single GPU too);
    where that cannot be done, print why and what to do, and return None.

    Keras 3's distribution API runs on JAX only. Where the user chose another backend
    (KERAS_BACKEND), it is left alone; where no backend was chosen, the course's default
    (TensorFlow) is swapped for JAX before anything in this kernel has used Keras.
    """
    chosen = _backend_chosen_by_the_user()
    if chosen not in (None, "jax"):
        print(
            f"This kernel runs Keras on the {chosen} backend (KERAS_BACKEND={chosen}), and "
            "Keras's distribution API runs on JAX only, so the distributed cells below are "
            "skipped. To run them, start Jupyter with KERAS_BACKEND=jax (or unset it), then "
            "open this lesson again. Everything before them runs here."
        )
        return None
    if importlib.util.find_spec("jax") is None:
        print(
            "JAX is not installed in this environment, and Keras's distribution API needs "
            "it, so the distributed cells below are skipped. To run them: `%pip install jax` "
            f"in a cell, then {RESTART}."
        )
        return None
    flags = os.environ.get("XLA_FLAGS", "")
    if DEVICE_COUNT_FLAG not in flags:
        os.environ["XLA_FLAGS"] = f"{flags} {DEVICE_COUNT_FLAG}={count}".strip()

    if "keras" not in sys.modules:  # nothing has started Keras: it starts on JAX, and
        os.environ["KERAS_BACKEND"] = "jax"  # TensorFlow never starts in this kernel
    from course_utils import startup  # noqa: F401 - the course's workarounds, for JAX

    import keras

    if keras.backend.backend() != "jax":
        with warnings.catch_warnings():  # nothing in this kernel has used Keras yet
            warnings.filterwarnings("ignore", "Using `keras.config.set_backend`")
            keras.config.set_backend("jax")
        from course_utils import workarounds

        workarounds.apply_all()
    import jax

    accelerators = [device for device in jax.devices() if device.platform != "cpu"]
    if len(accelerators) >= count:  # several GPUs, or a TPU's cores
        return accelerators[:count]
    processors = jax.devices("cpu")
    if len(processors) < count:
        print(
            f"JAX started with {len(processors)} CPU device(s) before this lesson could ask "
            f"for {count} (something used it first), so the distributed cells below are "
            f"skipped. {RESTART}."
        )
        return None
    return processors[:count]


def describe(devices: list[Any]) -> str:
    """One line: how many devices, of which kind (``4 devices: cpu:0, cpu:1, ...``)."""
    names = ", ".join(f"{device.platform}:{device.id}" for device in devices)
    return f"{len(devices)} devices: {names}"
