"""The first code cell of every lesson: install the course's helpers where they are missing.

A lesson opened on its own (Colab's launch button opens just the ``.ipynb``) has no
``course_utils`` beside it. Its first cell installs this package with pip, from the
repository address set once in ``book/_config.yml`` (``repository: url``), at the tag of
this package's version, and only when ``import course_utils`` fails; pip keeps what is
already installed within the course's ranges (Colab's TensorFlow and Keras). The environment
variable ``COURSE_PIP_SPEC`` replaces what it installs (a wheel, a mirror, a fork's branch).

``python -m course_utils.install_cell`` writes the cell into every lesson (after a change of
address or version); a test checks that every lesson carries exactly this cell.
"""

from __future__ import annotations

import re
import subprocess
import sys
from importlib.metadata import version

from course_utils.paths import NOTEBOOK_DIR, PROJECT_ROOT

import yaml

MARKER = "COURSE_PIP_SPEC"
CODE_CELL = "```{code-cell} ipython3"
#: The book hides the cell: a reader of the site has nothing to install.
TAGS = ":tags: [remove-cell]"


def book_config() -> dict:
    """The Jupyter Book configuration, where the repository address is set."""
    return yaml.safe_load((PROJECT_ROOT / "book" / "_config.yml").read_text())


def pip_spec() -> str:
    """What the cell installs by default: the repository at the tag of this version."""
    url = book_config()["repository"]["url"].rstrip("/")
    return f"git+{url}@v{version('cnn-mnist-course')}"


def cell_source() -> str:
    """The cell's code, the same in every lesson."""
    return f"""\
# Colab or any fresh environment: install the course's helpers if they are missing.
try:
    import course_utils  # noqa: F401
except ModuleNotFoundError:
    import os
    import subprocess
    import sys

    release = "{pip_spec()}"
    spec = os.environ.get("{MARKER}") or release
    print("Installing the course's helpers with pip:", spec)
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", spec], check=True)"""


def _myst_cell() -> str:
    return f"{CODE_CELL}\n{TAGS}\n\n{cell_source()}\n```\n"


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
    lines = match.group(1).splitlines()
    while lines and (lines[0].startswith(":") or not lines[0].strip()):
        lines.pop(0)
    return "\n".join(lines).strip()


def main() -> int:
    """Write the cell into every lesson's .md and bring each .ipynb in step."""
    sources = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.md"))
    for source in sources:
        source.write_text(with_install_cell(source.read_text()))
    subprocess.run([sys.executable, "-m", "jupytext", "--sync", *map(str, sources)], check=True)
    print(f"The install cell ({pip_spec()}) is the first code cell of {len(sources)} lessons.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
