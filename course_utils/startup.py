"""What every module of ``course_utils`` that uses Keras imports first, so that a lesson's
first ``from course_utils import ...`` prepares Keras before the lesson's own ``import keras``:
it keeps TensorFlow's start-up log lines (CUDA probing on a machine without a GPU, oneDNN
notices) out of the lessons' outputs and applies the course's workarounds for other
libraries (``workarounds``: fits that stood still at their end, a slow augmentation on
PyTorch). Python errors and warnings still show.

The backend and TensorFlow's settings (its oneDNN kernels on every processor) are settled
by ``course_utils.backend``, which this module imports first. The modules that start no
framework (``backend``, ``project``, ``paths``, ``results``) do not import this one: the
course's tools (``course_admin``) use those without starting TensorFlow.
"""

import os
import sys

from course_utils import backend  # noqa: F401 - the backend, settled before Keras starts


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
