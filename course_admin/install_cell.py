"""The first code cell of every lesson: install the course's helpers where they are missing.

A lesson opened on its own (Colab's launch button opens just the ``.ipynb``) has no
``course_utils`` beside it. Its first cell installs the course with pip, from the
repository address and ref set once in ``book/_config.yml`` (``repository: url, branch``):
the same ref the launch buttons open the lesson from, so that the notebook and the helpers
it calls come from one commit. It runs pip only when ``course_utils`` itself is missing
(a missing dependency of an installed course is reported as what it is); pip keeps what is
already installed within the course's ranges (Colab's TensorFlow and Keras). When pip
fails, the student sees one message (what failed, pip's own words, what to do), not a
traceback. The environment variable ``COURSE_PIP_SPEC`` replaces what it installs (a wheel,
a mirror, a fork's branch).

``python -m course_admin.install_cell`` writes the cell into every lesson (after a change of
address, ref or Python range); a test checks that every lesson carries exactly this cell.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib

from course_utils.project import PROJECT_ROOT, lessons

import yaml

MARKER = "COURSE_PIP_SPEC"
CODE_CELL = "```{code-cell} ipython3"
#: Folded at every door, so that a student's first sight of a lesson is its title line, not
#: the installer's code: JupyterLab (and so Binder and a hub) hides the source, Colab shows the
#: ``@title`` line of a form, and the book leaves the cell out (a reader has nothing to install).
OPTIONS = """---
cellView: form
jupyter:
  source_hidden: true
tags: [remove-cell]
---"""


def book_config() -> dict:
    """The Jupyter Book configuration, where the repository address and ref are set."""
    return yaml.safe_load((PROJECT_ROOT / "book" / "_config.yml").read_text())


def repository_ref() -> str:
    """The branch or tag that the launch buttons open and the install cell installs."""
    return str(book_config()["repository"]["branch"])


def pip_spec() -> str:
    """What the cell installs by default: the repository at the launch buttons' ref."""
    url = book_config()["repository"]["url"].rstrip("/")
    return f"git+{url}@{repository_ref()}"


def python_range() -> str:
    """The Pythons the course declares, in words: ">=3.11,<3.14" is "3.11 to 3.13"."""
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    declared = project["requires-python"]
    match = re.fullmatch(r">=3\.(\d+),<3\.(\d+)", declared.replace(" ", ""))
    if match is None:
        raise ValueError(f"requires-python should read '>=3.X,<3.Y', not {declared!r}")
    lowest, above = map(int, match.groups())
    return f"3.{lowest} to 3.{above - 1}"


def cell_source() -> str:
    """The cell's code, the same in every lesson."""
    return f"""\
# @title Set-up: installs the course's helpers if they are missing (on Colab, say)
try:
    import course_utils  # noqa: F401
except ModuleNotFoundError as missing:
    if missing.name != "course_utils":
        raise  # the course is installed, but a package it needs is not
    import os
    import subprocess
    import sys

    release = "{pip_spec()}"
    spec = os.environ.get("{MARKER}") or release
    print("Installing the course's helpers with pip:", spec)
    pip = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", spec], capture_output=True, text=True
    )
    if pip.returncode != 0:

        class InstallFailed(Exception):
            def _render_traceback_(self) -> list[str]:  # Jupyter shows the message alone
                return [str(self)]

        raise InstallFailed(
            f"Could not install the course's helpers: `pip install {{spec}}` failed.\\n"
            f"pip said:\\n{{pip.stderr.strip()[-1500:]}}\\n\\nWhat to do: check that this "
            "runtime is online, then run this cell again. The course runs on Python "
            f"{python_range()} (this is Python {{sys.version.split()[0]}}): on Colab, "
            "Runtime > Change runtime type > Runtime version picks an older runtime. "
            "If you set {MARKER}, check what it names, or unset it to install the course."
        ) from None"""


def _myst_cell() -> str:
    return f"{CODE_CELL}\n{OPTIONS}\n{cell_source()}\n```\n"


def with_install_cell(text: str) -> str:
    """A lesson's MyST text with the install cell as its first code cell (replaced if present)."""
    first = text.index(CODE_CELL)
    end = text.index("```\n", first + len(CODE_CELL)) + len("```\n")
    if MARKER in text[first:end]:
        return text[:first] + _myst_cell() + text[end:]
    return text[:first] + _myst_cell() + "\n" + text[first:]


def first_code_cell(text: str) -> str:
    """The code of a lesson's first code cell (MyST text), without its options."""
    match = re.search(r"```\{code-cell\} ipython3\n(.*?)```\n", text, flags=re.S)
    if match is None:
        raise ValueError("the lesson has no code cell")
    code = re.sub(r"\A---\n.*?\n---\n", "", match.group(1), flags=re.S)  # its options
    lines = code.splitlines()
    while lines and (lines[0].startswith(":") or not lines[0].strip()):
        lines.pop(0)
    return "\n".join(lines).strip()


def main() -> int:
    """Write the cell into every lesson's .md and bring each .ipynb in step."""
    sources = lessons()
    for source in sources:
        source.write_text(with_install_cell(source.read_text()))
    subprocess.run([sys.executable, "-m", "jupytext", "--sync", *map(str, sources)], check=True)
    print(f"The install cell ({pip_spec()}) is the first code cell of {len(sources)} lessons.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
