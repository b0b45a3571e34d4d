"""uv, the fast installer, with pip's configuration: `make setup` installs the course with it,
and the test sessions (noxfile.py) build their environments with it.

uv ignores pip's configuration, so this hands uv the same indexes, links, certificates and
constraints through uv's own variables (a registry's address is never written in the
repository: it is read from pip here, at run time), and lets uv find the Pythons that pyenv
installed (pyenv's shims answer only for the versions made current). Nothing is downloaded
but packages.

    python -m course_admin.uv pip install -e ".[lab]"     # any uv command
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

#: pip's setting, and the uv variable that carries it.
PIP_TO_UV = {
    "index-url": "UV_INDEX_URL",
    "extra-index-url": "UV_EXTRA_INDEX_URL",
    "find-links": "UV_FIND_LINKS",
    "constraint": "UV_CONSTRAINT",
    "cert": "SSL_CERT_FILE",
}


def pip_settings() -> dict[str, str]:
    """pip's configuration (`pip config list`), by setting name; the last one listed wins."""
    listed = subprocess.run(
        [sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True
    ).stdout
    settings = {}
    for line in listed.splitlines():
        key, _, value = line.partition("=")
        settings[key.rsplit(".", 1)[-1]] = value.strip("'\"")
    return settings


def configure_uv(environ: os._Environ | dict = os.environ) -> None:
    """Set uv's variables in ``environ`` from pip's settings (a PIP_ variable wins over pip's
    files, and a uv variable already set wins over both)."""
    settings = pip_settings()
    for name, variable in PIP_TO_UV.items():
        value = environ.get(f"PIP_{name.upper().replace('-', '_')}") or settings.get(name)
        if value and variable not in environ:
            environ[variable] = value.replace(" ", ",") if name == "find-links" else value
    environ.setdefault("UV_INDEX_STRATEGY", "unsafe-best-match")  # as pip: every index alike
    environ.setdefault("UV_PYTHON_DOWNLOADS", "never")
    if shutil.which("pyenv") and "PYENV_VERSION" not in environ:
        versions = subprocess.run(["pyenv", "versions", "--bare"], capture_output=True, text=True)
        environ["PYENV_VERSION"] = ":".join(versions.stdout.split())


def main(arguments: list[str]) -> int:
    """Run uv (the one installed beside this Python) with ``arguments``."""
    configure_uv()
    uv = shutil.which("uv", path=os.path.dirname(sys.executable)) or shutil.which("uv")
    if uv is None:
        print("error: uv is not installed here: python -m pip install uv", file=sys.stderr)
        return 2
    return subprocess.run([uv, *arguments]).returncode


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
