"""The seed CNN, and saving/loading the model that lesson 4 trains for later lessons.

Lesson 4 writes the model building, compiling and training out in full; the functions here
repeat that same recipe so that a later lesson can train its own copy when it runs alone.
"""

from __future__ import annotations

import os
from pathlib import Path

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


def save_model(model: keras.Model, path: Path | None = None) -> Path:
    """Save ``model`` to ``path`` (default :func:`trained_model_path`) without ever leaving a
    half-written file: it is written beside the target, then moved into place."""
    path = Path(path or trained_model_path())
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.stem}.{os.getpid()}.partial.keras")
    try:
        model.save(temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path


def load_or_train(
    x_train: np.ndarray,
    y_train: np.ndarray,
    path: Path | None = None,
    epochs: int = 4,
    seed: int = 42,
) -> keras.Model:
    """Load the model lesson 4 saved; if it is missing or unreadable, train and save one.

    Loading uses Keras's safe mode, so a model file can never run code on load.
    """
    path = Path(path or trained_model_path())
    if path.is_file():
        try:
            model = keras.models.load_model(path, safe_mode=True)
            print(f"Loaded the trained model from {path}")
            return model
        except Exception as error:  # noqa: BLE001 - any unreadable file means: retrain
            reason = str(error).split(". ")[0][:160]
            print(f"Could not load {path} ({type(error).__name__}: {reason}); training a new one.")
    else:
        print(f"No trained model at {path} (run lesson 4 to make one); training one now.")
    model, _ = train_seed_cnn(x_train, y_train, epochs=epochs, seed=seed)
    save_model(model, path)
    print(f"Saved the trained model to {path}")
    return model
