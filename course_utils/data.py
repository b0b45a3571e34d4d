"""MNIST for the lessons: a local copy, else a download, verified before Keras sees it.

The lessons call the real ``keras.datasets.mnist.load_data()``, which reads ``mnist.npz`` from
Keras's cache folder. :func:`install_mnist` makes sure a verified copy is there first, taken
from the first of these that works:

1. a local copy: the folder named by the environment variable ``MNIST_DIR`` (or the file
   itself), else ``../shared/data/mnist`` beside a checkout of the course;
2. a download from Keras's own address, or from the mirror in ``MNIST_URL`` when it is set,
   with a progress bar, a timeout for each read and a deadline for the whole exchange
   (``MNIST_DOWNLOAD_DEADLINE``: connecting, the reply's headers and the file), never more
   than the file's size; it is checked against the same sha256 and moved into the cache only
   when complete and genuine. A user name and password in ``MNIST_URL`` are sent to that
   server only, and never printed;
3. otherwise one message that says why both failed and what to do.

The placed file is readable by every user (Keras may share its folder between them), and
partial files of earlier runs that were killed are removed.

Run ``python -m course_utils.data`` to install the copy and see where it came from.
"""

from __future__ import annotations

import base64
import contextlib
import email.message
import errno
import hashlib
import http.client
import os
import shutil
import socket
import stat
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

from course_utils import startup, workarounds  # noqa: F401 - startup first
from course_utils.project import PROJECT_ROOT, atomic_write, in_checkout

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
    return os.environ.get(URL_ENV_VAR, "").strip() or KERAS_URL


def shown_url(url: str) -> str:
    """``url`` as it may be printed: a user name and password in it become ``***``."""
    scheme, separator, rest = url.partition("://")
    if not separator:
        scheme, rest = "", url
    ends = [index for index in (rest.find(mark) for mark in "/?#") if index >= 0]
    authority = rest[: min(ends, default=len(rest))]
    if "@" not in authority:
        return url
    return f"{scheme}{separator}***@{authority.rpartition('@')[2]}{rest[len(authority) :]}"


def _bad_url(url: str, what: str) -> MnistDataError:
    return MnistDataError(
        f"{URL_ENV_VAR} is set to {shown_url(url)!r}, which is not a web address: {what}.\n"
        f"What to do: set {URL_ENV_VAR} to the whole address of a mirror's {FILE_NAME}, or "
        "unset it to download from Keras's own address; then run this cell again."
    )


def download_request(url: str) -> urllib.request.Request:
    """The request for ``url``, an http:// or https:// address, else raise
    :class:`MnistDataError`. A user name and password in the address are taken out of it and
    sent as HTTP basic authentication, to that server only (not to one it redirects to)."""
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as error:
        if "IPv6" in str(error):
            raise _bad_url(url, "its host starts with [ but is not a valid IPv6 address in "
                           "brackets (such as http://[::1]:8000/mnist.npz)") from None  # fmt: skip
        if "Port" in str(error):
            raise _bad_url(url, "its port is not a number from 0 to 65535") from None
        raise _bad_url(url, "it cannot be read as an address") from None
    if parts.scheme.lower() not in ("http", "https"):
        if "://" not in url:
            example = "https://" + shown_url(url).removeprefix("//")
            raise _bad_url(url, f"it has no scheme (an address starts with http:// or https://, "
                           f"as in {example})")  # fmt: skip
        raise _bad_url(url, f"it starts with {parts.scheme}:, and the course downloads only from "
                       f"http:// and https:// addresses (for a file on this computer, set "
                       f"{ENV_VAR} to its folder)")  # fmt: skip
    if not parts.hostname:
        raise _bad_url(url, "it names no host (as in https://storage.example/mnist.npz)")
    host = parts.netloc.rpartition("@")[2]
    request = urllib.request.Request(urllib.parse.urlunsplit(parts._replace(netloc=host)))
    if parts.username is not None:
        user = urllib.parse.unquote(parts.username)
        password = urllib.parse.unquote(parts.password or "")
        token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        request.add_unredirected_header("Authorization", f"Basic {token}")
    return request


def _fingerprint(actual: str, size: int) -> str:
    return (
        f"its sha256 is {actual[:12]}..., expected {SHA256[:12]}... ({size:,} bytes, expected "
        f"{FILE_SIZE:,})"
    )


def _not_genuine(what: str, actual: str, size: int) -> str:
    return (
        f"{what} is not the genuine {FILE_NAME}: {_fingerprint(actual, size)}. The file is "
        "truncated, corrupt or a different file."
    )


def verify(path: Path) -> None:
    """Raise :class:`MnistDataError` unless ``path``, the local copy, is the genuine mnist.npz;
    the message says whether the file is to be replaced, and by whom, or ``MNIST_DIR`` fixed."""
    try:
        actual = sha256_of(path)
    except OSError as error:
        raise MnistDataError(
            f"The local copy {path} cannot be read ({error.strerror}). Nothing was changed.\n"
            f"What to do: set {ENV_VAR} to a folder that holds a copy of {FILE_NAME} you can "
            f"read (export {ENV_VAR}=$HOME/data/mnist); then run this cell again."
        ) from None
    if actual == SHA256:
        return
    size = path.stat().st_size
    if path.name != FILE_NAME:  # MNIST_DIR names a file, and another one
        raise MnistDataError(
            f"{ENV_VAR} names {path}, which is not the genuine {FILE_NAME}: "
            f"{_fingerprint(actual, size)}.\nWhat to do: set {ENV_VAR} to the genuine "
            f"{FILE_NAME} or the folder that holds it; {path} is another file, to be left as "
            "it is."
        )
    if os.access(path, os.W_OK) or os.access(path.parent, os.W_OK):
        fix = f"replace it with a fresh copy of {FILE_NAME}."
    else:  # a shared or system copy
        owner = _owner(path.stat())
        whose = "" if owner == "you" else f" (it belongs to {owner})"
        fix = (
            f"neither the file nor its folder is writable for you{whose}, so it is not yours to "
            f"replace: ask whoever keeps {path.parent} for a fresh copy, and meanwhile set "
            f"{ENV_VAR} to a folder that holds a good copy of {FILE_NAME}."
        )
    raise MnistDataError(f"{_not_genuine(str(path), actual, size)} What to do: {fix}")


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
    A number of more than 20 digits, far beyond the file's size (and beyond what Python turns
    into an int past 4,300 digits), raises :class:`DownloadFailed` at once.
    """
    if headers.get("Transfer-Encoding"):
        return None
    lines = headers.get_all("Content-Length") or []
    values = {value.strip() for line in lines for value in line.split(",")}
    if len(values) != 1:
        return None
    (value,) = values
    if not (value.isascii() and value.isdigit()):
        return None
    digits = value.lstrip("0") or "0"
    if len(digits) > 20:
        raise _too_big(f"the server announced a size of {len(digits):,} digits,")
    return int(digits)


def _too_big(what: str) -> DownloadFailed:
    return DownloadFailed(
        f"{what} more than the file's size ({FILE_SIZE:,} bytes), so it is not sending "
        f"{FILE_NAME}; the download was stopped there",
        advice=f"set {URL_ENV_VAR} to another mirror's address of {FILE_NAME} (or unset it to "
        "use Keras's own address)",
    )


def _too_slow(received: int, total: int, deadline: float, stage: str = "") -> DownloadFailed:
    """The deadline passed; ``stage`` is where the exchange was when it did, if before the
    file: "connect" or "headers"."""
    allowed = f"{deadline:g} s, the time allowed for the whole download"
    if stage == "connect":
        what = f"no connection to the server was made in {allowed}"
    elif stage == "headers":
        what = f"the server had not finished the headers of its reply after {allowed}"
    else:
        what = f"only {received:,} of {total:,} bytes arrived in {allowed}"
    return DownloadFailed(
        f"the download was too slow: {what}",
        advice=f"try again later, or set {URL_ENV_VAR} to another mirror's address of "
        f"{FILE_NAME}; to wait longer, set {DEADLINE_ENV_VAR} to more seconds (export "
        f"{DEADLINE_ENV_VAR}={max(2 * deadline, DOWNLOAD_DEADLINE):g})",
    )


class _Clock:
    """The deadline of one download, over the whole exchange: connecting, the status line,
    the headers and the body, through every redirect. Each connection is given no more than
    the time left to be made, and when the time is up the download's sockets are shut down,
    which ends the read in progress: a server that trickles its headers a byte at a time is
    cut off too, not only one that trickles the file. Use it as a context manager."""

    def __init__(self, seconds: float) -> None:
        self.ends_at = time.monotonic() + seconds
        self.expired = False  # the time is up
        self.connected = False  # a connection was made
        self._over = False  # the download is over: a connection made now is cut at once
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []  # a duplicate of each connection's socket
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Clock:
        self._timer.start()
        return self

    def __exit__(self, *exception: object) -> None:
        self._timer.cancel()
        with self._lock:
            self._over = True
            for duplicate in self._sockets:
                duplicate.close()  # the duplicates only: the connections close themselves
            self._sockets.clear()

    def left(self) -> float:
        return self.ends_at - time.monotonic()

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for duplicate in self._sockets:
                with contextlib.suppress(OSError):
                    duplicate.shutdown(socket.SHUT_RDWR)  # ends a read in another thread

    def connect(
        self, address: tuple[str, int], timeout: float, source_address: object = None
    ) -> socket.socket:
        """socket.create_connection within the time left; the socket is then watched (a
        shutdown of its duplicate ends the connection, also once TLS has taken it over)."""
        if self.left() <= 0:
            raise TimeoutError("the download's time is up")
        connection = socket.create_connection(address, min(timeout, self.left()), source_address)
        connection.settimeout(timeout)  # each read then waits at most that long
        with self._lock:
            duplicate = connection.dup()
            self._sockets.append(duplicate)
            self.connected = True
            if self.expired or self._over:
                with contextlib.suppress(OSError):
                    duplicate.shutdown(socket.SHUT_RDWR)
        return connection


def _opener(clock: _Clock) -> urllib.request.OpenerDirector:
    """urllib's usual opener (proxies from the environment, redirects, https), its
    connections made and watched by ``clock``."""

    class Watched:
        def do_open(
            self, http_class: type[http.client.HTTPConnection], request: object, **kwargs: object
        ) -> http.client.HTTPResponse:
            class Connection(http_class):  # type: ignore[misc, valid-type]
                def __init__(self, *args: object, **kwargs: object) -> None:
                    super().__init__(*args, **kwargs)
                    self._create_connection = clock.connect

            return super().do_open(Connection, request, **kwargs)  # type: ignore[misc]

    class HTTPHandler(Watched, urllib.request.HTTPHandler):
        pass

    class HTTPSHandler(Watched, urllib.request.HTTPSHandler):
        pass

    return urllib.request.build_opener(HTTPHandler, HTTPSHandler)


def _refused(error: urllib.error.HTTPError, request: urllib.request.Request) -> DownloadFailed:
    reason = f"the server answered {error.code} {error.reason}"
    sent = request.has_header("Authorization") and error.url == request.full_url  # not redirected
    if error.code in (401, 403) and sent:
        reason += f" to the user name and password that {URL_ENV_VAR} carries: check them"
    return DownloadFailed(reason)


def _received(request: urllib.request.Request, deadline: float) -> Iterator[bytes]:
    """The pieces of the file as they arrive, with a progress bar; never more than FILE_SIZE
    bytes in all, nor for longer than ``deadline`` seconds from the first connection to the
    last byte (:class:`_Clock`). Raise :class:`DownloadFailed` when the server fails."""
    received, total, answered = 0, FILE_SIZE, False
    timeout = min(DOWNLOAD_TIMEOUT, deadline)
    clock = _Clock(deadline)

    def stage() -> str:
        return "" if answered else "headers" if clock.connected else "connect"

    try:
        with clock, _opener(clock).open(request, timeout=timeout) as response:
            if clock.expired:  # the clock cut the headers short: http.client took them as read
                raise _too_slow(received, total, deadline, "headers")
            answered = True
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
                    if clock.left() < 0:
                        raise _too_slow(received, total, deadline)
            finally:
                bar.show(min(received, total), final=True)  # where it got to; end the line
        if clock.expired and received < total:  # the clock cut the file short
            raise _too_slow(received, total, deadline)
        if announced is not None and received < announced:
            raise DownloadFailed(f"the connection closed after {received:,} of {total:,} bytes")
    except urllib.error.HTTPError as error:
        error.close()  # it holds the server's answer, and with it the connection
        raise _refused(error, request) from None
    except (OSError, http.client.HTTPException) as error:  # URLError and TimeoutError too
        if clock.expired:  # whatever broke, it broke because the time was up
            raise _too_slow(received, total, deadline, stage()) from None
        reason = getattr(error, "reason", error)
        if isinstance(reason, TimeoutError):
            if timeout == deadline or clock.left() <= 0:
                raise _too_slow(received, total, deadline, stage()) from None
            raise DownloadFailed(f"no answer within {timeout:g} s") from None
        if isinstance(error, urllib.error.URLError):
            raise DownloadFailed(f"{reason}") from None
        raise DownloadFailed(f"{type(error).__name__}: {error}") from None


def _download(request: urllib.request.Request, target: Path, deadline: float) -> None:
    """Download what ``request`` asks for to ``target`` and verify it; raise
    :class:`DownloadFailed` when the server fails, and OSError when the file cannot be
    written (a full disk)."""
    received = _received(request, deadline)
    with open(target, "wb") as out, contextlib.closing(received) as pieces:
        for piece in pieces:
            out.write(piece)  # a full disk raises OSError here, outside the network's errors
    actual = sha256_of(target)
    if actual != SHA256:
        raise DownloadFailed(_not_genuine("what arrived", actual, target.stat().st_size))


_CONNECT = f"connect to the internet (or set {URL_ENV_VAR} to a mirror's address of {FILE_NAME})"


def _unavailable(missing: NoLocalCopy, url: str, failure: DownloadFailed) -> MnistDataError:
    return MnistDataError(
        f"MNIST is not available. No local copy: {missing} The download from {shown_url(url)} "
        "failed: "
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
        request, shown = download_request(url), shown_url(url)
        print(f"No local copy: {missing} Downloading {FILE_NAME} from {shown}")
        try:
            _place_atomically(cached, lambda temporary: _download(request, temporary, deadline))
        except DownloadFailed as failure:
            raise _unavailable(missing, url, failure) from None
        except OSError as error:
            raise _cache_error(shown, cached, error) from None
        if not quiet:
            print(f"MNIST downloaded and verified: {shown} -> {cached}")
        return cached
    verify(source)

    def copy(temporary: Path) -> None:
        shutil.copyfile(source, temporary)
        actual = sha256_of(temporary)
        if actual != SHA256:  # the source changed while it was copied
            raise MnistDataError(
                f"{_not_genuine(f'The copy of {source}', actual, temporary.stat().st_size)} "
                "It changed while it was copied; nothing was placed.\nWhat to do: run this "
                "cell again."
            )

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
    own_folder = "set KERAS_HOME to a folder of your own (export KERAS_HOME=$HOME/keras-cache)"
    if error.errno in (errno.EACCES, errno.EPERM):
        return MnistDataError(
            f"Could not place {FILE_NAME} from {source} in Keras's cache: you may not write in "
            f"{cached.parent} ([Errno {error.errno}] {error.strerror}). Nothing was placed.\n"
            f"What to do: {own_folder}, or make that folder writable for you; then run this "
            "cell again."
        )
    if error.errno == errno.EROFS:
        return MnistDataError(
            f"Could not place {FILE_NAME} from {source} in Keras's cache: the disk that holds "
            f"{cached.parent} is read-only ([Errno {error.errno}] {error.strerror}). Nothing "
            f"was placed.\nWhat to do: {own_folder}; then run this cell again."
        )
    return MnistDataError(
        f"Could not place {FILE_NAME} from {source} in Keras's cache at {cached}: "
        f"[Errno {error.errno}] {error.strerror}. Nothing was placed.\nWhat to do: "
        f"{own_folder}; then run this cell again."
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
