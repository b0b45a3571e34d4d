"""What several test files share that is not a fixture: constants, the record of a local web
server (Mirror), a JupyterLab server, how a test draws on the drawing pad with the mouse,
and how it answers a quiz question with the keyboard.

Not a test file: pytest puts tests/ on sys.path (it has no __init__.py), so a test file says
`from helpers import Mirror`. The fixtures and hooks are in conftest.py, which imports from
here; no test file imports conftest or another test file.
"""

from __future__ import annotations

import http.server
import json
import math
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from course_utils.project import BACKENDS as ALL_BACKENDS

#: Debian's Chromium, headless, asked for nothing beyond this machine.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip

#: The backends the tests run on: all of them, or those COURSE_BACKENDS names (the lowest
#: versions have TensorFlow only; CI runs the fast course once per backend).
BACKENDS = os.environ.get("COURSE_BACKENDS", ",".join(ALL_BACKENDS)).split(",")

#: The bytes of the stand-in mnist.npz that the `tiny_mnist` fixture serves as genuine.
TINY_MNIST = b"pretend this is mnist.npz\n"


def free_port() -> int:
    """A free local port: nothing listens on it (a download from it is refused at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


#: How a test serves a path itself: given the request's handler, send the whole response.
Respond = Callable[[http.server.BaseHTTPRequestHandler], None]


@dataclass
class Mirror:
    """A web server on localhost (the `mnist_mirror` fixture): ``files`` maps a path to its
    content; ``cut/<path>`` sends the full Content-Length but only half the bytes;
    ``responses`` maps a path to a function that sends the response itself (a stream without
    end, a trickle, odd headers); anything else is a 404."""

    url: str
    files: dict[str, bytes] = field(default_factory=dict)
    responses: dict[str, Respond] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves a folder without logging each request."""

    def log_message(self, format: str, *args: object) -> None:
        pass


#: JupyterLab settings every browser test uses: render every cell, ask no news server.
LAB_SETTINGS = {
    "notebook-extension/tracker": {"windowingMode": "none"},
    "apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
}


@contextmanager
def jupyterlab_server(root: Path, build: Path) -> Iterator[tuple[str, str]]:
    """JupyterLab from the course's environment serving ``root`` on a free localhost port with
    a random token (kernels save into ``build``); yields (base URL, token); shuts it down
    through its API. The .md lessons open as notebooks through the setting the course ships
    (jupyter/overrides.json, installed by `make setup`), not through anything set here."""
    for name, values in LAB_SETTINGS.items():
        path = root / ".settings" / "@jupyterlab" / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    token, port = secrets.token_hex(16), free_port()
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}",
        "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}", f"--LabApp.user_settings_dir={root / '.settings'}",
        f"--LabApp.workspaces_dir={root / '.workspaces'}", "--ServerApp.open_browser=False",
        "--LabApp.extension_manager=readonly",  # no look-ups of PyPI from the server
        *(["--allow-root"] if os.geteuid() == 0 else []),
    ]  # fmt: skip
    environment = {**os.environ, "COURSE_BUILD_DIR": str(build)}
    log = root / "server.log"
    with (
        log.open("w") as stderr,
        subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=stderr, env=environment
        ) as server,
    ):
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    server.kill()
                    raise RuntimeError(log.read_text()) from None
                time.sleep(0.5)
        try:
            yield base, token
        finally:
            request = urllib.request.Request(
                f"{base}/api/shutdown", method="POST", headers={"Authorization": f"token {token}"}
            )
            urllib.request.urlopen(request, timeout=10).close()
            assert server.wait(timeout=30) == 0, "JupyterLab did not shut down cleanly"


def draw_with_mouse(page, canvas, shape: str) -> None:  # noqa: ANN001 - Playwright objects
    """Draw ``shape`` ("one": a vertical stroke, "zero": a closed loop) on ``canvas``."""
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box, "the pad's canvas is not visible"
    left, top, size = box["x"], box["y"], box["width"]
    if shape == "one":
        points = [(0.5, 0.15 + 0.7 * k / 20) for k in range(21)]
    elif shape == "zero":
        points = [
            (
                0.5 + 0.22 * math.sin(2 * math.pi * k / 40),
                0.5 - 0.33 * math.cos(2 * math.pi * k / 40),
            )
            for k in range(42)
        ]
    else:
        raise ValueError(f"unknown shape {shape}")
    page.mouse.move(left + points[0][0] * size, top + points[0][1] * size)
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(left + x * size, top + y * size, steps=2)
    page.mouse.up()


def expect_prediction(page, scope, digit: int) -> float:  # noqa: ANN001
    """Wait until the pad in ``scope`` shows ``digit``; return the seconds it took."""
    started = time.perf_counter()
    scope.locator(".course-pad-prediction").filter(has_text=str(digit)).wait_for(timeout=10_000)
    return time.perf_counter() - started


def answer_a_quiz_question(page, scope) -> str:  # noqa: ANN001 - Playwright objects
    """Answer the first question of the lesson's quiz in ``scope`` as a student with a
    keyboard would: focus the option that is right, press Enter. Its explanation is hidden
    before and shown after; return the option's text, explanation included."""
    option = scope.locator("details").filter(has=page.locator("strong", has_text="Right.")).first
    option.wait_for(state="attached", timeout=60_000)
    option.scroll_into_view_if_needed()
    explanation = option.locator("strong", has_text="Right.")
    assert not explanation.is_visible(), "the explanation shows before the student answers"
    option.locator("summary").focus()
    page.keyboard.press("Enter")
    explanation.wait_for(state="visible", timeout=10_000)
    return " ".join(option.inner_text().split())
