"""MNIST for the lessons: a local copy, else a download, verified before Keras sees it.

The lessons call the real ``keras.datasets.mnist.load_data()``, which reads ``mnist.npz`` from
Keras's cache folder. :func:`install_mnist` makes sure a verified copy is there first, taken
from the first of these that works:

1. a local copy: the folder named by the environment variable ``MNIST_DIR`` (or the file
   itself), else ``../shared/data/mnist`` beside a checkout of the course;
2. a download from Keras's own address, or from the mirror in ``MNIST_URL`` when it is set,
   with a progress bar, a timeout for each read and a deadline for the whole download
   (``MNIST_DOWNLOAD_DEADLINE``), never more than the file's size; it is checked against the
   same sha256 and moved into the cache only when complete and genuine;
3. otherwise one message that says why both failed and what to do.

The placed file is readable by every user (Keras may share its folder between them), and
partial files of earlier runs that were killed are removed.

Run ``python -m course_utils.data`` to install the copy and see where it came from.
"""

from __future__ import annotations

import contextlib
import email.message
import errno
import hashlib
import http.client
import os
import shutil
import stat
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

from course_tools.project import PROJECT_ROOT, atomic_write, in_checkout
from course_utils import workarounds

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
#: Seconds the whole download may take (``MNIST_DOWNLOAD_DEADLINE`` overrides it): 11.5 MB in
#: 10 minutes is 20 kB/s, slower than any connection worth waiting on.
DOWNLOAD_DEADLINE = 600.0
DEADLINE_ENV_VAR = "MNIST_DOWNLOAD_DEADLINE"
#: A partial file of ours (``.mnist.npz.*.part``) that nothing wrote to for this many seconds
#: is left by a run that was killed: a running download writes at least every
#: DOWNLOAD_TIMEOUT seconds, and a copy continuously.
STALE_PART_AGE = 600.0
#: The placed file's permissions: readable by every user, whatever the umask.
PLACED_MODE = 0o644
DEFAULT_DIR = PROJECT_ROOT.parent / "shared" / "data" / "mnist"


class MnistDataError(RuntimeError):
    """MNIST could not be found, verified or installed; the message says what to do."""

    def _render_traceback_(self) -> list[str]:
        """In Jupyter, show just the message: a traceback would not help a student here."""
        return [f"MnistDataError: {self}"]


class NoLocalCopy(MnistDataError):
    """There is no local mnist.npz; the message says where it was looked for."""


class DownloadFailed(MnistDataError):
    """The download did not deliver the genuine mnist.npz; the message says why, ``advice``
    what to do besides using a local copy (empty: the usual advice)."""

    def __init__(self, reason: str, advice: str = "") -> None:
        super().__init__(reason)
        self.advice = advice


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
        home = workarounds.keras_home()
        if home is not None:
            return Path(home)
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
    if configured and folder.is_file():  # MNIST_DIR=/data/mnist/mnist.npz: the file itself
        return folder
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
    # the temporary file is .mnist.npz.XXXXXXXX.part, which remove_stale_partial_files knows
    with atomic_write(target, mode=PLACED_MODE, suffix=".part") as temporary:
        write(temporary)


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


def download_deadline() -> float:
    """Seconds the whole download may take: ``MNIST_DOWNLOAD_DEADLINE``, else the default."""
    configured = os.environ.get(DEADLINE_ENV_VAR, "").strip()
    if not configured:
        return DOWNLOAD_DEADLINE
    try:
        seconds = float(configured)
    except ValueError:
        seconds = float("nan")
    if not seconds > 0:
        raise MnistDataError(
            f"{DEADLINE_ENV_VAR} must be a number of seconds greater than 0, such as 1200 for "
            f"20 minutes; it is {configured!r}. What to do: fix it, or unset it for the default "
            f"({DOWNLOAD_DEADLINE:g} s)."
        )
    return seconds


def announced_size(headers: email.message.Message) -> int | None:
    """The size the server announces in Content-Length, or None when it announces none.

    As in http.client, a value that is not a whole number is ignored (the known size caps the
    download instead); a header repeated with identical values (``26, 26``, legal HTTP) is one
    value, and different values are ignored too. Under Transfer-Encoding it does not count.
    """
    if headers.get("Transfer-Encoding"):
        return None
    lines = headers.get_all("Content-Length") or []
    values = {value.strip() for line in lines for value in line.split(",")}
    if len(values) != 1:
        return None
    (value,) = values
    return int(value) if value.isascii() and value.isdigit() else None


def _too_big(what: str) -> DownloadFailed:
    return DownloadFailed(
        f"{what} more than the file's size ({FILE_SIZE:,} bytes), so it is not sending "
        f"{FILE_NAME}; the download was stopped there",
        advice=f"set {URL_ENV_VAR} to another mirror's address of {FILE_NAME} (or unset it to "
        "use Keras's own address)",
    )


def _too_slow(received: int, total: int, deadline: float) -> DownloadFailed:
    return DownloadFailed(
        f"the download was too slow: only {received:,} of {total:,} bytes arrived in "
        f"{deadline:g} s, the time allowed for the whole download",
        advice=f"try again later, or set {URL_ENV_VAR} to another mirror's address of "
        f"{FILE_NAME}; to wait longer, set {DEADLINE_ENV_VAR} to more seconds (export "
        f"{DEADLINE_ENV_VAR}={max(2 * deadline, DOWNLOAD_DEADLINE):g})",
    )


def _received(url: str, deadline: float) -> Iterator[bytes]:
    """The pieces of ``url`` as they arrive, with a progress bar; never more than FILE_SIZE
    bytes in all, nor for longer than ``deadline`` seconds (checked as each piece arrives, or
    when a read times out). Raise :class:`DownloadFailed` when the server fails."""
    started, received, total = time.monotonic(), 0, FILE_SIZE
    timeout = min(DOWNLOAD_TIMEOUT, deadline)
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            announced = announced_size(response.headers)
            if announced is not None and announced > FILE_SIZE:
                raise _too_big(f"the server announced {announced:,} bytes,")
            total = announced or FILE_SIZE
            bar = _ProgressBar(total)
            try:
                # read1: whatever has arrived, so that a trickle cannot hold a read forever
                while chunk := response.read1(min(1 << 16, FILE_SIZE + 1 - received)):
                    received += len(chunk)
                    if received > FILE_SIZE:
                        raise _too_big("the server sent")
                    yield chunk
                    bar.show(received)
                    if time.monotonic() - started > deadline:
                        raise _too_slow(received, total, deadline)
            finally:
                bar.show(min(received, total), final=True)  # where it got to; end the line
        if announced is not None and received < announced:
            raise DownloadFailed(f"the connection closed after {received:,} of {total:,} bytes")
    except urllib.error.HTTPError as error:
        raise DownloadFailed(f"the server answered {error.code} {error.reason}") from None
    except (TimeoutError, urllib.error.URLError) as error:
        reason = getattr(error, "reason", error)
        if isinstance(reason, TimeoutError):
            if timeout == deadline or time.monotonic() - started >= deadline:
                raise _too_slow(received, total, deadline) from None
            reason = f"no answer within {timeout:g} s"
        raise DownloadFailed(f"{reason}") from None
    except (OSError, http.client.HTTPException) as error:
        raise DownloadFailed(f"{type(error).__name__}: {error}") from None


def _download(url: str, target: Path, deadline: float) -> None:
    """Download ``url`` to ``target`` and verify it; raise :class:`DownloadFailed` when the
    server fails, and OSError when the file cannot be written (a full disk)."""
    with open(target, "wb") as out, contextlib.closing(_received(url, deadline)) as pieces:
        for piece in pieces:
            out.write(piece)  # a full disk raises OSError here, outside the network's errors
    actual = sha256_of(target)
    if actual != SHA256:
        raise DownloadFailed(_not_genuine("what arrived", actual, target.stat().st_size))


_CONNECT = f"connect to the internet (or set {URL_ENV_VAR} to a mirror's address of {FILE_NAME})"


def _unavailable(missing: NoLocalCopy, url: str, failure: DownloadFailed) -> MnistDataError:
    return MnistDataError(
        f"MNIST is not available. No local copy: {missing} The download from {url} failed: "
        f"{str(failure).rstrip('.')}. Nothing was placed in Keras's cache.\n"
        f"What to do: put {FILE_NAME} ({FILE_SIZE:,} bytes, sha256 {SHA256[:12]}...) in a "
        f"folder and set {ENV_VAR} to it (export {ENV_VAR}=$HOME/data/mnist), or "
        f"{failure.advice or _CONNECT}; then run this cell again."
    )


def remove_stale_partial_files(folder: Path, quiet: bool = False) -> list[Path]:
    """Remove the course's own partial files (``.mnist.npz.*.part``) in ``folder`` that nothing
    has written to for STALE_PART_AGE seconds: runs that were killed left them. A running
    download's file is younger than that; anything else in the folder is left alone."""
    removed = []
    try:
        candidates = list(folder.glob(f".{FILE_NAME}.*.part"))
    except OSError:
        return removed
    for path in candidates:
        try:
            status = path.lstat()
            if stat.S_ISREG(status.st_mode) and time.time() - status.st_mtime > STALE_PART_AGE:
                path.unlink()
                removed.append(path)
        except OSError:
            continue  # gone already, or another user's in a shared folder: not ours to remove
    for path in removed if not quiet else []:
        print(
            f"Removed {path.name} from {folder}: an unfinished download of {FILE_NAME} left by "
            "an earlier run that was stopped."
        )
    return removed


def _owner(status: os.stat_result) -> str:
    if hasattr(os, "getuid") and status.st_uid == os.getuid():
        return "you"
    try:
        import pwd

        return f"another user ({pwd.getpwuid(status.st_uid).pw_name})"
    except (ImportError, KeyError):
        return f"another user (uid {status.st_uid})"


def _unreadable(cached: Path, error: OSError) -> MnistDataError:
    try:
        status = cached.stat()
        owner = _owner(status)
        why = f"it belongs to {owner} and its permissions are {stat.filemode(status.st_mode)}"
    except OSError:
        owner, why = "", f"its folder {cached.parent} is closed to you"
    shared = (
        " Keras shares that folder between the users of this machine when a home folder is "
        "not writable."
        if owner != "you"
        else ""
    )
    chmod = f", or make the file readable (chmod 644 {cached})" if owner == "you" else ""
    return MnistDataError(
        f"Keras's cache file {cached} cannot be read ({error.strerror}): {why}.{shared} "
        "Nothing was changed.\nWhat to do: set KERAS_HOME to a folder of your own "
        f"(export KERAS_HOME=$HOME/keras-cache){chmod}; then run this cell again."
    )


def install_mnist(quiet: bool = False) -> Path:
    """Make sure Keras's cache holds a verified mnist.npz; return its path.

    A verified copy already in the cache is kept. Otherwise the local copy is verified and
    copied in, or, when there is none, the file is downloaded and verified; a stale or corrupt
    file in the cache is replaced, never used. ``quiet`` hides everything but the progress bar.
    """
    cached = keras_cache_file()
    remove_stale_partial_files(cached.parent, quiet)
    try:
        stale = cached.is_file()
        if stale and sha256_of(cached) == SHA256:
            return cached
    except PermissionError as error:  # another user's file, in a folder Keras shares
        raise _unreadable(cached, error) from None
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
        url, deadline = download_url(), download_deadline()
        print(f"No local copy: {missing} Downloading {FILE_NAME} from {url}")
        try:
            _place_atomically(cached, lambda temporary: _download(url, temporary, deadline))
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
    if error.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return MnistDataError(
            f"Could not place {FILE_NAME} from {source} in Keras's cache: the disk that holds "
            f"{cached.parent} is full ([Errno {error.errno}] {error.strerror}). The partial "
            f"file was removed and nothing was placed.\nWhat to do: free some space on that "
            f"disk ({FILE_NAME} needs {FILE_SIZE / 1e6:.1f} MB), or set KERAS_HOME to a folder "
            "on another disk (export KERAS_HOME=/another/disk/keras); then run this cell again."
        )
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
