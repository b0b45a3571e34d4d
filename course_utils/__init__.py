"""Helpers for the MNIST CNN course, what the lessons import: data, the seed model, plots,
checks, results. The tools that run, build and publish the course are ``course_tools``.

Import this package before Keras (``from course_utils import ...`` as the lessons do): it
keeps TensorFlow's start-up log lines (CUDA probing on a machine without a GPU, oneDNN
notices) out of the lessons' outputs, turns on TensorFlow's oneDNN kernels on every
processor, and applies the course's workarounds for other libraries (``workarounds``: fits
that stood still at their end, a slow augmentation on PyTorch). Python errors and warnings
still show.
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# TensorFlow uses its oneDNN (Intel's deep-learning library) kernels by default only on
# processors with AVX-512 deep-learning instructions; on others, such as the 2-core AMD
# EPYC the course is measured on, its own kernels train the seed network with a third more
# work (34.7 against 25.6 CPU-seconds an epoch). Set TF_ENABLE_ONEDNN_OPTS=0 to compare.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
#: Set where KERAS_BACKEND holds the course's default, not a backend the user chose; the
#: lessons' kernels that the course's tools start inherit both.
DEFAULT_BACKEND_MARK = "COURSE_UTILS_DEFAULT_BACKEND"
if not os.environ.get("KERAS_BACKEND"):
    os.environ["KERAS_BACKEND"] = "tensorflow"
    os.environ[DEFAULT_BACKEND_MARK] = "1"
#: The backend the user chose, or None: lesson 9 switches to JAX where no one chose one
#: (course_utils.devices).
KERAS_BACKEND_CHOSEN = None if os.environ.get(DEFAULT_BACKEND_MARK) else os.environ["KERAS_BACKEND"]


def _import_tensorflow_quietly() -> None:
    """Import TensorFlow once with the process's stderr pointed at /dev/null.

    TensorFlow 2.20+ writes its start-up notices from C++ straight to file descriptor 2,
    ignoring ``TF_CPP_MIN_LOG_LEVEL``; Jupyter would show them under the first cell.
    """
    if os.environ["KERAS_BACKEND"] != "tensorflow" or "tensorflow" in sys.modules:
        return
    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        import tensorflow  # noqa: F401

        tensorflow.constant(0)  # the oneDNN notice comes with the first operation
    except ImportError:
        pass  # Keras will report the missing backend itself, loudly
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _drop_retracing_notices() -> None:
    """Keras makes a new predict function for every new model; from the fifth model in a
    process (lesson 7 measures seven), TensorFlow logs that each "triggered tf.function
    retracing", advice meant for code that retraces one function by mistake. Drop that line
    only; every other TensorFlow warning still shows."""
    if "tensorflow" not in sys.modules:
        return
    import logging

    logging.getLogger("tensorflow").addFilter(
        lambda record: "triggered tf.function retracing" not in record.getMessage()
    )


_import_tensorflow_quietly()
_drop_retracing_notices()

from course_utils import workarounds  # noqa: E402 - after TensorFlow's quiet start

workarounds.apply_all()

__all__ = [
    "checks", "data", "devices", "drawing", "environment", "models", "paths", "plotting", "results",
    "workarounds",
]  # fmt: skip
