"""Workarounds for other libraries, in one place; ``course_utils`` applies them on import.

Each one changes or reads a private part of Keras for a reason given in its docstring, and
each is guarded: where a Keras release has moved that part, the lessons still run (slower,
with a log line more, or on a public fallback) and one warning says which workaround was
left out and why.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

Result = TypeVar("Result")

#: The workarounds left out so far in this process: each warns once, however often it runs.
_warned: set[str] = set()


def _guarded(workaround: Callable[[], Result]) -> Callable[[], Result | None]:
    """Run ``workaround`` and return what it returns; if the Keras internal it needs has
    moved, warn (once in a process) and return None instead of failing."""

    def apply() -> Result | None:
        try:
            return workaround()
        except (ImportError, AttributeError) as moved:
            if workaround.__name__ not in _warned:
                _warned.add(workaround.__name__)
                warnings.warn(
                    f"course_utils left out the workaround {workaround.__name__} ({moved}): "
                    "the lessons still run, but see course_utils/workarounds.py for what it "
                    "did.",
                    RuntimeWarning,
                    stacklevel=2,
                )
            return None

    apply.__name__ = workaround.__name__
    apply.__doc__ = workaround.__doc__
    return apply


def backend() -> str:
    return os.environ.get("KERAS_BACKEND", "tensorflow")


@_guarded
def keras_home() -> str:
    """Keras's own folder, as Keras fixed it on import; ``course_utils.data`` puts MNIST in
    its ``datasets`` subfolder, where ``keras.datasets.mnist.load_data()`` reads it.

    Keras has no public accessor for it: ``keras.src.backend.config.keras_home()`` is the one
    Keras uses itself. Where it has moved (this returns None), ``course_utils.data`` works the
    folder out as Keras does by default: ``$KERAS_HOME``, else ``~/.keras``, else
    ``/tmp/.keras`` where the home folder is not writable.
    """
    from keras.src.backend import config

    return config.keras_home()


@_guarded
def keep_tensorflow_out() -> None:
    """On the JAX and PyTorch backends, keep Keras from importing TensorFlow at all.

    ``keras.utils.set_random_seed`` also seeds TensorFlow whenever it is installed, which
    imports it (seconds, and its start-up log in the lesson) although nothing here uses it.
    Keras asks its lazy ``tensorflow`` module whether it is available; answer no.
    """
    if backend() == "tensorflow" or "tensorflow" in sys.modules:
        return
    from keras.src.utils import module_utils

    lazy_tensorflow = module_utils.tensorflow
    if lazy_tensorflow.module is None:
        lazy_tensorflow._available = False


@_guarded
def stop_tf_data_stalls() -> None:
    """Turn off tf.data's autotuning in the datasets Keras makes from arrays (TensorFlow only).

    Closing a tf.data iterator waits for the thread that autotunes it, and that thread can be
    asleep for about as long as the iterator has lived (TensorFlow 2.20 and 2.21, measured):
    on the course's 2-core machine, half of lesson 7's one-epoch fits stood still for 9-10 s
    after their last batch. Keras opens an iterator for every epoch, evaluation and
    prediction. Its array datasets only slice batches out of memory: nothing to tune.
    """
    if backend() != "tensorflow" or "tensorflow" not in sys.modules:
        return
    import tensorflow as tf
    from keras.src.trainers.data_adapters.array_data_adapter import ArrayDataAdapter

    make_dataset = ArrayDataAdapter.get_tf_dataset

    def get_tf_dataset(self: ArrayDataAdapter) -> tf.data.Dataset:
        options = tf.data.Options()
        options.autotune.enabled = False
        return make_dataset(self).with_options(options)

    ArrayDataAdapter.get_tf_dataset = get_tf_dataset


@_guarded
def batch_torch_affine_transform() -> None:
    """On PyTorch, ``keras.ops.image.affine_transform`` of a batch in one operation.

    Keras 3.12-3.15's PyTorch backend transforms a batch one image at a time, each with some
    thirty small tensor operations: lesson 7's 60,000 augmented images took 56 s an epoch
    on two cores (0.9 s on TensorFlow). ``torch.nn.functional.grid_sample`` does the same
    bilinear reading for the whole batch at once. Only the case it matches exactly is
    replaced (bilinear, constant fill, an affine transform); anything else goes to Keras.
    """
    if backend() != "torch":
        return
    from keras.src.backend.torch import image

    keras_affine_transform = image.affine_transform

    def affine_transform(
        images: Any,
        transform: Any,
        interpolation: str = "bilinear",
        fill_mode: str = "constant",
        fill_value: float = 0,
        data_format: str | None = None,
    ) -> Any:
        batched = None
        if interpolation == "bilinear" and fill_mode == "constant":
            batched = batched_affine_transform(images, transform, fill_value, data_format)
        if batched is None:
            return keras_affine_transform(
                images, transform, interpolation, fill_mode, fill_value, data_format
            )
        return batched

    affine_transform.keras_affine_transform = keras_affine_transform  # for the tests
    image.affine_transform = affine_transform


def batched_affine_transform(
    images: Any, transform: Any, fill_value: float = 0, data_format: str | None = None
) -> Any:
    """Keras's affine transform (bilinear, constant fill) of a batch of images in one
    ``grid_sample``; None where it does not apply (not a float batch of images with one
    affine transform each), so that the caller falls back to Keras."""
    import keras
    import torch
    from keras.src.backend.torch.core import convert_to_tensor

    images, transform = convert_to_tensor(images), convert_to_tensor(transform)
    if images.ndim != 4 or transform.ndim != 2 or not torch.is_floating_point(images):
        return None
    if transform.shape != (images.shape[0], 8) or bool(torch.any(transform[:, 6:] != 0)):
        return None
    channels_last = (data_format or keras.config.image_data_format()) == "channels_last"
    batch = images.permute(0, 3, 1, 2) if channels_last else images  # N, C, H, W
    height, width = batch.shape[2:]
    if height < 2 or width < 2:
        return None
    # Keras's transform reads the output pixel (x, y) at (a0 x + a1 y + a2, b0 x + b1 y + b2),
    # in pixels; affine_grid takes the same map in grid_sample's units, where -1 and 1 are the
    # centres of the first and last pixels (align_corners=True): x = sx (u + 1).
    a0, a1, a2, b0, b1, b2 = transform.to(batch.dtype)[:, :6].unbind(dim=1)
    sx, sy = (width - 1) / 2, (height - 1) / 2
    theta = torch.stack(
        [
            torch.stack([a0, a1 * sy / sx, a0 + a1 * sy / sx + a2 / sx - 1], dim=1),
            torch.stack([b0 * sx / sy, b1, b0 * sx / sy + b1 + b2 / sy - 1], dim=1),
        ],
        dim=1,
    )
    grid = torch.nn.functional.affine_grid(theta, list(batch.shape), align_corners=True)
    sample = torch.nn.functional.grid_sample
    moved = sample(batch, grid, mode="bilinear", padding_mode="zeros", align_corners=True)
    if fill_value:  # the share of each pixel read from outside the image takes fill_value
        inside = sample(torch.ones_like(batch[:, :1]), grid, "bilinear", "zeros", True)
        moved = moved + fill_value * (1 - inside)
    return moved.permute(0, 2, 3, 1) if channels_last else moved


def one_step_at_a_time() -> Any:
    """A Keras callback that makes each training, evaluation or prediction step finish before
    the next one starts, for models spread over several virtual CPU devices on JAX (lesson 9).

    JAX dispatches steps without waiting for them. With the batch split over four virtual
    CPU devices on a 2-core machine (JAX 0.6 to 0.10, measured; 0.4.30 did not), one device
    can run a step ahead of the others; its all-reduce then waits for devices that wait in
    turn for it, until XLA gives up ("Expected 4 threads to join the rendezvous, but only 3
    of them arrived") and aborts the whole process. Keras waits for each step when a callback
    wants every batch's logs, as this one says it does (it does nothing with them). Real
    GPUs and TPUs each run their own steps and do not need it.
    """
    import keras

    class OneStepAtATime(keras.callbacks.Callback):
        def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
            pass

        def on_test_batch_end(self, batch: int, logs: dict | None = None) -> None:
            pass

        def on_predict_batch_end(self, batch: int, logs: dict | None = None) -> None:
            pass

    return OneStepAtATime()


def apply_all() -> None:
    """Apply every workaround that concerns the backend Keras runs on."""
    keep_tensorflow_out()
    stop_tf_data_stalls()
    batch_torch_affine_transform()
