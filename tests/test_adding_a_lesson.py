"""Adding a lesson is adding one file. The lesson template (tests/lesson_template.md), put
into a temporary copy of the course as the next lesson, is picked up by every tool that
reads the list of lessons (course_utils.project.lessons): the install cell, the course
runner, the student editions, the book's table of contents and the tests that walk the
lessons; and the reference pages' test names each list that still lacks it, the checklist's
last steps (CONTRIBUTING: Adding a lesson)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from course_utils import project
from course_utils.project import PROJECT_ROOT

import pytest
from sphinx.util.matching import patfilter

TEMPLATE = PROJECT_ROOT / "tests" / "lesson_template.md"


@pytest.fixture(scope="module")
def course_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The checkout's tracked files in a temporary folder, with the template added as the
    next lesson, ``NN_new_lesson.md``, and nothing else changed."""
    copy = tmp_path_factory.mktemp("course") / "course"
    tracked = (
        subprocess.run(["git", "ls-files", "-z"], cwd=PROJECT_ROOT, capture_output=True, check=True)
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, tracked):
        if (PROJECT_ROOT / name).is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(PROJECT_ROOT / name, copy / name)
    number = f"{len(project.lessons()) + 1:02d}"
    lesson = TEMPLATE.read_text().replace("NN", str(int(number)))
    (copy / "notebooks" / f"{number}_new_lesson.md").write_text(lesson)
    return copy


def in_copy(copy: Path, *command: str, **environment: str) -> subprocess.CompletedProcess:
    """Run ``python COMMAND`` in the copy, whose own course_utils and course_admin come first."""
    variables = {**os.environ, "PYTHONPATH": str(copy), "COURSE_BUILD_DIR": str(copy / "build")}
    return subprocess.run(
        [sys.executable, *command], cwd=copy, env={**variables, **environment},
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip


LIST_LESSONS = """
import json, course_admin, course_utils
from course_utils import project
print(json.dumps({"helpers": course_utils.__file__, "tools": course_admin.__file__,
                  "sources": [path.stem for path in project.lessons()],
                  "notebooks": [path.stem for path in project.lessons(suffix=".ipynb")]}))
"""


def test_every_tool_picks_up_a_new_lesson(course_copy: Path) -> None:
    new = sorted((course_copy / "notebooks").glob("*_new_lesson.md"))[0]
    # the install cell goes in with one command, which pairs the lesson with its .ipynb
    written = in_copy(course_copy, "-m", "course_admin.install_cell")
    assert written.returncode == 0, written.stderr
    assert "# @title Set-up" in new.read_text() and new.with_suffix(".ipynb").is_file()
    listed = json.loads(in_copy(course_copy, "-c", LIST_LESSONS).stdout)
    assert Path(listed["helpers"]).is_relative_to(course_copy), listed
    assert Path(listed["tools"]).is_relative_to(course_copy), listed
    assert listed["sources"][-1] == listed["notebooks"][-1] == new.stem
    # the book's table of contents takes every numbered lesson
    toc = (course_copy / "book" / "_toc.yml").read_text()
    (pattern,) = [line.split("glob:")[1].strip() for line in toc.splitlines() if "glob:" in line]
    documents = [f"notebooks/{path.stem}" for path in (course_copy / "notebooks").glob("*.md")]
    assert sorted(patfilter(documents, pattern)) == [f"notebooks/{s}" for s in listed["sources"]]
    # the course runner runs it (alone here: `--lessons` names a folder of lessons to run),
    # and its answer cells say "Not yet." before the solutions
    alone = course_copy / "build" / "new"
    alone.mkdir(parents=True)
    shutil.copy(new.with_suffix(".ipynb"), alone)
    ran = in_copy(
        course_copy, "-m", "course_admin.course", "--lessons", str(alone), "--output",
        str(course_copy / "build" / "course"),
    )  # fmt: skip
    assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr[-3000:]
    assert f"{new.stem} done" in ran.stdout
    executed = json.loads((course_copy / "build" / "course" / f"{new.stem}.ipynb").read_text())
    said = [
        "".join(output["data"]["text/plain"])[:8]
        for cell in executed["cells"] if "checks.check_" in "".join(cell["source"])
        for output in cell["outputs"] if "data" in output
    ]  # fmt: skip
    assert said == ["Not yet.", "Correct!"] * 2, said
    # the student edition leaves its solutions out
    editions = course_copy / "build" / "student"
    assert (
        in_copy(course_copy, "-m", "course_admin.student", "--output", str(editions)).returncode
        == 0
    )
    edition = (editions / new.with_suffix(".ipynb").name).read_text()
    assert "# YOUR CODE HERE" in edition and "int(np.sum(labels == 7))" not in edition


def test_the_lesson_tests_walk_the_new_lesson_and_name_the_lists_it_is_missing_from(
    course_copy: Path,
) -> None:
    """The tests that walk the lessons (structure, folded solutions, pairs, prose, further
    reading; not the fast course, which the test above stands for) pass for the template as
    they are; the reference pages' test fails until the
    start page, the README and the instructor's guide list it."""
    (new,) = (course_copy / "notebooks").glob("*_new_lesson.md")
    if not new.with_suffix(".ipynb").exists():  # the install cell and the pair, as above
        assert in_copy(course_copy, "-m", "course_admin.install_cell").returncode == 0
    walked = in_copy(
        course_copy, "-m", "pytest", "-q", "-p", "no:randomly", "-o", "addopts=",
        "tests/test_lessons.py", "tests/test_no_run_numbers_in_prose.py",
        "tests/test_fast_course.py",
        "tests/test_reference_pages.py", "tests/test_quizzes.py", "-k",
        f"({new.stem} and not tensorflow and not jax and not torch) or numbered or every_list",
    )  # fmt: skip
    report = walked.stdout
    summary = report.split("short test summary")[-1]
    failed = [line.split()[1] for line in summary.splitlines() if line.startswith("FAILED")]
    assert failed == ["tests/test_reference_pages.py::test_every_list_of_lessons_has_every_lesson"]
    number = int(new.stem[:2])
    for missing in (
        "book/intro.md lacks **A new lesson**", f"README.md's table lacks {new.stem}",
        f"class plan lacks lesson {number}", f"table of times lacks {new.stem}",
        f"quiz table lacks lesson {number} (3 questions)",
    ):  # fmt: skip
        assert missing in report, report[-3000:]
    passed = int(report.split(" passed")[0].split()[-1])
    assert passed >= 10, report[-3000:]  # the new lesson's own structure tests, and more
