"""Where the lessons keep the models they train (in the build folder of
:func:`course_utils.project.build_dir`)."""

from __future__ import annotations

from pathlib import Path

from course_utils.project import build_dir

MODEL_FILE = "mnist_cnn.keras"
STRONGER_MODEL_FILE = "stronger_cnn.keras"


def trained_model_path() -> Path:
    """Where lesson 4 saves the trained model and later lessons look for it."""
    return build_dir() / "models" / MODEL_FILE


def stronger_model_path() -> Path:
    """Where lesson 7 saves its stronger network and lesson 8 looks for it."""
    return build_dir() / "models" / STRONGER_MODEL_FILE
