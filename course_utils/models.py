"""The seed CNN, and saving/loading the model that lesson 4 trains for later lessons.

Lesson 4 writes the model building, compiling and training out in full; the functions here
repeat that same recipe so that a later lesson can train its own copy when it runs alone.
"""

from __future__ import annotations

import warnings
import zipfile
from pathlib import Path

from course_tools.project import atomic_write
from course_utils.paths import trained_model_path

import keras
import numpy as np
from keras import layers

SEED_PARAMETER_COUNT = 113_386
#: Batch size the course trains with (see lesson 4 for why it is not Keras's default of 32).
BATCH_SIZE = 64
VALIDATION_SPLIT = 0.1


def build_seed_cnn() -> keras.Sequential:
    """The seed notebook's network: two conv/pool blocks, dropout, a dense layer, softmax."""
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(32, (3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Conv2D(32, (3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Dropout(0.25),
            layers.Flatten(),
            layers.Dense(128, activation="relu"),
            layers.Dense(10, activation="softmax"),
        ],
        name="seed_cnn",
    )


def train_seed_cnn(
    x_train: np.ndarray, y_train: np.ndarray, epochs: int = 4, seed: int = 42, verbose: int = 2
) -> tuple[keras.Sequential, dict[str, list[float]]]:
    """Build, compile and train the seed CNN as lesson 4 does; return it and its history.

    ``x_train`` holds images of shape (n, 28, 28, 1) in [0, 1]; ``y_train`` one-hot labels.
    """
    if x_train.ndim != 4 or x_train.shape[1:] != (28, 28, 1):
        raise ValueError(f"x_train must have shape (n, 28, 28, 1), got {x_train.shape}.")
    if y_train.shape != (len(x_train), 10):
        raise ValueError(
            f"y_train must be one-hot with shape ({len(x_train)}, 10), got {y_train.shape}."
        )
    keras.utils.set_random_seed(seed)
    model = build_seed_cnn()
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    history = model.fit(
        x_train,
        y_train,
        epochs=epochs,
        batch_size=BATCH_SIZE,
        validation_split=VALIDATION_SPLIT,
        verbose=verbose,
    )
    return model, history.history


class ModelFileError(Exception):
    """A saved model that cannot be used: missing, unreadable, unsafe, of the wrong shape, or
    with weights that are not numbers."""


#: What to do about a network whose weights are not finite numbers.
DIVERGED_ADVICE = (
    "its weights are not all finite numbers (NaN or infinity): the training that made it "
    "diverged. Train it again; if that happens again, lower the learning rate (for example "
    "keras.optimizers.Adam(learning_rate=0.0001)) and check that the images are rescaled to [0, 1]"
)


def non_finite_weights(model: keras.Model) -> int:
    """How many of ``model``'s weight arrays hold a NaN or an infinity (0 for a sound model)."""
    return sum(not np.isfinite(weights).all() for weights in model.get_weights())


def save_model(model: keras.Model, path: Path | None = None) -> Path | None:
    """Save ``model`` to ``path`` (default :func:`trained_model_path`) without ever leaving a
    half-written file: it is written beside the target, then moved into place. Return the
    path; if it cannot be saved (a read-only disk, a folder in the way, a full disk), warn
    once, saying where and why, and return None: the trained model itself is not lost.

    A model whose weights are not finite (a diverged training) is never saved: it warns what
    happened and what to do, and returns None, so that no later lesson loads it."""
    path = Path(path or trained_model_path())
    if non_finite_weights(model):
        warnings.warn(
            f"The model was not saved to {path}: {DIVERGED_ADVICE}.", RuntimeWarning, stacklevel=2
        )
        return None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_dir():
            raise IsADirectoryError(f"{path} is a folder")
        with atomic_write(path, suffix=".partial.keras") as temporary:  # Keras wants .keras
            model.save(temporary)
    except OSError as error:
        warnings.warn(
            f"The trained model could not be saved to {path} ({error.strerror or error}). It "
            "is kept for this session; to keep it for later lessons, set COURSE_BUILD_DIR to "
            "a folder you can write to and run the lesson again.",
            RuntimeWarning,
            stacklevel=2,
        )
        return None
    return path


def load_saved_model(
    path: Path | None = None, input_shape: tuple[int, ...] = (28, 28, 1), classes: int = 10
) -> keras.Model:
    """Load a model the course saved, in Keras's safe mode (a file that carries code is
    refused), and check that it takes ``input_shape`` images and gives ``classes`` outputs,
    and that its weights are finite numbers. Raise :class:`ModelFileError`, saying what is
    wrong with the file, otherwise."""
    path = Path(path or trained_model_path())
    if path.is_dir():
        raise ModelFileError(f"{path} is a folder, not a model file")
    if not path.is_file():
        raise ModelFileError(f"there is no model file at {path}")
    if not zipfile.is_zipfile(path):
        raise ModelFileError(f"{path} is not a complete .keras file (cut short, or another format)")
    try:
        model = keras.models.load_model(path, safe_mode=True)
    except Exception as error:  # noqa: BLE001 - Keras raises many kinds; each means "unusable"
        reason = " ".join(str(error).split()).split("Exception encountered: ")[-1]
        if "safe_mode" in reason or "unsafe" in reason.lower():
            raise ModelFileError(
                f"{path} asks to run code when it is loaded, which Keras's safe mode refuses "
                "(the course never saves such a file)"
            ) from None
        raise ModelFileError(
            f"{path} could not be read ({type(error).__name__}: {reason[:160]})"
        ) from None
    found_input = tuple(model.input_shape[1:]) if hasattr(model, "input_shape") else None
    found_output = model.output_shape[-1] if hasattr(model, "output_shape") else None
    if found_input != tuple(input_shape) or found_output != classes:
        raise ModelFileError(
            f"{path} holds a network for inputs of shape {found_input} with {found_output} "
            f"outputs; this lesson needs inputs of shape {tuple(input_shape)} and {classes} outputs"
        )
    if non_finite_weights(model):
        raise ModelFileError(f"{path} cannot be used: {DIVERGED_ADVICE}")
    return model


def load_or_train(
    x_train: np.ndarray,
    y_train: np.ndarray,
    path: Path | None = None,
    epochs: int = 4,
    seed: int = 42,
) -> keras.Model:
    """Load the model lesson 4 saved (:func:`load_saved_model`); if it is missing or unusable,
    train one and save it (if it cannot be saved, it is still returned, with a warning)."""
    path = Path(path or trained_model_path())
    try:
        model = load_saved_model(path)
        print(f"Loaded the trained model from {path}")
        return model
    except ModelFileError as problem:
        if path.exists():
            print(f"Could not use the saved model: {problem}; training a new one.")
        else:
            print(f"No trained model at {path} (run lesson 4 to make one); training one now.")
    model, _ = train_seed_cnn(x_train, y_train, epochs=epochs, seed=seed)
    if save_model(model, path) is not None:
        print(f"Saved the trained model to {path}")
    return model
