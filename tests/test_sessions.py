"""`make test` (course_admin/sessions.py): the sessions run a few at a time, every line
prefixed with its session, and a table ends the run with each session's time, result and
CPU seconds; the exit status says whether all passed."""

from __future__ import annotations

import sys

from course_admin import sessions

import pytest

# A stand-in for `nox --session NAME`: prints two lines; "heavy" spends about half a second of
# CPU in a child process (which wait4 must count); "broken" fails.
FAKE_SESSION = """
import subprocess, sys, time
name = sys.argv[-1]
print(f"starting {name}", flush=True)
if name == "heavy":
    burn = "import time; end = time.process_time() + 0.5\\nwhile time.process_time() < end: pass"
    subprocess.run([sys.executable, "-c", burn], check=True)
print(f"done {name}", flush=True)
sys.exit(3 if name == "broken" else 0)
"""


@pytest.fixture
def fake_nox(monkeypatch: pytest.MonkeyPatch) -> None:
    def command(*arguments: str) -> list[str]:
        if arguments[:2] == ("--list", "--json"):
            listing = '[{"session": "first"}, {"session": "second"}]'
            return [sys.executable, "-c", f"print({listing!r})"]
        return [sys.executable, "-c", FAKE_SESSION, *arguments]

    monkeypatch.setattr(sessions, "nox_command", command)


def test_every_line_is_prefixed_and_the_table_ends_the_run(
    fake_nox: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert sessions.main(["--jobs", "2"]) == 0  # no names: the noxfile's default sessions
    printed = capsys.readouterr().out
    assert "[first] starting first" in printed and "[second] done second" in printed
    table = printed.split("== time per session (2 at a time)\n")[1].splitlines()
    assert [line.split()[0] for line in table[:2]] == ["first", "second"]
    assert all("passed" in line for line in table[:2]), table
    assert table[2].startswith("== all sessions took")


def test_a_failing_session_fails_the_run_and_the_others_still_run(
    fake_nox: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert sessions.main(["broken", "first", "--jobs", "1"]) == 1
    printed = capsys.readouterr().out
    assert "[first] done first" in printed
    assert "broken" in printed and "FAILED" in printed


def test_cpu_seconds_count_the_processes_a_session_starts(fake_nox: None) -> None:
    light, heavy = sessions.run_sessions(["first", "heavy"], jobs=2)
    assert light.returncode == heavy.returncode == 0
    assert light.cpu_seconds < 0.4, light
    assert heavy.cpu_seconds >= 0.5, heavy  # the child's half second, not only the parent
