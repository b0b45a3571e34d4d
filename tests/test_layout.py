"""Two packages, two jobs: ``course_utils`` is what the lessons import, ``course_tools`` the
tools that run, check, build and publish the course. The tools start no TensorFlow (nor
Keras, JAX or PyTorch) until they run, and the lessons' helpers take nothing from the tools
but ``course_tools.project``, the facts both packages share."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

from course_tools.project import PROJECT_ROOT

import pytest

HEAVY = ("tensorflow", "keras", "jax", "torch")
#: The one module of course_tools that course_utils may import.
SHARED = "course_tools.project"

# Import every module of course_tools (but the __main__ ones, which would run a command) in
# a fresh process, one by one, and name the first module that brought in each heavy library.
IMPORT_EVERY_TOOL = f"""
import importlib, json, pkgutil, sys
import course_tools

heavy = {HEAVY!r}
modules, pulled = ["course_tools"], {{}}
for info in pkgutil.walk_packages(course_tools.__path__, "course_tools."):
    if info.name.rsplit(".", 1)[-1] == "__main__":
        continue
    importlib.import_module(info.name)
    modules.append(info.name)
    for name in heavy:
        if name in sys.modules and name not in pulled:
            pulled[name] = info.name
print(json.dumps({{"modules": modules, "pulled": pulled}}))
"""


def test_importing_any_tool_starts_no_tensorflow_keras_jax_or_torch() -> None:
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERY_TOOL],
        capture_output=True, text=True, timeout=300, cwd=PROJECT_ROOT, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.splitlines()[-1])
    tools = ("project", "course", "book", "student", "install_cell", "pairs")
    expected = {f"course_tools.{name}" for name in tools}
    assert expected <= set(found["modules"]), found["modules"]
    pulled = ", ".join(f"{library} (by {module})" for library, module in found["pulled"].items())
    assert not found["pulled"], f"importing course_tools started {pulled}: import it lazily"


def course_tools_imports(source: Path) -> list[tuple[int, str]]:
    """Where ``source`` imports from course_tools: (line, module) of each such import."""
    found = []
    for node in ast.walk(ast.parse(source.read_text(), str(source))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
            names = [node.module] if node.module != "course_tools" else names
        else:
            continue
        found += [(node.lineno, name) for name in names if name.split(".")[0] == "course_tools"]
    return found


def test_the_lessons_helpers_take_only_the_shared_facts_from_the_tools() -> None:
    sources = sorted((PROJECT_ROOT / "course_utils").rglob("*.py"))
    assert len(sources) > 5, sources
    wrong = [
        f"{source.relative_to(PROJECT_ROOT)}:{line} imports {module}"
        for source in sources
        for line, module in course_tools_imports(source)
        if module != SHARED
    ]
    assert not wrong, f"course_utils may import only {SHARED} from course_tools: {wrong}"


@pytest.mark.parametrize(
    ("code", "imported"),
    [
        ("from course_tools.project import build_dir", ["course_tools.project"]),
        ("from course_tools import project", ["course_tools.project"]),
        (
            "from course_tools import course, project",
            ["course_tools.course", "course_tools.project"],
        ),
        ("import course_tools.book", ["course_tools.book"]),
        ("from course_tools.bench.report import write", ["course_tools.bench.report"]),
        ("def f():\n    from course_tools import pairs", ["course_tools.pairs"]),
        ("from course_utils import data\nimport numpy", []),
    ],
)
def test_the_import_check_sees_every_form_of_import(
    tmp_path: Path, code: str, imported: list[str]
) -> None:
    """The check above would fail: it finds each way of importing a tool, even in a function."""
    source = tmp_path / "module.py"
    source.write_text(code + "\n")
    assert [module for _, module in course_tools_imports(source)] == imported
