"""Every page of the built site passes an axe-core audit for WCAG 2.1 A and AA, in light and
in dark mode, with no violations.

axe-core comes with the axe-playwright-python package (its axe.min.js, injected into the
page: nothing is fetched); the browser is Debian's Chromium (conftest's `browser`); the site
is the one the session builds once (conftest's `built_site` and `site_server`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page

pytestmark = [pytest.mark.book, pytest.mark.browser, pytest.mark.newest]

WCAG_21_A_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: Rules left out of the audit, each with its reason. Empty: nothing is excluded.
EXCLUDED_RULES: dict[str, str] = {}
#: Folders of the built site that hold no pages of the book.
NOT_PAGES = ("_static", "_sources", "_images", "_sphinx_design_static")
#: A file that only sends the browser on to another page (index.html to the introduction).
REDIRECT = 'http-equiv="Refresh"'


def audit(page: Page) -> list[dict]:
    """The axe-core violations of the page that is open, for WCAG 2.1 A and AA."""
    options = {
        "runOnly": {"type": "tag", "values": WCAG_21_A_AA},
        "resultTypes": ["violations"],
        "rules": {rule: {"enabled": False} for rule in EXCLUDED_RULES},
    }
    return Axe().run(page, options=options).response["violations"]


def describe(violations: list[dict]) -> list[str]:
    """One readable line per violated rule: how many elements, and the first one."""
    return [
        f"{rule['id']} ({rule['impact']}) x{len(rule['nodes'])}: {rule['help']}; "
        f"e.g. {rule['nodes'][0]['target']} {rule['nodes'][0].get('failureSummary', '')[:160]}"
        for rule in violations
    ]


def site_pages(built_site: Path) -> list[str]:
    """Every page of the site, as paths relative to its root; redirects are not pages."""
    pages = sorted(
        path.relative_to(built_site).as_posix()
        for path in built_site.rglob("*.html")
        if path.relative_to(built_site).parts[0] not in NOT_PAGES
        and REDIRECT not in path.read_text()
    )
    assert "book/intro.html" in pages and "search.html" in pages and len(pages) >= 10, pages
    return pages


@pytest.fixture
def page_in(browser: Browser) -> Iterator:
    """Open pages in a fresh browser context whose stored colour mode is the one asked."""
    contexts = []

    def open_in(mode: str) -> Page:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        # pydata-sphinx-theme reads the reader's choice from localStorage before painting
        context.add_init_script(
            f"localStorage.setItem('mode', '{mode}'); localStorage.setItem('theme', '{mode}');"
        )
        contexts.append(context)
        return context.new_page()

    yield open_in
    for context in contexts:
        context.close()


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_every_page_passes_axe_core(built_site: Path, site_server: str, page_in, mode: str) -> None:
    page = page_in(mode)
    found: dict[str, list[str]] = {}
    counts: dict[str, int] = {}
    for path in site_pages(built_site):
        page.goto(f"{site_server}/{path}", wait_until="load")
        assert page.evaluate("document.documentElement.dataset.theme") == mode, path
        violations = audit(page)
        counts[path] = sum(len(rule["nodes"]) for rule in violations)
        if violations:
            found[path] = describe(violations)
    print(f"axe-core, {mode} mode, elements in violation per page: {counts}")
    assert found == {}, "\n".join(f"{path}: {lines}" for path, lines in found.items())


def test_the_audit_finds_faint_text(browser: Browser) -> None:
    """The audit can fail: grey on white at 2.3:1 is below the 4.5:1 that AA asks of text."""
    page = browser.new_page()
    page.set_content(
        "<!doctype html><html lang='en'><head><title>Faint</title></head><body><main>"
        "<h1>Faint</h1><p style='color:#aaaaaa;background:#ffffff'>Hard to read.</p>"
        "</main></body></html>"
    )
    violations = audit(page)
    page.close()
    assert [rule["id"] for rule in violations] == ["color-contrast"]
