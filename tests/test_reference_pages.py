"""The site's reference pages match the lessons: the glossary has the terms they use, the
start page, the README and the instructor's guide list every lesson (and every exercise with
its self-check), and every lesson ends with a short list of further reading. A new lesson
fails here until each list has it (CONTRIBUTING: Adding a lesson)."""

from __future__ import annotations

import re
from pathlib import Path

from course_utils import project
from course_utils.project import PROJECT_ROOT

import jupytext
import pytest
from test_quizzes import questions as quiz_questions

README = PROJECT_ROOT / "README.md"
INTRO = PROJECT_ROOT / "book" / "intro.md"
GLOSSARY = PROJECT_ROOT / "book" / "glossary.md"
INSTRUCTORS = PROJECT_ROOT / "book" / "instructors.md"

#: Terms the lessons teach or lean on, by their glossary anchors.
LESSON_TERMS = [
    "accuracy", "adam", "batch-normalisation", "bias", "centre-of-mass", "confusion-matrix",
    "cross-entropy", "data-augmentation", "dense-layer", "device-mesh",
    "equivariance-and-invariance", "global-batch", "gradient", "label-smoothing",
    "learning-rate", "learning-rate-schedule", "linear-scaling-rule", "logits", "optimizer",
    "padding", "receptive-field", "relu", "standard-error", "stride", "test-set",
    "test-time-augmentation", "training-set", "validation-set", "warm-up", "weight",
]  # fmt: skip


def anchor(heading: str) -> str:
    """The id the site gives a heading (lower case, words joined by hyphens)."""
    return re.sub(r"[^a-z0-9]+", "-", heading.lower()).strip("-")


def glossary_anchors() -> list[str]:
    return [anchor(heading) for heading in re.findall(r"^## (.+)$", GLOSSARY.read_text(), re.M)]


def test_the_glossary_has_the_terms_the_lessons_use_in_alphabetical_order() -> None:
    anchors = glossary_anchors()
    assert not set(LESSON_TERMS) - set(anchors), set(LESSON_TERMS) - set(anchors)
    assert anchors == sorted(anchors), "the glossary is in alphabetical order"
    assert len(anchors) == len(set(anchors)), "each term once"


def test_the_glossarys_links_to_its_own_entries_resolve() -> None:
    links = re.findall(r"\]\(#([a-z0-9-]+)\)", GLOSSARY.read_text())
    assert links, "the glossary links related entries"
    assert not set(links) - set(glossary_anchors()), set(links) - set(glossary_anchors())


def exercises_and_checks() -> dict[str, set[str]]:
    """Every exercise of every lesson ("4.2") and the self-checks its cells call."""
    found = {}
    for lesson in project.lessons():
        cells = jupytext.read(lesson).cells
        for index, cell in enumerate(cells):
            number = re.search(r"^### Exercise (\d+\.\d+)", cell.source, re.M)
            if cell.cell_type != "markdown" or number is None:
                continue
            checks: set[str] = set()
            for later in cells[index + 1 :]:
                if later.cell_type == "markdown" and "### Exercise" in later.source:
                    break
                if later.cell_type == "code":
                    checks |= set(re.findall(r"checks\.(check_\w+)\(", later.source))
            found[number[1]] = checks
    return found


def test_the_instructors_guide_lists_every_exercise_and_its_self_check() -> None:
    rows = re.findall(
        r"^\| (\d+) \| (\d+\.\d+) [^|]+\| ([^|]+) \|$", INSTRUCTORS.read_text(), flags=re.M
    )
    listed = {number: set(re.findall(r"`(check_\w+)`", checks)) for _, number, checks in rows}
    assert all(number.split(".")[0] == lesson for lesson, number, _ in rows)
    assert listed == exercises_and_checks()


@pytest.mark.parametrize("lesson", project.lessons(), ids=lambda path: path.stem)
def test_every_lesson_ends_with_its_recap_quiz_and_two_or_three_items_of_further_reading(
    lesson: Path,
) -> None:
    text = lesson.read_text()
    headings = re.findall(r"^## (.+)$", text, flags=re.M)
    assert headings[-3:] == ["Recap", "Check your understanding", "Further reading"], headings[-3:]
    reading = text[text.index("## Further reading") :]
    items = re.findall(r"^- (.+?)(?=^- |\Z)", reading, flags=re.M | re.S)
    assert 2 <= len(items) <= 3, items
    for item in items:
        assert re.search(r"\]\(https://[^)\s]+\)", item), item
        assert len(" ".join(item.split())) > 80, f"say why it is worth reading: {item}"


def lesson_titles() -> dict[int, str]:
    """Each lesson's number and title, from its heading (``# Lesson 3: Building the
    network``), without an "(appendix)" mark."""
    titles = {}
    for lesson in project.lessons():
        number, title = re.search(r"^# Lesson (\d+): (.+)$", lesson.read_text(), re.M).groups()
        titles[int(number)] = title.removesuffix(" (appendix)")
    return titles


def unlisted_lessons() -> list[str]:
    """What each list of lessons lacks: the start page, the README's table, the instructor's
    guide's class plan, its table of each lesson's time and memory, and its table of quizzes
    (with each lesson's number of questions)."""
    stems = [lesson.stem for lesson in project.lessons()]
    guide, readme, intro = INSTRUCTORS.read_text(), README.read_text(), INTRO.read_text()
    planned = {int(n) for n in re.findall(r"^\| (\d+) [^|]+\| \d+ min \|", guide, re.M)}
    measured = set(re.findall(r"^\| (\d\d_\w+) \| [\d,]+ \|", guide, re.M))
    quizzes = {
        int(n): int(q) for n, q in re.findall(r"^\| (\d+) \| (\d+) \| [^|]+\|$", guide, re.M)
    }
    missing = []
    for (number, title), stem in zip(lesson_titles().items(), stems, strict=True):
        missing += [f"book/intro.md lacks **{title}**"] * (f"**{title}**" not in intro)
        missing += [f"README.md's table lacks {stem}"] * (f"| {number} `{stem}` |" not in readme)
        missing += [f"the instructor's class plan lacks lesson {number}"] * (number not in planned)
        missing += [f"the instructor's table of times lacks {stem}"] * (stem not in measured)
        asked = len(quiz_questions(jupytext.read(PROJECT_ROOT / "notebooks" / f"{stem}.md")))
        if quizzes.get(number) != asked:
            missing.append(f"the instructor's quiz table lacks lesson {number} ({asked} questions)")
    return missing


def test_every_list_of_lessons_has_every_lesson() -> None:
    assert sorted(lesson_titles()) == list(range(1, len(project.lessons()) + 1))
    missing = unlisted_lessons()
    assert not missing, "add the lesson to each list:\n" + "\n".join(missing)
