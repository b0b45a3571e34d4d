"""The lessons in the real client: JupyterLab in headless Chromium runs lessons through its
menus: lesson 1 once as the .ipynb and once as the MyST .md opened as a notebook through
Jupytext, and lesson 4 (which trains, saves and plots) with fast parameters that papermill
writes into the copy, as the tests' fast course does.

JupyterLab is started from the course's environment on a free localhost port with a random
token, on a copy of the lesson (so autosave never touches the repository), and shut down
through its API at the end.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

from course_admin import course
from course_utils.project import NOTEBOOK_DIR, PROJECT_ROOT

import nbformat
import pytest
from helpers import answer_a_quiz_question, jupyterlab_server
from papermill.iorw import load_notebook_node
from papermill.parameterize import parameterize_notebook
from playwright.sync_api import Browser, Locator, Page

pytestmark = [pytest.mark.browser, pytest.mark.newest]

LESSON = "01_load_mnist"
TRAINING_LESSON = "04_train"
FAST = course.FAST_PARAMETERS
SCREENSHOTS = PROJECT_ROOT / "build" / "screenshots"


Lab = tuple[str, str, Path]  # a JupyterLab server: base URL, token, root folder


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """A JupyterLab server on copies of lesson 1 and of lesson 4 with fast parameters; yields
    its base URL, token and root folder (whose build/ the kernels save the model into)."""
    root = tmp_path_factory.mktemp("lab")
    for suffix in (".ipynb", ".md"):
        shutil.copy(NOTEBOOK_DIR / f"{LESSON}{suffix}", root / f"{LESSON}{suffix}")
    training = load_notebook_node(str(NOTEBOOK_DIR / f"{TRAINING_LESSON}.ipynb"))
    nbformat.write(parameterize_notebook(training, FAST), root / f"{TRAINING_LESSON}.ipynb")
    with jupyterlab_server(root, root / "build") as (base, token):
        yield base, token, root


@pytest.fixture(scope="module")
def browser_page(browser: Browser) -> Iterator[Page]:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    yield page
    page.close()


def run_all_cells(page: Page, lab: Lab, name: str, timeout_ms: int) -> Locator:
    """Open ``name`` in JupyterLab, run every cell from the Run menu, wait until all ran."""
    base, token, _ = lab
    # ?reset: a fresh workspace, so the notebook opened last is the only one Run acts on
    page.goto(f"{base}/lab/tree/{name}?reset&token={token}", wait_until="domcontentloaded")
    notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)").last
    notebook.locator(".jp-CodeCell").first.wait_for(timeout=60_000)
    page.get_by_text("| Idle").first.wait_for(timeout=60_000)  # the kernel has started
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_text("Run All Cells", exact=True).click()
    page.wait_for_function(
        """() => {
            const shown = '.jp-NotebookPanel:not(.lm-mod-hidden)';
            const panel = [...document.querySelectorAll(shown)].pop();
            // a folded cell (a solution) shows a placeholder prompt, never numbered
            const ran = '.jp-CodeCell .jp-InputPrompt:not(.jp-Placeholder-prompt)';
            const prompts = [...panel.querySelectorAll(ran)];
            return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.innerText));
        }""",
        timeout=timeout_ms,
    )
    page.get_by_text("| Idle").first.wait_for(timeout=60_000)
    return notebook


def wait_for_images(notebook: Locator, count: int) -> Locator:
    """The notebook's rendered images, once at least ``count`` are there: a cell's execution
    count can arrive before its image has rendered, so the last figure may come a moment
    after the last prompt is numbered."""
    images = notebook.locator(".jp-RenderedImage img")
    images.nth(count - 1).wait_for(state="attached", timeout=60_000)
    return images


@pytest.mark.parametrize("suffix", [".ipynb", ".md"])
def test_lesson_runs_in_jupyterlab(lab: Lab, browser_page: Page, suffix: str) -> None:
    page = browser_page
    notebook = run_all_cells(page, lab, f"{LESSON}{suffix}", timeout_ms=180_000)
    cells = notebook.locator(".jp-CodeCell")
    assert cells.count() >= 8
    assert notebook.locator(".jp-OutputArea-output").count() >= 8
    assert notebook.locator("[data-mime-type='application/vnd.jupyter.stderr']").count() == 0
    texts = " ".join(notebook.locator(".jp-OutputArea-output").all_inner_texts())
    assert "Traceback" not in texts
    assert "x_train  shape (60000, 28, 28)" in texts
    assert "Correct!" in texts  # the self-checks ran
    answered = answer_a_quiz_question(page, notebook)  # the quiz, rendered by JupyterLab
    assert "Right." in answered and len(answered) > 100, answered
    images = wait_for_images(notebook, 2)
    assert all(width > 0 for width in images.evaluate_all("imgs => imgs.map(i => i.naturalWidth)"))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"jupyterlab-{LESSON}{suffix.replace('.', '-')}.png"))
    page.keyboard.press("Control+s")


def test_training_lesson_trains_saves_and_plots_in_jupyterlab(lab: Lab, browser_page: Page) -> None:
    page = browser_page
    model_file = lab[2] / "build" / "models" / "mnist_cnn.keras"
    assert not model_file.exists()
    notebook = run_all_cells(page, lab, f"{TRAINING_LESSON}.ipynb", timeout_ms=900_000)
    outputs = notebook.locator(".jp-OutputArea-output")
    texts = " ".join(outputs.all_inner_texts())
    assert notebook.locator(".jp-OutputArea-output[data-mime-type*='error']").count() == 0
    assert "Traceback" not in texts
    assert "training images: (2000, 28, 28, 1)" in texts  # the injected fast parameters
    # it trained: one epoch of 29 batches of 64 (1,800 images, the rest validate)
    assert "29/29 - " in texts and "val_accuracy" in texts and "Training took" in texts
    assert f"saved to {model_file}" in texts and model_file.is_file()  # it saved
    assert "test accuracy" in texts and "Correct!" in texts
    images = wait_for_images(notebook, 2)  # the learning curves, and exercise 4.2's
    assert all(width > 0 for width in images.evaluate_all("imgs => imgs.map(i => i.naturalWidth)"))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"jupyterlab-{TRAINING_LESSON}-ipynb.png"))
