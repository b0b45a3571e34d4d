"""A release is one version, written in pyproject.toml and repeated where others read it:
the citation, the changelog's newest release and the hub's image tag (CONTRIBUTING.md,
"Releasing"). The licences are where the package and the readers find them."""

from __future__ import annotations

import re
import tomllib

from course_utils.project import PROJECT_ROOT

import pytest
import yaml

pytestmark = pytest.mark.newest

PROJECT = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]


def newest_release(changelog: str) -> str:
    """The version of the changelog's newest release heading (`## 1.2.0`), past Unreleased."""
    versions = re.findall(r"^## \[?v?(\d+\.\d+\.\d+)\]?", changelog, flags=re.M)
    if not versions:
        raise ValueError("the changelog has no release heading such as '## 0.1.0'")
    return versions[0]


def test_the_version_is_the_same_everywhere_a_release_names_it() -> None:
    version = PROJECT["version"]
    citation = yaml.safe_load((PROJECT_ROOT / "CITATION.cff").read_text())
    hub = yaml.safe_load((PROJECT_ROOT / "hub" / "config.yaml").read_text())
    assert str(citation["version"]) == version, "CITATION.cff"
    assert newest_release((PROJECT_ROOT / "CHANGELOG.md").read_text()) == version, "CHANGELOG"
    assert str(hub["singleuser"]["image"]["tag"]) == f"v{version}", "hub/config.yaml"


def test_the_newest_release_is_read_past_unreleased() -> None:
    text = "# Changelog\n\n## Unreleased\n\n- x\n\n## 0.2.0\n\n- y\n\n## [0.1.0] - 2026-01-01\n"
    assert newest_release(text) == "0.2.0"
    with pytest.raises(ValueError, match="no release heading"):
        newest_release("# Changelog\n\n## Unreleased\n")


def test_the_licences_are_shipped_and_named() -> None:
    assert "MIT License" in (PROJECT_ROOT / "LICENSE").read_text()
    assert PROJECT["license"] == "MIT" and "LICENSE" in PROJECT["license-files"]
    content = (PROJECT_ROOT / "LICENSE-CONTENT.md").read_text()
    assert "CC BY 4.0" in content and "creativecommons.org/licenses/by/4.0" in content
    citation = yaml.safe_load((PROJECT_ROOT / "CITATION.cff").read_text())
    assert citation["cff-version"] == "1.2.0" and citation["license"] == ["MIT", "CC-BY-4.0"]
