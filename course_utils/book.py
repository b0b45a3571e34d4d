"""Build the course's Jupyter Book site (``make book``).

The book's root is the repository and its configuration lives in ``book/``, so the lessons
are read straight from ``notebooks/*.md``. Every lesson is executed during the build (with
an execution cache), and the build is strict: a cell that raises, or any Sphinx warning,
makes it fail. After the build, the drawing pad's JavaScript and the seed network's weights
are copied into the site for lesson 8's page, where the network runs in the browser.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from course_utils.paths import PROJECT_ROOT

BOOK_DIR = PROJECT_ROOT / "book"
#: The page that mounts the drawing pad (lesson 8); it needs the files add_drawing_pad writes.
DRAWING_PAGE = "notebooks/08_your_handwriting.html"


def build_book(
    source: Path = PROJECT_ROOT,
    output: Path = BOOK_DIR,
    config: Path = BOOK_DIR / "_config.yml",
    toc: Path = BOOK_DIR / "_toc.yml",
    rebuild_all: bool = False,
) -> subprocess.CompletedProcess:
    """Run ``jupyter-book build`` strictly; the HTML lands in ``output/_build/html``."""
    command = [
        str(Path(sys.executable).parent / "jupyter-book"),
        "build",
        str(source),
        "--config", str(config),
        "--toc", str(toc),
        "--path-output", str(output),
        "--warningiserror",
        "--nitpick",
        "--keep-going",
    ]  # fmt: skip
    if rebuild_all:
        command.append("--all")
    result = subprocess.run(command, cwd=source, check=False)
    html = output / "_build" / "html"
    if result.returncode == 0 and (html / DRAWING_PAGE).is_file():
        add_drawing_pad(html)
    return result


def add_drawing_pad(html: Path) -> Path:
    """Put the drawing pad's browser files and the seed network's weights (the model lesson 4
    trained, trained now if it is missing) into the site's ``_static/drawing``, where the
    handwriting lesson's page loads them."""
    from course_utils import drawing, models
    from course_utils.data import load_prepared

    (x_train, y_train), _ = load_prepared()
    model = models.load_or_train(x_train, y_train)
    folder = drawing.export_site_pad(model, html / "_static" / "drawing")
    print(f"The drawing pad's browser files and network weights are in {folder}")
    return folder


def main(argv: list[str] | None = None) -> int:
    """Command line: build the site, report the time and where the HTML is."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=BOOK_DIR, help="build under OUTPUT/_build")
    parser.add_argument("--all", action="store_true", help="rebuild every page")
    arguments = parser.parse_args(argv)
    started = time.perf_counter()
    result = build_book(output=arguments.output, rebuild_all=arguments.all)
    seconds = time.perf_counter() - started
    index = arguments.output / "_build" / "html" / "index.html"
    if result.returncode != 0:
        print(f"error: the book build failed after {seconds:.0f} s (see above)", file=sys.stderr)
        return result.returncode
    print(f"Built the site in {seconds:.0f} s: open {index}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
