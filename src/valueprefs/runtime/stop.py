"""Stop this workflow's orphaned jobs: job processes still running after their Snakemake process
was killed. Each job holds a lock beside its log (``runlog``) in which it wrote its process id;
a job is stopped only when it still holds that lock, runs on this host in this workflow's
directory, and no Snakemake process is among its ancestors. Other workflows' jobs, a live run's
jobs and processes that reused a recorded id are left alone.

    python -m valueprefs.runtime.stop [--directory DIR] [--dry-run]
"""

import argparse
import fcntl
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from valueprefs.runtime.runlog import LOCK_SUFFIX, lock_holder_pid, locked_log

GRACE_SECONDS = 10.0


@dataclass(frozen=True)
class Orphan:
    """A job process to stop, and the log its lock guards."""

    pid: int
    log: str


def held_by(lock: Path) -> int | None:
    """The process id written in a job lock that some process holds now, if it ran on this host."""
    with open(lock, encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return lock_holder_pid(handle.read())
        fcntl.flock(handle, fcntl.LOCK_UN)  # nobody holds it: that job has ended
        return None


def _arguments(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")


def _parent(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[1])


def under_snakemake(pid: int) -> bool:
    """Whether a Snakemake process is among the ancestors of ``pid`` (its run is alive)."""
    parent = _parent(pid)
    while parent > 1:
        if any(Path(argument).name == "snakemake" for argument in _arguments(parent)[:2]):
            return True
        parent = _parent(parent)
    return False


def orphans(directory: Path) -> list[Orphan]:
    """The orphaned jobs of the workflow in ``directory``."""
    found = []
    for lock in sorted((directory / "results" / "logs").rglob(f".*{LOCK_SUFFIX}")):
        pid = held_by(lock)
        try:
            if pid is None or Path(f"/proc/{pid}/cwd").resolve() != directory.resolve() or under_snakemake(pid):
                continue
        except OSError:  # the process ended meanwhile
            continue
        found.append(Orphan(pid, str(locked_log(lock).relative_to(directory))))
    return found


def stop(found: list[Orphan], grace: float = GRACE_SECONDS) -> list[Orphan]:
    """SIGTERM each orphan, SIGKILL those still alive after ``grace`` seconds; the ones stopped."""
    stopped = []
    for orphan in found:
        try:
            os.kill(orphan.pid, signal.SIGTERM)
            stopped.append(orphan)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(Path(f"/proc/{orphan.pid}").exists() for orphan in stopped):
        time.sleep(0.1)
    for orphan in stopped:
        try:
            os.kill(orphan.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return stopped


def main(argv: list[str] | None = None) -> int:
    """Find and stop the orphaned jobs of one workflow directory; print one line per job."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--directory", "-d", default=".", help="the workflow's directory (Snakemake's -d)")
    parser.add_argument("--dry-run", "-n", action="store_true", help="name the orphaned jobs, stop none")
    args = parser.parse_args(argv)
    found = orphans(Path(args.directory))
    if not found:
        print("no orphaned job of this workflow is running")
        return 0
    done = found if args.dry_run else stop(found)
    verb = "would stop" if args.dry_run else "stopped"
    for orphan in done:
        print(f"{verb} process {orphan.pid} (the job of {orphan.log})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
