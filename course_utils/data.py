"""MNIST for the lessons: a local copy, else a download, verified before Keras sees it.

The lessons call the real ``keras.datasets.mnist.load_data()``, which reads ``mnist.npz`` from
Keras's cache folder. :func:`install_mnist` makes sure a verified copy is there first, taken
from the first of these that works:

1. a local copy: the folder named by the environment variable ``MNIST_DIR``, else
   ``../shared/data/mnist`` beside a checkout of the course;
2. a download from Keras's own address, or from the mirror in ``MNIST_URL`` when it is set,
   with a progress bar and a timeout; it is checked against the same sha256 and moved into
   the cache only when complete and genuine;
3. otherwise one message that says why both failed and what to do.

Run ``python -m course_utils.data`` to install the copy and see where it came from.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import shutil
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from course_utils.paths import PROJECT_ROOT, in_checkout

import numpy as np

ENV_VAR = "MNIST_DIR"
URL_ENV_VAR = "MNIST_URL"
FILE_NAME = "mnist.npz"
#: The sha256 that Keras itself pins for mnist.npz.
SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
FILE_SIZE = 11_490_434
#: Where ``keras.datasets.mnist.load_data()`` itself downloads the file from.
KERAS_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
#: Seconds to wait for the server to answer, or for the next piece of the file.
DOWNLOAD_TIMEOUT = 30.0
DEFAULT_DIR = PROJECT_ROOT.parent / "shared" / "data" / "mnist"


class MnistDataError(RuntimeError):
    """MNIST could not be found, verified or installed; the message says what to do."""

    def _render_traceback_(self) -> list[str]:
        """In Jupyter, show just the message: a traceback would not help a student here."""
        return [f"MnistDataError: {self}"]


class NoLocalCopy(MnistDataError):
    """There is no local mnist.npz; the message says where it was looked for."""


class DownloadFailed(MnistDataError):
    """The download did not deliver the genuine mnist.npz; the message says why."""


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
    """Return the path of the local mnist.npz, or raise :class:`NoLocalCopy`."""
    configured = os.environ.get(ENV_VAR)
    if not configured and not in_checkout():
        raise NoLocalCopy(f"{ENV_VAR} is not set.")
    folder = Path(configured).expanduser() if configured else DEFAULT_DIR
    candidate = folder / FILE_NAME
    if candidate.is_file():
        return candidate
    if configured and not folder.is_dir():
        raise NoLocalCopy(f"{ENV_VAR} is set to {folder}, but that folder does not exist.")
    if configured:
        raise NoLocalCopy(f"{ENV_VAR} is set to {folder}, but there is no {FILE_NAME} in it.")
    raise NoLocalCopy(f"{ENV_VAR} is not set and the default folder {folder} has no {FILE_NAME}.")


def download_url() -> str:
    """The mirror in ``MNIST_URL`` when it is set, else Keras's own address."""
    return os.environ.get(URL_ENV_VAR) or KERAS_URL


def _not_genuine(what: str, actual: str, size: int) -> str:
    return (
        f"{what} is not the genuine {FILE_NAME}: its sha256 is {actual[:12]}..., expected "
        f"{SHA256[:12]}... ({size:,} bytes, expected {FILE_SIZE:,}). The file is truncated, "
        "corrupt or a different file."
    )


def verify(path: Path) -> None:
    """Raise :class:`MnistDataError` unless ``path`` is the genuine mnist.npz."""
    actual = sha256_of(path)
    if actual != SHA256:
        raise MnistDataError(
            f"{_not_genuine(str(path), actual, path.stat().st_size)} "
            f"What to do: replace it with a fresh copy of {FILE_NAME}."
        )


def _place_atomically(target: Path, write: Callable[[Path], object]) -> None:
    """Call ``write(temporary)``, which writes and verifies a file, then move it to ``target``.

    ``target`` is either left as it was or replaced by a complete, verified file.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".part", dir=target.parent
    )
    os.close(handle)
    try:
        write(Path(temporary))
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


class _ProgressBar:
    """A one-line text progress bar, redrawn at most every 0.2 s (in a terminal or Jupyter)."""

    def __init__(self, total: int) -> None:
        self.total, self.shown_at, self.shown = total, 0.0, -1

    def show(self, done: int, final: bool = False) -> None:
        now = time.monotonic()
        if now - self.shown_at < 0.2 and not final:
            return
        if final and done == self.shown:  # already on screen: just end the line
            print(flush=True)
            return
        self.shown_at, self.shown = now, done
        megabytes = f"{done / 1e6:5.1f} MB"
        if self.total:
            share = done / self.total
            bar = "#" * round(30 * share)
            megabytes = f"[{bar:30}] {share:4.0%} of {self.total / 1e6:.1f} MB"
        print(f"\rDownloading {FILE_NAME}: {megabytes}", end="\n" if final else "", flush=True)


def _download(url: str, target: Path) -> None:
    """Download ``url`` to ``target`` with a progress bar; raise :class:`DownloadFailed`."""
    try:
        with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT) as response:
            total = int(response.headers.get("Content-Length") or 0)
            bar, received = _ProgressBar(total), 0
            with open(target, "wb") as out:
                while chunk := response.read(1 << 16):
                    out.write(chunk)
                    received += len(chunk)
                    bar.show(received)
            bar.show(received, final=True)
        if received < total:
            raise DownloadFailed(f"the connection closed after {received:,} of {total:,} bytes")
    except urllib.error.HTTPError as error:
        raise DownloadFailed(f"the server answered {error.code} {error.reason}") from None
    except (TimeoutError, urllib.error.URLError) as error:
        reason = getattr(error, "reason", error)
        if isinstance(reason, TimeoutError):
            reason = f"no answer within {DOWNLOAD_TIMEOUT:g} s"
        raise DownloadFailed(f"{reason}") from None
    except (OSError, http.client.HTTPException) as error:
        raise DownloadFailed(f"{type(error).__name__}: {error}") from None
    actual = sha256_of(target)
    if actual != SHA256:
        raise DownloadFailed(_not_genuine("what arrived", actual, target.stat().st_size))


def _unavailable(missing: NoLocalCopy, url: str, failure: DownloadFailed) -> MnistDataError:
    return MnistDataError(
        f"MNIST is not available. No local copy: {missing} The download from {url} failed: "
        f"{str(failure).rstrip('.')}. Nothing was placed in Keras's cache.\n"
        f"What to do: put {FILE_NAME} ({FILE_SIZE:,} bytes, sha256 {SHA256[:12]}...) in a "
        f"folder and set {ENV_VAR} to it (export {ENV_VAR}=$HOME/data/mnist), or connect to "
        f"the internet (or set {URL_ENV_VAR} to a mirror's address of {FILE_NAME}); then run "
        "this cell again."
    )


def install_mnist(quiet: bool = False) -> Path:
    """Make sure Keras's cache holds a verified mnist.npz; return its path.

    A verified copy already in the cache is kept. Otherwise the local copy is verified and
    copied in, or, when there is none, the file is downloaded and verified; a stale or corrupt
    file in the cache is replaced, never used. ``quiet`` hides everything but the progress bar.
    """
    cached = keras_cache_file()
    stale = cached.is_file()
    if stale and sha256_of(cached) == SHA256:
        return cached
    if not quiet and cached.parent.parent != keras_home().expanduser():
        print(
            f"Keras's folder {keras_home()} is not writable; using {cached.parent.parent} "
            "instead, as Keras itself does."
        )
    if not quiet and stale:
        print(f"Replacing a stale or corrupt {FILE_NAME} in Keras's cache ({cached}).")
    try:
        source = find_local_copy()
    except NoLocalCopy as missing:
        url = download_url()
        print(f"No local copy: {missing} Downloading {FILE_NAME} from {url}")
        try:
            _place_atomically(cached, lambda temporary: _download(url, temporary))
        except DownloadFailed as failure:
            raise _unavailable(missing, url, failure) from None
        except OSError as error:
            raise _cache_error(url, cached, error) from None
        if not quiet:
            print(f"MNIST downloaded and verified: {url} -> {cached}")
        return cached
    verify(source)

    def copy(temporary: Path) -> None:
        shutil.copyfile(source, temporary)
        verify(temporary)

    try:
        _place_atomically(cached, copy)
    except OSError as error:
        raise _cache_error(str(source), cached, error) from None
    if not quiet:
        print(f"MNIST verified and installed: {source} -> {cached}")
    return cached


def _cache_error(source: str, cached: Path, error: OSError) -> MnistDataError:
    return MnistDataError(
        f"Could not copy {source} into Keras's cache at {cached}: {error}. "
        "What to do: free some disk space, or point KERAS_HOME at a writable folder."
    )


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
    print(f"Keras will read MNIST from {keras_cache_file()}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
