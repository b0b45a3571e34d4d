"""The lock of the course's image and of Binder: ``requirements-image.txt``, every Python
package that ``environment.yml`` installs there, each at one version with its sha256 hashes,
so that one commit builds the same environment next month.

uv resolves it from ``pyproject.toml`` (the dependencies, the extras lab and hub, and the
build requirements, as postBuild installs the course without build isolation) for
``environment.yml``'s Python on Linux x86_64, from the primary index alone: the one the
image's pip reads (an extra index or a folder of local wheels may hold files that it does
not serve). The file's header records a hash of those inputs, so a check needs no network.

    python -m course_admin.lock              # `make lock`: resolve again, keep the pins that fit
    python -m course_admin.lock --upgrade    # `make lock UPGRADE=1`: the newest of everything
    python -m course_admin.lock --check      # is the lock in step with its inputs?
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

from course_admin.uv import configure_uv
from course_utils.project import PROJECT_ROOT, atomic_write

import yaml
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

LOCK = PROJECT_ROOT / "requirements-image.txt"
EXTRAS = ("lab", "hub")
#: Linux x86_64 with glibc 2.28 or newer (repo2docker's Ubuntu 24.04 has 2.39). The hashes
#: cover every file of each pinned release; the platform decides which releases fit.
PLATFORM = "x86_64-manylinux_2_28"
#: uv's settings (from pip's, course_admin/uv.py) that would read more than the primary index
#: or bend the resolution to this machine: the lock takes none of them.
NOT_FOR_THE_LOCK = ("UV_EXTRA_INDEX_URL", "UV_FIND_LINKS", "UV_CONSTRAINT")
HASH_LINE = "# inputs-sha256: "


def environment_python(environment: dict) -> str:
    """environment.yml's Python: "3.12" from ``python=3.12``."""
    (spec,) = [
        item
        for item in environment["dependencies"]
        if isinstance(item, str) and re.match(r"python\s*=", item)
    ]
    version = spec.split("=")[-1].strip()
    if not re.fullmatch(r"3\.\d+", version):
        raise ValueError(f"environment.yml names Python {version!r}: write one like python=3.12")
    return version


def read_inputs() -> tuple[dict, dict]:
    """pyproject.toml and environment.yml, parsed."""
    pyproject = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())
    environment = yaml.safe_load((PROJECT_ROOT / "environment.yml").read_text())
    return pyproject, environment


def inputs(pyproject: dict, environment: dict) -> dict:
    """What the lock is resolved from (each list sorted: an order is no change)."""
    project = pyproject["project"]
    return {
        "dependencies": sorted(project["dependencies"]),
        "extras": {name: sorted(project["optional-dependencies"][name]) for name in EXTRAS},
        "build-requires": sorted(pyproject["build-system"]["requires"]),
        "python": environment_python(environment),
        "platform": PLATFORM,
    }


def inputs_hash(pyproject: dict, environment: dict) -> str:
    """The sha256 of the inputs, as the lock's header records it."""
    text = json.dumps(inputs(pyproject, environment), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def header(digest: str, python: str, uv_version: str) -> str:
    """The lock's first lines: what it is, how it was made, the hash of its inputs."""
    return (
        "# The Python packages of the course's image and of Binder, each at one version with\n"
        "# its sha256 hashes: environment.yml installs them with --require-hashes, then\n"
        "# postBuild installs the course itself (--no-deps). Written by `make lock`\n"
        "# (course_admin/lock.py): uv resolved pyproject.toml's dependencies, its extras\n"
        f"# {' and '.join(EXTRAS)} and its build requirements for Python {python}"
        " (environment.yml's) on\n"
        "# Linux x86_64, from the primary index. Do not edit it by hand: tests/test_lock.py\n"
        "# fails when those inputs changed since it was written.\n"
        f"{HASH_LINE}{digest}\n"
        f"# resolved by {uv_version}\n"
    )


def recorded_hash(text: str) -> str | None:
    """The inputs' hash that a lock's header records."""
    found = re.search(rf"^{re.escape(HASH_LINE)}([0-9a-f]{{64}})$", text, flags=re.M)
    return found.group(1) if found else None


def pins(text: str) -> dict[str, tuple[str, int]]:
    """The lock's requirements: canonical name -> (pinned version, number of hashes). A line
    that is not ``name==version`` with at least one hash raises ValueError."""
    joined = re.sub(r"\\\n", " ", text)  # continued lines joined
    found = {}
    for line in joined.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):  # uv's `# via` lines
            continue
        hashes = re.findall(r"--hash=sha256:[0-9a-f]{64}", line)
        requirement = Requirement(re.sub(r"\s*--hash=\S+", "", line))  # else ValueError
        specifiers = list(requirement.specifier)
        if len(specifiers) != 1 or specifiers[0].operator != "==" or not hashes:
            raise ValueError(f"not a pinned, hashed requirement: {line[:80]}")
        found[canonicalize_name(requirement.name)] = (specifiers[0].version, len(hashes))
    return found


def problems(text: str, pyproject: dict, environment: dict) -> list[str]:
    """What is out of step between a lock's text and its inputs; empty when in step."""
    digest = inputs_hash(pyproject, environment)
    if recorded_hash(text) != digest:
        return [
            f"{LOCK.name} was written for other inputs: pyproject.toml's dependencies, its "
            f"extras {', '.join(EXTRAS)} or its build requirements, or environment.yml's "
            "Python, changed since. Run `make lock` and commit the file."
        ]
    try:
        pinned = pins(text)
    except ValueError as error:
        return [f"{LOCK.name}: {error}. Run `make lock`."]
    target = default_environment() | {
        "python_version": environment_python(environment),
        "python_full_version": environment_python(environment) + ".0",
        "sys_platform": "linux",
        "platform_system": "Linux",
        "platform_machine": "x86_64",
        "os_name": "posix",
    }
    wanted = inputs(pyproject, environment)
    direct = wanted["dependencies"] + wanted["build-requires"]
    direct += [line for extra in EXTRAS for line in wanted["extras"][extra]]
    found = []
    for line in direct:
        requirement = Requirement(line)
        if requirement.marker and not requirement.marker.evaluate(target):
            continue
        name = canonicalize_name(requirement.name)
        if name not in pinned:
            found.append(f"{LOCK.name} has no {name}. Run `make lock`.")
        elif not requirement.specifier.contains(pinned[name][0], prereleases=True):
            found.append(f"{LOCK.name} pins {name} {pinned[name][0]}, outside {line!r}.")
    return found


def uv_command() -> list[str]:
    """uv, the one installed beside this Python."""
    uv = shutil.which("uv", path=os.path.dirname(sys.executable)) or shutil.which("uv")
    if uv is None:
        raise SystemExit("error: uv is not installed here: python -m pip install uv")
    return [uv]


def resolve(python: str, build_requires: list[str], upgrade: bool) -> str:
    """uv's lock for ``python``: the requirements with their hashes, without a header. The
    pins of the current lock are kept where they still fit, unless ``upgrade``."""
    environ = dict(os.environ)
    configure_uv(environ)  # pip's index (a mirror of PyPI, say) and certificates
    for name in NOT_FOR_THE_LOCK:
        environ.pop(name, None)
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / LOCK.name
        if LOCK.exists() and not upgrade:
            shutil.copyfile(LOCK, output)  # uv keeps the pins it finds there
        command = [
            *uv_command(), "pip", "compile", "--no-config", "--quiet",
            "pyproject.toml", "-",  # the build requirements come on stdin
            *(f"--extra={extra}" for extra in EXTRAS),
            "--generate-hashes", "--no-header",
            f"--python-version={python}", f"--python-platform={PLATFORM}",
            f"--output-file={output}",
            *(["--upgrade"] if upgrade else []),
        ]  # fmt: skip
        subprocess.run(
            command, input="\n".join(build_requires) + "\n", text=True, check=True,
            cwd=PROJECT_ROOT, env=environ,
        )  # fmt: skip
        return output.read_text()


def write_lock(upgrade: bool = False) -> Path:
    """Resolve the lock again and write it, with its header, whole or not at all."""
    pyproject, environment = read_inputs()
    wanted = inputs(pyproject, environment)
    body = resolve(wanted["python"], wanted["build-requires"], upgrade)
    version = subprocess.run([*uv_command(), "--version"], capture_output=True, text=True)
    text = header(
        inputs_hash(pyproject, environment), wanted["python"], version.stdout.split(" (")[0]
    )
    text += "\n" + body
    found = problems(text, pyproject, environment)  # uv's answer, checked as the tests do
    if found:
        raise SystemExit("\n".join(found))
    with atomic_write(LOCK) as part:
        part.write_text(text)
    return LOCK


def main(arguments: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="check the lock; resolve nothing")
    parser.add_argument("--upgrade", action="store_true", help="the newest release of each")
    options = parser.parse_args(arguments)
    if options.check:
        found = problems(LOCK.read_text(), *read_inputs()) if LOCK.exists() else ["no lock"]
        print("\n".join(found) or f"{LOCK.name} is in step with its inputs")
        return 1 if found else 0
    print(f"wrote {write_lock(options.upgrade).relative_to(PROJECT_ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
