"""Two packages, two jobs, and the dependency one way: ``course_utils`` is what the lessons
import (and all the wheel holds), ``course_admin`` the tools that run, check, build and
publish the course. The tools import the lessons' helpers, never the reverse. Importing
``course_utils`` starts nothing; its modules that use Keras import ``course_utils.startup``
first, and those that do not (``project``, ``paths``, ``results``, the facts the tools share)
start no framework, so the tools import them without starting TensorFlow."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import tomllib
from pathlib import Path

from course_utils.project import PROJECT_ROOT

import pytest

HEAVY = ("tensorflow", "keras", "jax", "torch")
#: The modules of course_utils that start no framework: what the tools import at the top.
FRAMEWORK_FREE = (
    "course_utils",
    "course_utils.backend",
    "course_utils.paths",
    "course_utils.project",
    "course_utils.results",
)
#: The modules that start Keras themselves: startup and its workarounds, and devices, which
#: settles the backend (JAX for lesson 9) before it imports startup, inside use_jax_devices.
STARTS_KERAS_ITSELF = ("course_utils.startup", "course_utils.workarounds", "course_utils.devices")

# Import every module of course_admin (but the __main__ ones, which would run a command), and
# then course_utils's framework-free ones, in a fresh process, one by one, and name the first
# module that brought in each heavy library.
IMPORT_EVERY_TOOL = f"""
import importlib, json, pkgutil, sys
import course_admin

heavy = {HEAVY!r}
names = [info.name for info in pkgutil.walk_packages(course_admin.__path__, "course_admin.")]
names = [name for name in names if name.rsplit(".", 1)[-1] != "__main__"]
modules, pulled = [], {{}}
for name in ["course_admin", *names, *{FRAMEWORK_FREE!r}]:
    importlib.import_module(name)
    modules.append(name)
    for library in heavy:
        if library in sys.modules and library not in pulled:
            pulled[library] = name
print(json.dumps({{"modules": modules, "pulled": pulled}}))
"""


def test_importing_any_tool_or_the_shared_facts_starts_no_framework() -> None:
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERY_TOOL],
        capture_output=True, text=True, timeout=300, cwd=PROJECT_ROOT, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.splitlines()[-1])
    tools = ("course", "book", "student", "install_cell", "pairs", "lock", "uv", "bench.report")
    expected = {f"course_admin.{name}" for name in tools} | set(FRAMEWORK_FREE)
    assert expected <= set(found["modules"]), found["modules"]
    pulled = ", ".join(f"{library} (by {module})" for library, module in found["pulled"].items())
    assert not found["pulled"], f"importing {pulled}: import it inside the function that needs it"


def course_admin_imports(source: Path) -> list[tuple[int, str]]:
    """Where ``source`` imports from course_admin: (line, module) of each such import."""
    found = []
    for node in ast.walk(ast.parse(source.read_text(), str(source))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
            names = [node.module] if node.module != "course_admin" else names
        else:
            continue
        found += [(node.lineno, name) for name in names if name.split(".")[0] == "course_admin"]
    return found


def test_the_lessons_helpers_import_nothing_from_the_tools() -> None:
    sources = sorted((PROJECT_ROOT / "course_utils").rglob("*.py"))
    assert len(sources) > 5, sources
    wrong = [
        f"{source.relative_to(PROJECT_ROOT)}:{line} imports {module}"
        for source in sources
        for line, module in course_admin_imports(source)
    ]
    assert not wrong, f"course_utils imports nothing from course_admin: {wrong}"


def imported_at_top(source: Path) -> set[str]:
    """The modules ``source`` imports outside any function (``from P import M`` gives P.M)."""
    found = set()
    for node in ast.parse(source.read_text()).body:
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def test_every_helper_that_uses_keras_starts_it_the_course_way() -> None:
    """A module that imports Keras or a backend imports ``course_utils.startup`` first (itself
    or in its package's ``__init__``), so that the lesson's output keeps TensorFlow's start-up
    quiet whichever helper a lesson imports first; the framework-free ones import none."""
    package = PROJECT_ROOT / "course_utils"
    late, heavy_in_shared = [], []
    for source in sorted(package.rglob("*.py")):
        name = ".".join(source.relative_to(PROJECT_ROOT).with_suffix("").parts)
        name = name.removesuffix(".__init__")
        uses = {module.split(".")[0] for module in imported_at_top(source) | lazy_imports(source)}
        if name in FRAMEWORK_FREE:
            heavy_in_shared += [f"{name} imports {library}" for library in uses & set(HEAVY)]
            continue
        if not uses & set(HEAVY) or name in STARTS_KERAS_ITSELF:
            continue
        started = [imported_at_top(source), imported_at_top(source.parent / "__init__.py")]
        if not any("course_utils.startup" in imports for imports in started):
            late.append(name)
    assert not heavy_in_shared, heavy_in_shared
    assert not late, f"import course_utils.startup at the top of {late}"


def lazy_imports(source: Path) -> set[str]:
    """Every module ``source`` imports, in functions too."""
    found = set()
    for node in ast.walk(ast.parse(source.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_the_wheel_holds_what_the_lessons_import_and_nothing_else() -> None:
    pyproject = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())
    packages = pyproject["tool"]["setuptools"]["packages"]
    on_disk = sorted(
        ".".join(folder.relative_to(PROJECT_ROOT).parts)
        for folder in (PROJECT_ROOT / "course_utils").rglob("*")
        if folder.is_dir() and folder.name != "__pycache__"
    )
    assert sorted(packages) == ["course_utils", *on_disk], packages


@pytest.mark.parametrize(
    ("code", "imported"),
    [
        ("from course_admin.course import run_course", ["course_admin.course"]),
        ("from course_admin import student", ["course_admin.student"]),
        ("from course_admin import course, pairs", ["course_admin.course", "course_admin.pairs"]),
        ("import course_admin.book", ["course_admin.book"]),
        ("from course_admin.bench.report import write", ["course_admin.bench.report"]),
        ("def f():\n    from course_admin import pairs", ["course_admin.pairs"]),
        ("from course_utils import data\nimport numpy", []),
        ("from course_utils.project import build_dir", []),
    ],
)
def test_the_import_check_sees_every_form_of_import(
    tmp_path: Path, code: str, imported: list[str]
) -> None:
    """The check above would fail: it finds each way of importing a tool, even in a function."""
    source = tmp_path / "module.py"
    source.write_text(code + "\n")
    assert [module for _, module in course_admin_imports(source)] == imported


def test_the_startup_check_sees_a_helper_that_uses_keras_without_it(tmp_path: Path) -> None:
    """The check above would fail: a module with a lazy ``import keras`` and no startup."""
    source = tmp_path / "module.py"
    source.write_text("import numpy\n\n\ndef f():\n    import keras\n")
    assert "keras" in {name.split(".")[0] for name in lazy_imports(source)}
    assert "course_utils.startup" not in imported_at_top(source)
    source.write_text("from course_utils import startup\n")
    assert "course_utils.startup" in imported_at_top(source)
