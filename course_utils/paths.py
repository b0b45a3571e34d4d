"""Where the course keeps things: the project folder, lessons, and what runs produce."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = PROJECT_ROOT / "notebooks"
BUILD_ENV_VAR = "COURSE_BUILD_DIR"
MODEL_FILE = "mnist_cnn.keras"
STRONGER_MODEL_FILE = "stronger_cnn.keras"


def in_checkout() -> bool:
    """Is course_utils running from a checkout of the course (not installed, as on Colab)?"""
    return NOTEBOOK_DIR.is_dir()


def build_dir() -> Path:
    """The folder for everything the course produces: ``$COURSE_BUILD_DIR``, else ``build/``
    in the checkout, else (installed on its own, as on Colab) ``build/`` in the current folder."""
    default = PROJECT_ROOT / "build" if in_checkout() else Path.cwd() / "build"
    return Path(os.environ.get(BUILD_ENV_VAR) or default).expanduser()


def trained_model_path() -> Path:
    """Where lesson 4 saves the trained model and later lessons look for it."""
    return build_dir() / "models" / MODEL_FILE


def stronger_model_path() -> Path:
    """Where lesson 7 saves its stronger network and lesson 8 looks for it."""
    return build_dir() / "models" / STRONGER_MODEL_FILE
