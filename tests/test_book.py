"""The Jupyter Book site: built strictly from the lessons, and checked in headless Chromium.

The site is built once per session (the `built_site` fixture in conftest.py), with the lessons'
real default parameters, into a temporary folder. Chromium is Debian's (`apt-get install
chromium`, done by .ci/run), driven by Playwright's Python package; no browser is ever
downloaded.
"""

from __future__ import annotations

import html
import re
import subprocess
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

from course_admin import install_cell
from course_admin.book import build_book
from course_utils import project
from course_utils.project import PROJECT_ROOT

import jupytext
import pytest
from helpers import answer_a_quiz_question, draw_with_mouse, expect_prediction
from playwright.sync_api import Browser, Page

pytestmark = [pytest.mark.book, pytest.mark.newest]

SCREENSHOTS = PROJECT_ROOT / "build" / "screenshots"
SCREENSHOT = SCREENSHOTS / "book-lesson-1.png"
LESSON_PAGES = [f"notebooks/{path.stem}.html" for path in project.lessons()]


def tiny_book(folder: Path, code: str) -> Path:
    """A one-page book whose only cell runs ``code``; returns its folder."""
    folder.mkdir()
    (folder / "_config.yml").write_text(
        "title: Tiny\nexecute:\n  execute_notebooks: force\n  timeout: 60\n"
    )
    (folder / "_toc.yml").write_text("format: jb-book\nroot: index\n")
    (folder / "index.md").write_text(
        "---\njupytext:\n  text_representation:\n    format_name: myst\n"
        "kernelspec:\n  name: python3\n  display_name: Python 3\n---\n\n# Tiny\n\n"
        f"```{{code-cell}} ipython3\n{code}\n```\n"
    )
    return folder


def build_tiny(folder: Path) -> int:
    return build_book(folder, folder, folder / "_config.yml", folder / "_toc.yml").returncode


def test_a_tiny_book_builds(tmp_path: Path) -> None:
    folder = tiny_book(tmp_path / "good", "print(1 + 1)")
    assert build_tiny(folder) == 0
    assert "2" in (folder / "_build" / "html" / "index.html").read_text()


def test_a_cell_that_raises_fails_the_build(tmp_path: Path) -> None:
    assert build_tiny(tiny_book(tmp_path / "raises", "1 / 0")) != 0


def test_a_sphinx_warning_fails_the_build(tmp_path: Path) -> None:
    folder = tiny_book(tmp_path / "warns", "print(1)")
    with (folder / "index.md").open("a") as page:
        page.write("\nA link to [nowhere](missing.md).\n")
    assert build_tiny(folder) != 0


@pytest.fixture(scope="module")
def page(site_server: str, browser: Browser) -> Iterator[Page]:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    outside: list[str] = []
    page.on(
        "request",
        lambda r: None if r.url.startswith((site_server, "data:")) else outside.append(r.url),
    )
    yield page
    page.close()
    assert outside == [], f"the site fetched from outside localhost: {outside[:5]}"


def test_the_site_has_every_lesson_and_the_reader_features(built_site: Path) -> None:
    for lesson in LESSON_PAGES:
        assert (built_site / lesson).is_file()
    first = (built_site / LESSON_PAGES[0]).read_text()
    assert "_sources/notebooks/01_load_mnist.ipynb" in first  # download as notebook
    assert "_sources/notebooks/01_load_mnist.md" in first  # download as MyST source
    for service in ("mybinder.org", "colab.research.google.com", "hub.example.org"):
        assert service in first, f"no launch button for {service}"
    assert (built_site / "_sources" / "notebooks" / "01_load_mnist.ipynb").is_file()
    assert "tag_hide-cell" in first  # solutions folded away, their outputs with them
    assert (built_site / "search.html").is_file()


@pytest.mark.browser
@pytest.mark.parametrize("number", range(len(LESSON_PAGES)), ids=lambda n: LESSON_PAGES[n])
def test_lesson_page_in_a_browser(page: Page, site_server: str, number: int) -> None:
    page.goto(f"{site_server}/{LESSON_PAGES[number]}", wait_until="load")
    heading = page.locator("h1").first.inner_text()
    assert heading.startswith(f"Lesson {number + 1}:"), heading
    assert page.title().startswith(f"Lesson {number + 1}:")
    images = page.evaluate(
        "Array.from(document.images).map(i => [i.currentSrc, i.complete, i.naturalWidth, i.alt])"
    )
    figures = [image for image in images if "_images/" in image[0]]
    lesson_source = project.lessons()[number].read_text()
    assert len(figures) >= ("plotting.plot_" in lesson_source), "no figures on the page"
    for source, complete, width, alt in figures:
        assert complete and width > 0, f"image did not load: {source}"
        assert alt, f"image without alt text: {source}"
    outputs = " ".join(page.locator(".cell_output").all_inner_texts())
    assert "Traceback" not in outputs
    assert page.locator(".cell_output .traceback, .output.traceback").count() == 0
    answered = answer_a_quiz_question(page, page.locator("main"))
    assert "Right." in answered and len(answered) > 100, answered  # the option and its why
    if number == 0:
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT), full_page=False)
    if number + 1 < len(LESSON_PAGES):
        page.locator("a.right-next").first.click()
        page.wait_for_load_state("load")
        assert page.url.endswith(LESSON_PAGES[number + 1])


@pytest.mark.browser
def test_lesson_8_page_reads_a_drawing_without_a_kernel(page: Page, site_server: str) -> None:
    """The site's drawing pad: the seed network lesson 4 trained, run in the browser."""
    page.goto(f"{site_server}/notebooks/08_your_handwriting.html", wait_until="load")
    pad = page.locator(".course-drawing-pad[data-ready='true']")
    pad.wait_for(timeout=20_000)
    canvas = pad.locator("canvas.course-pad-canvas")
    for shape, digit in (("one", 1), ("zero", 0)):
        pad.get_by_role("button", name="Clear the drawing pad").click()
        draw_with_mouse(page, canvas, shape)
        seconds = expect_prediction(page, pad, digit)
        print(f"site: drew a {shape}, the browser read {digit} after {seconds:.2f} s")
        assert seconds < 1.0
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "book-lesson-8-drawing-pad.png"))


@pytest.mark.browser
def test_search_finds_convolution(page: Page, site_server: str) -> None:
    page.goto(f"{site_server}/search.html?q=convolution", wait_until="load")
    results = page.locator("#search-results li")
    results.first.wait_for(timeout=20_000)
    assert results.count() >= 3
    assert any("Lesson 3" in text for text in results.all_inner_texts())


@pytest.mark.parametrize("lesson", project.lessons(suffix=".ipynb"), ids=lambda path: path.stem)
def test_launch_buttons_open_this_lessons_notebook(built_site: Path, lesson: Path) -> None:
    """Colab, Binder and the JupyterHub (nbgitpuller) open the lesson's .ipynb on the
    configured branch of the repository the install cell installs from; the file is there."""
    config = install_cell.book_config()["repository"]
    url, branch = config["url"].rstrip("/"), config["branch"]
    owner_repo = url.removeprefix("https://github.com/")
    notebook = f"notebooks/{lesson.name}"
    page = html.unescape((built_site / f"notebooks/{lesson.stem}.html").read_text())
    links = set(re.findall(r'href="([^"]+)"', page))
    expected = {
        "Colab": f"https://colab.research.google.com/github/{owner_repo}/blob/{branch}/{notebook}",
        "Binder": f"https://mybinder.org/v2/gh/{owner_repo}/{branch}?urlpath=lab/tree/{notebook}",
    }
    for door, link in expected.items():
        assert link in links, f"no {door} button for {notebook}: {sorted(links)[:20]}"
    (hub,) = [link for link in links if "/hub/user-redirect/git-pull?" in link]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(hub).query)
    assert query["repo"] == [url] and query["branch"] == [branch]
    assert query["urlpath"] == [f"lab/tree/{owner_repo.split('/')[1]}/{notebook}"]
    assert url in links  # the repository button: the address the install cell uses
    # The notebook that Colab opens installs the helpers from the commit it was opened from.
    first_cell = next(c for c in jupytext.read(lesson).cells if c.cell_type == "code").source
    (installed,) = re.findall(r'release = "git\+([^"@]+)@([^"]+)"', first_cell)
    (colab,) = [link for link in links if link.startswith("https://colab.research.google.com")]
    assert installed == (url, colab.split("/blob/")[1].split("/")[0]) == (url, branch)
    tracked = subprocess.run(
        ["git", "ls-files", "--error-unmatch", notebook], cwd=PROJECT_ROOT, capture_output=True
    )
    assert tracked.returncode == 0, f"{notebook} is not in the repository"
