"""The drawing pad in a real browser (Debian's Chromium): on a page of its own, with no
kernel, and in lesson 8 run in JupyterLab, each read from drawings made with the mouse.
(The pad on the built site is tested in test_book.py, which builds the site once.)
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator

from course_utils import drawing, models
from course_utils.project import PROJECT_ROOT

import keras
import pytest
from helpers import QuietHandler, draw_with_mouse, expect_prediction, jupyterlab_server

pytestmark = [pytest.mark.browser, pytest.mark.newest]

SCREENSHOTS = PROJECT_ROOT / "build" / "screenshots"


# --- the browser pad on a page of its own --------------------------------------------------------

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Pad</title></head>
<body><div class="course-drawing-pad">The drawing pad needs JavaScript.</div>
<script type="module" src="_static/drawing/site_pad.mjs"></script></body></html>"""


@pytest.fixture(scope="module")
def pad_page_server(
    briefly_trained_seed_model: keras.Model, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    root = tmp_path_factory.mktemp("pad-page")
    drawing.export_site_pad(briefly_trained_seed_model, root / "_static" / "drawing")
    (root / "index.html").write_text(PAGE)
    handler = functools.partial(QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_browser_pad_reads_mouse_drawings_without_a_kernel(browser, pad_page_server: str) -> None:  # noqa: ANN001
    page = browser.new_page(viewport={"width": 1000, "height": 700})
    outside: list[str] = []
    page.on(
        "request", lambda r: None if r.url.startswith(pad_page_server) else outside.append(r.url)
    )
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(pad_page_server, wait_until="load")
    pad = page.locator(".course-drawing-pad[data-ready='true']")
    pad.wait_for(timeout=20_000)
    canvas = pad.locator("canvas.course-pad-canvas")
    for shape, digit in (("one", 1), ("zero", 0)):
        page.get_by_role("button", name="Clear the drawing pad").click()
        assert pad.locator(".course-pad-prediction").inner_text() == "–"
        draw_with_mouse(page, canvas, shape)
        seconds = expect_prediction(page, pad, digit)
        print(f"browser pad: drew a {shape}, read {digit} after {seconds:.2f} s")
        assert seconds < 1.0
    assert pad.get_by_role("listitem").count() == 10
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "drawing-pad-page.png"))
    page.keyboard.press("Tab")  # keyboard: the Clear button takes focus and clears on Enter
    page.get_by_role("button", name="Clear the drawing pad").focus()
    page.keyboard.press("Enter")
    assert pad.locator(".course-pad-prediction").inner_text() == "–"
    page.close()
    assert errors == [] and outside == [], (errors, outside)


# --- the pad in JupyterLab ---------------------------------------------------------------------

LESSON = "08_your_handwriting"


@pytest.fixture(scope="module")
def lab_with_lesson_8(
    briefly_trained_seed_model: keras.Model, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """JupyterLab on a copy of lesson 8, with the briefly trained seed network saved where
    the lesson looks for it (so the lesson loads it instead of training a weaker one)."""
    root = tmp_path_factory.mktemp("lab-8")
    build = tmp_path_factory.mktemp("lab-8-build")
    models.save_model(briefly_trained_seed_model, build / "models" / "mnist_cnn.keras")
    shutil.copy(PROJECT_ROOT / "notebooks" / f"{LESSON}.ipynb", root / f"{LESSON}.ipynb")
    with jupyterlab_server(root, build) as served:
        yield served


def test_student_draws_in_jupyterlab_and_the_kernel_reads_it(
    browser,  # noqa: ANN001
    lab_with_lesson_8: tuple[str, str],
) -> None:
    base, token = lab_with_lesson_8
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    outside: list[str] = []
    page.on(
        "request",
        lambda r: None if r.url.startswith((base, "data:", "blob:")) else outside.append(r.url),
    )
    page.goto(f"{base}/lab/tree/{LESSON}.ipynb?token={token}", wait_until="domcontentloaded")
    notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)").last
    notebook.locator(".jp-CodeCell").first.wait_for(timeout=90_000)
    page.get_by_text("| Idle").first.wait_for(timeout=90_000)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_text("Run All Cells", exact=True).click()
    page.wait_for_function(
        """() => {
            const panel = [...document.querySelectorAll('.jp-NotebookPanel')].pop();
            // a folded cell (a solution) shows a placeholder prompt, never numbered
            const ran = '.jp-CodeCell .jp-InputPrompt:not(.jp-Placeholder-prompt)';
            const prompts = [...panel.querySelectorAll(ran)];
            return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.innerText));
        }""",
        timeout=600_000,
    )
    page.get_by_text("| Idle").first.wait_for(timeout=120_000)
    texts = " ".join(notebook.locator(".jp-OutputArea-output").all_inner_texts())
    assert "Traceback" not in texts
    assert "test image 0 shows a 7; the network reads 7" in texts
    pad = notebook.locator(".course-pad").first
    pad.wait_for(timeout=30_000)
    canvas = pad.locator("canvas.course-pad-canvas")
    clear = pad.get_by_role("button", name="Clear the drawing pad")
    for shape, digit in (("one", 1), ("zero", 0)):
        clear.click()
        pad.locator(".course-pad-prediction").filter(has_text="–").wait_for(timeout=10_000)
        draw_with_mouse(page, canvas, shape)
        seconds = expect_prediction(page, pad, digit)
        print(f"JupyterLab: drew a {shape}, the kernel read {digit} after {seconds:.2f} s")
        assert seconds < 1.0
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pad.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "jupyterlab-drawing-pad.png"))
    page.close()
    assert outside == [], f"JupyterLab fetched from outside localhost: {outside[:5]}"
