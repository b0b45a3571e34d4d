"""The course's JupyterHub configuration (hub/config.yaml, Zero to JupyterHub's Helm values):
each student's memory covers a lesson's kernel and the server, guarantees stay within limits,
idle servers are stopped, students land in JupyterLab, and the hub pulls the image that
.github/workflows/image.yml pushes. Each check is also run on a broken copy, to show it fails."""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Callable

from course_utils.project import (
    FULL_COURSE_PEAK_MIB,
    PROJECT_ROOT,
    SERVER_OVERHEAD_MIB,
    STUDENT_WRITES_MIB,
)

import pytest
import yaml

pytestmark = pytest.mark.newest

CONFIG = yaml.safe_load((PROJECT_ROOT / "hub" / "config.yaml").read_text())
WORKFLOW = yaml.safe_load((PROJECT_ROOT / ".github" / "workflows" / "image.yml").read_text())
VERSION = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]["version"]
#: Z2JH's memory units (JupyterHub's ByteSpecification): powers of 1024, one letter.
UNITS = {"K": 1 / 1024, "M": 1, "G": 1024, "T": 1024 * 1024}
#: How far above the budget and the server a limit may go before it wastes the node's memory.
HEADROOM_MIB = 1024
#: Kubernetes quantities (ephemeral storage is passed to the pod as written): powers of 1024.
KUBERNETES_UNITS = {"Ki": 1 / 1024, "Mi": 1, "Gi": 1024, "Ti": 1024 * 1024}
#: The most disk a student may hold outside the volume: more would let one fill a node.
DISK_LIMIT_MAX_MIB = 4 * 1024


def mebibytes(value: int | float | str) -> float:
    """A Z2JH memory value in MiB: a number of bytes, or a number with K, M, G or T."""
    if isinstance(value, int | float):
        return value / 2**20
    text = str(value).strip()
    if text.isdigit():
        return int(text) / 2**20
    if text[-1:] not in UNITS:
        raise ValueError(f"{value!r} is not a Z2JH memory value (a number and K, M, G or T)")
    return float(text[:-1]) * UNITS[text[-1]]


def kubernetes_mebibytes(value: str) -> float:
    """A Kubernetes quantity with a binary unit (Mi, Gi, ...) in MiB."""
    text = str(value).strip()
    if text[-2:] not in KUBERNETES_UNITS or not text[:-2].replace(".", "", 1).isdigit():
        raise ValueError(f"{value!r} is not a Kubernetes quantity with Ki, Mi, Gi or Ti")
    return float(text[:-2]) * KUBERNETES_UNITS[text[-2:]]


def pushed_image() -> str:
    """The image name the workflow pushes: its registry and image name."""
    (step,) = [
        step
        for step in WORKFLOW["jobs"]["image"]["steps"]
        if step.get("uses", "").startswith("jupyterhub/repo2docker-action@")
    ]
    return f"{step['with']['DOCKER_REGISTRY']}/{step['with']['IMAGE_NAME']}"


def problems(config: dict) -> list[str]:
    """What is wrong with a hub configuration, in words; empty when nothing is."""
    found = []
    user = config["singleuser"]
    limit, guarantee = (mebibytes(user["memory"][key]) for key in ("limit", "guarantee"))
    needed = FULL_COURSE_PEAK_MIB + SERVER_OVERHEAD_MIB
    if limit < needed:
        found.append(
            f"memory limit {limit:g} MiB is below the full course's peak + server ({needed})"
        )
    if limit > needed + HEADROOM_MIB:
        found.append(f"memory limit {limit:g} MiB is over {HEADROOM_MIB} MiB above {needed}")
    if not 0 < guarantee <= limit:
        found.append(f"memory guarantee {guarantee:g} MiB is not within the limit {limit:g}")
    extra = user.get("extraResource", {})
    disk = [extra.get(kind, {}).get("ephemeral-storage") for kind in ("guarantees", "limits")]
    if None in disk:
        found.append("no ephemeral-storage guarantee and limit (singleuser.extraResource)")
    else:
        disk_guarantee, disk_limit = map(kubernetes_mebibytes, disk)
        if not STUDENT_WRITES_MIB <= disk_guarantee <= disk_limit <= DISK_LIMIT_MAX_MIB:
            found.append(
                f"ephemeral-storage guarantee {disk_guarantee:g} MiB and limit {disk_limit:g} "
                f"MiB are not within what a student writes ({STUDENT_WRITES_MIB} MiB) and "
                f"{DISK_LIMIT_MAX_MIB} MiB"
            )
    cpu_limit, cpu_guarantee = (float(user["cpu"][key]) for key in ("limit", "guarantee"))
    if not 0 < cpu_guarantee <= cpu_limit:
        found.append(f"cpu guarantee {cpu_guarantee:g} is not within the limit {cpu_limit:g}")
    cull = config.get("cull", {})
    if cull.get("enabled") is not True or not int(cull.get("timeout") or 0) > 0:
        found.append("idle culling is not enabled with a timeout")
    if user.get("defaultUrl") != "/lab":
        found.append(f"defaultUrl is {user.get('defaultUrl')!r}, not '/lab'")
    if user["image"]["name"] != pushed_image():
        found.append(f"image {user['image']['name']} is not {pushed_image()}, what CI pushes")
    if str(user["image"]["tag"]) != f"v{VERSION}":
        found.append(f"image tag {user['image']['tag']} is not the release's, v{VERSION}")
    return found


def test_the_hub_configuration_holds_together() -> None:
    assert problems(CONFIG) == []


def change(path: str, value: object) -> Callable[[dict], None]:
    """A change to a copy of the configuration: set the value at a dotted path."""

    def apply(config: dict) -> None:
        *parents, key = path.split(".")
        for parent in parents:
            config = config[parent]
        config[key] = value

    return apply


@pytest.mark.parametrize(
    ("broken", "expected"),
    [
        (change("singleuser.memory.limit", f"{FULL_COURSE_PEAK_MIB}M"), "below the full course"),
        (change("singleuser.memory.limit", "4G"), "above"),
        (change("singleuser.memory.guarantee", "4G"), "memory guarantee"),
        (change("singleuser.cpu.guarantee", 4), "cpu guarantee"),
        (change("cull.enabled", False), "culling"),
        (change("cull.timeout", 0), "culling"),
        (change("singleuser.defaultUrl", "/tree"), "defaultUrl"),
        (change("singleuser.image.name", "jupyter/scipy-notebook"), "what CI pushes"),
        (change("singleuser.image.tag", "latest"), "release"),
        (change("singleuser.extraResource", {}), "no ephemeral-storage"),
        (change("singleuser.extraResource.limits.ephemeral-storage", "16Gi"), "ephemeral"),
        (change("singleuser.extraResource.guarantees.ephemeral-storage", "16Mi"), "ephemeral"),
    ],
    ids=["limit-low", "limit-high", "guarantee", "cpu", "cull-off", "no-timeout", "url", "image",
         "tag", "no-disk", "disk-high", "disk-low"],
)  # fmt: skip
def test_each_check_fails_a_broken_configuration(
    broken: Callable[[dict], None], expected: str
) -> None:
    config = copy.deepcopy(CONFIG)
    broken(config)
    found = problems(config)
    assert len(found) == 1 and expected in found[0], found


@pytest.mark.parametrize(
    ("value", "mib"), [("2G", 2048), ("1536M", 1536), ("1.5G", 1536), (2**30, 1024), ("512K", 0.5)]
)
def test_memory_values_are_read_in_z2jh_units(value: int | str, mib: float) -> None:
    assert mebibytes(value) == mib


def test_a_kubernetes_unit_is_not_a_z2jh_one() -> None:
    """Kubernetes writes 2Gi; Z2JH's chart wants 2G (and means 2 GiB by it)."""
    with pytest.raises(ValueError, match="not a Z2JH memory value"):
        mebibytes("2Gi")
