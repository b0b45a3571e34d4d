"""uv gets pip's configuration (course_admin/uv.py): the same indexes, links, certificates and
constraints, so that `make setup` and the test sessions install from where pip would."""

from __future__ import annotations

from course_admin import uv

import pytest

PIP_CONFIG = {
    "extra-index-url": "file:///srv/a/simple file:///srv/b/simple",
    "find-links": "/srv/wheels /srv/more",
    "constraint": "/etc/constraints.txt",
    "cert": "/etc/ca.crt",
}


def test_pip_settings_reach_uv_through_its_own_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(uv, "pip_settings", lambda: dict(PIP_CONFIG))
    monkeypatch.setattr(uv.shutil, "which", lambda name, **_: None)  # no pyenv here
    environ: dict[str, str] = {}
    uv.configure_uv(environ)
    assert environ["UV_EXTRA_INDEX_URL"] == PIP_CONFIG["extra-index-url"]
    assert environ["UV_FIND_LINKS"] == "/srv/wheels,/srv/more"  # uv separates them by commas
    assert environ["UV_CONSTRAINT"] == "/etc/constraints.txt"
    assert environ["SSL_CERT_FILE"] == "/etc/ca.crt"
    assert environ["UV_INDEX_STRATEGY"] == "unsafe-best-match"
    assert environ["UV_PYTHON_DOWNLOADS"] == "never"
    assert "UV_INDEX_URL" not in environ  # pip has none set: uv keeps its default


def test_a_pip_variable_beats_pips_files_and_a_uv_variable_beats_both(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(uv, "pip_settings", lambda: dict(PIP_CONFIG))
    monkeypatch.setattr(uv.shutil, "which", lambda name, **_: None)
    environ = {"PIP_CERT": "/home/me/ca.crt", "UV_CONSTRAINT": "/home/me/mine.txt"}
    uv.configure_uv(environ)
    assert environ["SSL_CERT_FILE"] == "/home/me/ca.crt"
    assert environ["UV_CONSTRAINT"] == "/home/me/mine.txt"


def test_pyenvs_pythons_are_all_made_findable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(uv, "pip_settings", dict)
    monkeypatch.setattr(uv.shutil, "which", lambda name, **_: "/usr/bin/pyenv")

    class Listed:
        stdout = "3.11.7\n3.12.1\n3.13.0\n"

    monkeypatch.setattr(uv.subprocess, "run", lambda *args, **kwargs: Listed())
    environ: dict[str, str] = {}
    uv.configure_uv(environ)
    assert environ["PYENV_VERSION"] == "3.11.7:3.12.1:3.13.0"
