"""Offline MNIST: find a local copy, verify it, and place it in Keras's cache.

The lessons call the real ``keras.datasets.mnist.load_data()``. That function looks for
``mnist.npz`` in Keras's cache folder and downloads it only when the file is missing or its
sha256 is wrong. :func:`install_mnist` puts a verified local copy there first, so no lesson and
no test ever needs the network.

Where the local copy is looked for:

1. the folder named by the environment variable ``MNIST_DIR``, when it is set;
2. otherwise ``../shared/data/mnist`` beside this project's folder, when it exists.

Run ``python -m course_utils.data`` to install the copy and see where it went.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
from pathlib import Path

from course_utils.paths import PROJECT_ROOT

import numpy as np

ENV_VAR = "MNIST_DIR"
FILE_NAME = "mnist.npz"
#: The sha256 that Keras itself pins for mnist.npz.
SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
FILE_SIZE = 11_490_434
DEFAULT_DIR = PROJECT_ROOT.parent / "shared" / "data" / "mnist"


class MnistDataError(RuntimeError):
    """MNIST could not be found, verified or installed; the message says what to do."""

    def _render_traceback_(self) -> list[str]:
        """In Jupyter, show just the message: a traceback would not help a student here."""
        return [f"MnistDataError: {self}"]


def sha256_of(path: Path) -> str:
    """Return the hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def keras_home() -> Path:
    """Keras's own folder: ``$KERAS_HOME``, else ``~/.keras`` (``/tmp/.keras`` when the home
    folder is not writable). Once Keras is imported it has fixed this, so ask Keras."""
    if "keras" in sys.modules:
        from keras.src.backend import config  # Keras has no public accessor for this

        return Path(config.keras_home())
    if os.environ.get("KERAS_HOME"):
        return Path(os.environ["KERAS_HOME"])
    base = Path.home() if os.access(Path.home(), os.W_OK) else Path(tempfile.gettempdir())
    return base / ".keras"


def keras_cache_file() -> Path:
    """Where ``keras.datasets.mnist.load_data()`` looks for mnist.npz.

    Mirrors ``keras.utils.get_file``: the ``datasets`` subfolder of :func:`keras_home`, or of
    ``/tmp/.keras`` when that folder is not writable.
    """
    home = keras_home().expanduser()
    try:
        home.mkdir(parents=True, exist_ok=True)  # as Keras does when it is imported
    except OSError:
        pass
    if not os.access(home, os.W_OK):
        home = Path(tempfile.gettempdir()) / ".keras"
    return home / "datasets" / FILE_NAME


def find_local_copy() -> Path:
    """Return the path of the local mnist.npz, or raise :class:`MnistDataError`."""
    configured = os.environ.get(ENV_VAR)
    folder = Path(configured).expanduser() if configured else DEFAULT_DIR
    candidate = folder / FILE_NAME
    if candidate.is_file():
        return candidate
    if configured and not folder.is_dir():
        problem = f"{ENV_VAR} is set to {folder}, but that folder does not exist."
    elif configured:
        problem = f"{ENV_VAR} is set to {folder}, but there is no {FILE_NAME} in it."
    else:
        problem = f"{ENV_VAR} is not set and the default folder {folder} has no {FILE_NAME}."
    raise MnistDataError(
        f"MNIST is not available offline. {problem}\n"
        f"What to do: put {FILE_NAME} (the file keras.datasets.mnist.load_data() downloads, "
        f"{FILE_SIZE:,} bytes, sha256 {SHA256[:12]}...) in a folder and set {ENV_VAR} to that "
        f"folder, e.g.  export {ENV_VAR}=$HOME/data/mnist  then restart the kernel."
    )


def verify(path: Path) -> None:
    """Raise :class:`MnistDataError` unless ``path`` is the genuine mnist.npz."""
    actual = sha256_of(path)
    if actual != SHA256:
        raise MnistDataError(
            f"{path} is not the genuine {FILE_NAME}: its sha256 is {actual[:12]}..., "
            f"expected {SHA256[:12]}... ({path.stat().st_size:,} bytes, expected "
            f"{FILE_SIZE:,}). The file is truncated, corrupt or a different file. "
            f"What to do: replace it with a fresh copy of {FILE_NAME}."
        )


def _copy_atomically(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target`` so that ``target`` is either absent or complete."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(handle)
    try:
        shutil.copyfile(source, temporary)
        verify(Path(temporary))
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def install_mnist(quiet: bool = False) -> Path:
    """Make sure Keras's cache holds a verified mnist.npz; return its path.

    A verified copy already in the cache is kept. Otherwise the local copy is verified and
    copied in; a stale or corrupt file in the cache is replaced, never used.
    """
    cached = keras_cache_file()
    stale = cached.is_file()
    if stale and sha256_of(cached) == SHA256:
        return cached
    source = find_local_copy()
    verify(source)
    if not quiet and cached.parent.parent != keras_home().expanduser():
        print(
            f"Keras's folder {keras_home()} is not writable; using {cached.parent.parent} "
            "instead, as Keras itself does."
        )
    if not quiet and stale:
        print(f"Replacing a stale or corrupt {FILE_NAME} in Keras's cache ({cached}).")
    try:
        _copy_atomically(source, cached)
    except OSError as error:
        raise MnistDataError(
            f"Could not copy {source} into Keras's cache at {cached}: {error}. "
            "What to do: free some disk space, or point KERAS_HOME at a writable folder."
        ) from None
    if not quiet:
        print(f"MNIST verified and installed: {source} -> {cached}")
    return cached


def load_prepared(
    train_size: int | None = None,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load MNIST and prepare it as lesson 2 does: shape (n, 28, 28, 1), float32 in [0, 1],
    one-hot labels. ``train_size`` keeps only the first that many training images."""
    import keras

    install_mnist(quiet=True)
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    if train_size is not None:
        if not 1 <= train_size <= len(x_train):
            raise ValueError(f"train_size must be between 1 and {len(x_train)}, got {train_size}.")
        x_train, y_train = x_train[:train_size], y_train[:train_size]

    def images(x: np.ndarray) -> np.ndarray:
        return x.reshape(-1, 28, 28, 1).astype("float32") / 255

    def labels(y: np.ndarray) -> np.ndarray:
        return keras.utils.to_categorical(y, num_classes=10)

    return (images(x_train), labels(y_train)), (images(x_test), labels(y_test))


def main() -> int:
    """Command line: install the local copy and report where it went."""
    try:
        install_mnist()
    except MnistDataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"Keras will read MNIST from {keras_cache_file()} (no download needed).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
