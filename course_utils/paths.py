"""Where the course keeps things: the project folder, lessons, and what runs produce."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = PROJECT_ROOT / "notebooks"
BUILD_ENV_VAR = "COURSE_BUILD_DIR"
MODEL_FILE = "mnist_cnn.keras"


def build_dir() -> Path:
    """The folder for everything the course produces: ``$COURSE_BUILD_DIR`` or ``build/``."""
    return Path(os.environ.get(BUILD_ENV_VAR) or PROJECT_ROOT / "build").expanduser()


def trained_model_path() -> Path:
    """Where lesson 4 saves the trained model and later lessons look for it."""
    return build_dir() / "models" / MODEL_FILE
