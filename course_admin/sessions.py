"""Run the test sessions of noxfile.py a few at a time, each line prefixed with its session's
name, and end with a table of each session's time, result and CPU seconds: ``make test``
(what CI runs, through ``.ci/run``).

    python -m course_admin.sessions              every default session, two at a time
    python -m course_admin.sessions unit book    only those (``nox --list`` names them)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

from course_utils.project import PROJECT_ROOT

#: Two sessions share the course's two cores; each keeps both busy only part of the time.
DEFAULT_JOBS = 2


@dataclass
class SessionRun:
    """One finished session: its name, wall-clock seconds, CPU seconds (user and system, of
    everything it started) and nox's exit status."""

    name: str
    seconds: float
    cpu_seconds: float
    returncode: int

    def line(self) -> str:
        verdict = "passed" if self.returncode == 0 else "FAILED"
        return f"{self.name:<18} {self.seconds:5.0f} s  {verdict:<6}  CPU {self.cpu_seconds:5.0f} s"


def nox_command(*arguments: str) -> list[str]:
    """nox from the Python running this module (the course's .venv under ``make test``)."""
    return [sys.executable, "-m", "nox", "--noxfile", str(PROJECT_ROOT / "noxfile.py"), *arguments]


def default_sessions() -> list[str]:
    """The sessions ``nox`` runs when none is named, in the order noxfile.py declares them."""
    listed = subprocess.run(
        nox_command("--list", "--json"), capture_output=True, text=True, check=True
    )
    return [entry["session"] for entry in json.loads(listed.stdout)]


def run_session(name: str, lock: threading.Lock) -> SessionRun:
    """Run one nox session, its output prefixed with ``[name]`` line by line as it comes."""
    started = time.monotonic()
    with subprocess.Popen(
        nox_command("--session", name),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
    ) as process:  # fmt: skip
        assert process.stdout is not None
        for line in process.stdout:
            with lock:
                print(f"[{name}] {line}", end="", flush=True)
        # wait4 gives the CPU time of the session and of every process it waited for
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    run = SessionRun(
        name, time.monotonic() - started, usage.ru_utime + usage.ru_stime, process.returncode
    )
    with lock:
        print(f"== {run.line()}", flush=True)
    return run


def run_sessions(names: Sequence[str], jobs: int = DEFAULT_JOBS) -> list[SessionRun]:
    """Run ``names``, ``jobs`` at a time, starting each in order as a slot frees up; return
    their runs in the order named."""
    lock, pending, runs = threading.Lock(), list(names), {}

    def worker() -> None:
        while True:
            with lock:
                if not pending:
                    return
                name = pending.pop(0)
            runs[name] = run_session(name, lock)

    threads = [threading.Thread(target=worker) for _ in range(min(jobs, len(names)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [runs[name] for name in names]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sessions", nargs="*", help="sessions to run (default: noxfile.py's)")
    parser.add_argument("--jobs", type=int, default=DEFAULT_JOBS, help="sessions at a time")
    arguments = parser.parse_args(argv)
    names = arguments.sessions or default_sessions()
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    print(f"== {stamp} on {os.cpu_count()} cores; sessions, {arguments.jobs} at a time: "
          + " ".join(names), flush=True)  # fmt: skip
    started = time.monotonic()
    runs = run_sessions(names, arguments.jobs)
    print(f"== time per session ({arguments.jobs} at a time)")
    for run in runs:
        print(f"   {run.line()}")
    print(f"== all sessions took {time.monotonic() - started:.0f} s", flush=True)
    return 0 if all(run.returncode == 0 for run in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
