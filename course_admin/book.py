"""Build the course's Jupyter Book site (``make book``).

The book's root is the repository and its configuration lives in ``book/``, so the lessons
are read straight from ``notebooks/*.md``. Every lesson is executed during the build (with
an execution cache), and the build is strict: a cell that raises, or any Sphinx warning,
makes it fail. Before the build, ``make book`` runs each lesson that the execution cache
lacks itself, with the same progress in the terminal as ``make course`` (cell by cell, the
epoch lines), and stores it in that cache, where the build then finds it. After the build,
the drawing pad's JavaScript and the seed network's weights are copied into the site for
lesson 8's page, where the network runs in the browser.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path

from course_admin.course import LessonConsole
from course_utils import project
from course_utils.project import PROJECT_ROOT

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


def cache_dir(output: Path = BOOK_DIR) -> Path:
    """The execution cache of a book built under ``output`` (myst-nb's default place)."""
    return output / "_build" / ".jupyter_cache"


def cell_timeout(config: Path = BOOK_DIR / "_config.yml") -> int | None:
    """The book's time limit per cell, in seconds (``execute: timeout:``), if it sets one."""
    import yaml

    settings = yaml.safe_load(config.read_text()) or {}
    return (settings.get("execute") or {}).get("timeout")


def read_lesson(source: Path):
    """A lesson's MyST source as the notebook that myst-nb builds from it."""
    from myst_nb.core.read import read_myst_markdown_notebook

    return read_myst_markdown_notebook(source.read_text(), add_source_map=True, path=str(source))


def run_cells(notebook, folder: Path, timeout: int | None, console: LessonConsole) -> None:
    """Execute ``notebook`` in ``folder`` as myst-nb does (nbclient, errors stop it), telling
    ``console`` about each code cell and each line the cells print."""
    from nbclient import NotebookClient

    code = [index for index, cell in enumerate(notebook.cells) if cell.cell_type == "code"]

    def cell_started(cell, cell_index: int) -> None:
        if cell_index in code:
            console.cell_started(code.index(cell_index) + 1, len(code))

    class StreamingClient(NotebookClient):
        def process_message(self, msg, cell, cell_index):
            output = super().process_message(msg, cell, cell_index)
            if output is not None and output.get("output_type") == "stream":
                console.write(output.text)
            return output

    StreamingClient(
        notebook, resources={"metadata": {"path": str(folder)}}, timeout=timeout,
        allow_errors=False, record_timing=False,  # timings in the cells would change the
        on_cell_start=cell_started,               # notebook's hash in the cache
        extra_arguments=["--log-level=ERROR"],    # no kernel start-up notices
    ).execute()  # fmt: skip


def execute_lessons(
    output: Path = BOOK_DIR,
    lessons: list[Path] | None = None,
    timeout: int | None = None,
) -> bool:
    """Run every lesson (MyST source) that the book's execution cache lacks, with live
    progress, and store it in the cache. Returns False, after saying why, if one failed."""
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    sources = lessons or project.lessons()
    cache = get_cache(str(cache_dir(output)))
    for number, source in enumerate(sources, start=1):
        label = f"[{number}/{len(sources)}] {source.stem}"
        notebook = read_lesson(source)
        with suppress(KeyError):
            if cache.match_cache_notebook(notebook) is not None:
                print(f"{label}: unchanged since its last run, taken from the cache", flush=True)
                continue
        print(f"{label}: not in the cache, running it", flush=True)
        stage = cache.add_nb_to_project(
            str(source.resolve()), read_data={"type": "plugin", "name": "myst_nb_md"}
        )
        started = time.perf_counter()
        try:
            with LessonConsole(label) as console:
                run_cells(notebook, source.parent, timeout, console)
        except (CellExecutionError, CellTimeoutError) as failure:
            name = getattr(failure, "ename", type(failure).__name__)
            print(f"error: {label} failed: {name}: {getattr(failure, 'evalue', failure)}",
                  file=sys.stderr)  # fmt: skip
            return False
        seconds = time.perf_counter() - started
        cache.cache_notebook_bundle(
            CacheBundleIn(notebook, stage.uri, data={"execution_seconds": seconds}),
            check_validity=False,
            overwrite=True,
        )
        print(f"{label} done in {seconds:.1f} s, stored in the book's cache", flush=True)
    return True


def main(argv: list[str] | None = None) -> int:
    """Command line: run the lessons the cache lacks (with progress), build the site, report
    the time and where the HTML is."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=BOOK_DIR, help="build under OUTPUT/_build")
    parser.add_argument("--all", action="store_true", help="rebuild every page")
    arguments = parser.parse_args(argv)
    started = time.perf_counter()
    if not execute_lessons(arguments.output, timeout=cell_timeout()):
        print("error: the book was not built: fix the lesson above first", file=sys.stderr)
        return 1
    print("Building the site from the executed lessons ...", flush=True)
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
