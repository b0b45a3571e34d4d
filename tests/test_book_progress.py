"""`make book` shows its progress: it runs each lesson the book's execution cache lacks
itself, cell by cell with the cells' printed lines, and the build then takes the lesson from
that cache instead of running it again in silence."""

from __future__ import annotations

from pathlib import Path

from course_admin import book

import pytest

LESSON = """\
---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3 (ipykernel)
  language: python
  name: python3
---

# A fake lesson

```{code-cell} ipython3
import uuid

print("run", uuid.uuid4().hex)
```

```{code-cell} ipython3
print("Epoch 1/2 - loss 0.5")
print("Epoch 2/2 - loss 0.2")
```
"""

CONFIG = """\
title: A fake course
author: Tests
only_build_toc_files: true
execute:
  execute_notebooks: cache
  timeout: 60
  allow_errors: false
sphinx:
  config:
    intersphinx_mapping: {}
"""


@pytest.fixture
def fake_book(tmp_path: Path) -> Path:
    source = tmp_path / "source"
    (source / "notebooks").mkdir(parents=True)
    (source / "notebooks" / "01_fake.md").write_text(LESSON)
    (source / "_config.yml").write_text(CONFIG)
    (source / "_toc.yml").write_text("format: jb-book\nroot: notebooks/01_fake\n")
    return source


def test_lessons_run_with_progress_and_the_build_takes_them_from_the_cache(
    fake_book: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    lesson, output = fake_book / "notebooks" / "01_fake.md", tmp_path / "output"
    assert book.execute_lessons(output, [lesson], timeout=60)
    printed = capfd.readouterr().out
    assert "[1/1] 01_fake: not in the cache, running it" in printed
    assert "  [1/1] 01_fake: cell 1/2\n" in printed and "  [1/1] 01_fake: cell 2/2\n" in printed
    assert "    | Epoch 1/2 - loss 0.5\n    | Epoch 2/2 - loss 0.2\n" in printed
    assert "[1/1] 01_fake done in" in printed
    (run_id,) = [line.split()[-1] for line in printed.splitlines() if line.startswith("    | run")]

    assert book.execute_lessons(output, [lesson], timeout=60)
    assert "01_fake: unchanged since its last run, taken from the cache" in capfd.readouterr().out

    result = book.build_book(fake_book, output, fake_book / "_config.yml", fake_book / "_toc.yml")
    built = capfd.readouterr().out
    assert result.returncode == 0, built
    assert "Using cached notebook" in built and "Executing notebook" not in built
    page = (output / "_build" / "html" / "notebooks" / "01_fake.html").read_text()
    assert run_id in page, "the site shows the outputs of the run that make book showed"


def test_a_failing_lesson_stops_before_the_build_and_says_which(
    fake_book: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    lesson = fake_book / "notebooks" / "01_fake.md"
    lesson.write_text(LESSON.replace('print("Epoch 2/2 - loss 0.2")', "1 / 0"))
    assert not book.execute_lessons(tmp_path / "output", [lesson], timeout=60)
    captured = capfd.readouterr()
    assert "    | Epoch 1/2 - loss 0.5" in captured.out
    assert "error: [1/1] 01_fake failed: ZeroDivisionError: division by zero" in captured.err


def test_the_cell_time_limit_comes_from_the_books_configuration(fake_book: Path) -> None:
    assert book.cell_timeout(fake_book / "_config.yml") == 60
    assert book.cell_timeout() == book.cell_timeout(book.BOOK_DIR / "_config.yml") > 0
