"""Helpers for the MNIST CNN course: data, the seed model, plots, results.

Import this package before Keras (``from course_utils import ...`` as the lessons do): it
keeps TensorFlow's start-up log lines (CUDA probing on a machine without a GPU, oneDNN
notices) out of the lessons' outputs, turns on TensorFlow's oneDNN kernels on every
processor, and keeps Keras's fits from standing still at their end (see
``_stop_tf_data_stalls``). Python errors and warnings still show.
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# TensorFlow uses its oneDNN (Intel's deep-learning library) kernels by default only on
# processors with AVX-512 deep-learning instructions; on others, such as the 2-core AMD
# EPYC the course is measured on, its own kernels train the seed network with a third more
# work (34.7 against 25.6 CPU-seconds an epoch). Set TF_ENABLE_ONEDNN_OPTS=0 to compare.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")


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


def _keep_tensorflow_out() -> None:
    """On the JAX and PyTorch backends, keep Keras from importing TensorFlow at all.

    ``keras.utils.set_random_seed`` also seeds TensorFlow whenever it is installed, which
    imports it (seconds, and its start-up log in the lesson) although nothing here uses it.
    Keras asks its lazy ``tensorflow`` module whether it is available; answer no.
    """
    if os.environ["KERAS_BACKEND"] == "tensorflow" or "tensorflow" in sys.modules:
        return
    from keras.src.utils import module_utils

    lazy_tensorflow = getattr(module_utils, "tensorflow", None)
    if lazy_tensorflow is not None and lazy_tensorflow.module is None:
        lazy_tensorflow._available = False


def _stop_tf_data_stalls() -> None:
    """Turn off tf.data's autotuning in the datasets Keras makes from arrays (TensorFlow only).

    Closing a tf.data iterator waits for the thread that autotunes it, and that thread can be
    asleep for about as long as the iterator has lived (TensorFlow 2.20 and 2.21, measured):
    on the course's 2-core machine, half of lesson 7's one-epoch fits stood still for 9-10 s
    after their last batch. Keras opens an iterator for every epoch, evaluation and
    prediction. Its array datasets only slice batches out of memory: nothing to tune.
    """
    if os.environ["KERAS_BACKEND"] != "tensorflow" or "tensorflow" not in sys.modules:
        return
    import tensorflow as tf
    from keras.src.trainers.data_adapters.array_data_adapter import ArrayDataAdapter

    make_dataset = ArrayDataAdapter.get_tf_dataset

    def get_tf_dataset(self: ArrayDataAdapter) -> tf.data.Dataset:
        options = tf.data.Options()
        options.autotune.enabled = False
        return make_dataset(self).with_options(options)

    ArrayDataAdapter.get_tf_dataset = get_tf_dataset


_import_tensorflow_quietly()
_keep_tensorflow_out()
_stop_tf_data_stalls()

__all__ = [
    "book", "checks", "course", "data", "drawing", "environment", "install_cell", "models",
    "pairs", "paths", "plotting", "results", "student",
]  # fmt: skip
