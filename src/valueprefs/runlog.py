"""Logging for workflow scripts: everything goes to the rule's log file, errors also to stderr.

Every line passes through the key scrubber first. A failure ends the job with one line on
stderr (``error: <message>``) and the whole story in the job's own log file: known errors
(bad data, config, storage) as their message, anything else with its traceback.
"""

import errno
import fcntl
import logging
import os
import socket
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from valueprefs.errors import ValuePrefsError
from valueprefs.secrets import ScrubbingFilter, scrub

log = logging.getLogger("valueprefs")
# A job's log: how each line is written, how its failure line starts, and the line that heads
# an unexpected error's traceback (failed_jobs finds failures by them).
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
ERROR_MARK = f" ERROR {log.name}: "
TRACEBACK_HEADER = "unexpected error:"
# Errors of the storage, not of the code: disk full, quota, read-only or forbidden directory.
STORAGE_ERRORS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM})


class _LogFileHandler(logging.FileHandler):
    """A log file that, when it cannot be written (a full disk), says so once on stderr instead
    of printing a traceback for every line."""

    failed = False

    def handleError(self, record: logging.LogRecord) -> None:
        self._report(sys.exc_info()[1])

    def close(self) -> None:
        try:
            super().close()
        except OSError as problem:  # the last buffered lines did not fit either
            self._report(problem)

    def _report(self, problem: BaseException | None) -> None:
        if not self.failed:
            self.failed = True
            print(f"warning: cannot write the log {self.baseFilename}: {problem}", file=sys.stderr)


@contextmanager
def rule_log(log_path: str) -> Iterator[logging.Logger]:
    """Send the library's log records to ``log_path``; turn every failure into one clear line.

    Only one live process runs a job at a time: a second one (a rerun started while a job of a
    killed Snakemake still runs) waits for the first to finish, then finds its calls cached.
    """
    with _job_lock(log_path):
        handler = _LogFileHandler(log_path, mode="w", encoding="utf-8", delay=False)
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
        handler.addFilter(ScrubbingFilter())
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.info("%s", where_this_runs())
        try:
            yield log
        except ValuePrefsError as error:
            _fail(str(error))
        except OSError as error:
            if error.errno not in STORAGE_ERRORS:
                _fail_with_traceback(error)
            _fail(f"cannot write {error.filename or 'an output'}: {error.strerror}; nothing half-written was kept")
        except Exception as error:
            _fail_with_traceback(error)
        finally:
            _publish_cached_calls()
            log.removeHandler(handler)
            handler.close()


def _publish_cached_calls() -> None:
    """Publish the job's call-cache files while it still holds its lock, so a run of the same job
    waiting for the lock finds every call this one made (only if the job used the cache)."""
    cache = sys.modules.get("valueprefs.llm.cache")
    if cache is not None:
        cache.finish_shards()


@contextmanager
def _job_lock(log_path: str) -> Iterator[None]:
    """Hold an exclusive lock named after the job's log file while the job runs.

    The lock goes with the process (``flock``): a killed job never leaves it behind."""
    path = f"{os.path.dirname(log_path) or '.'}/.{os.path.basename(log_path)}.lock"
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "a+", encoding="utf-8") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            holder = lock.read().strip() or "another process"
            print(f"waiting: this job is still running in {holder} (from an earlier run); it resumes when that ends",
                  file=sys.stderr)  # fmt: skip
            fcntl.flock(lock, fcntl.LOCK_EX)
        except OSError as error:  # a filesystem without locks: run unguarded, and say so
            print(f"warning: cannot lock {path} ({error.strerror}); not guarded against a second live run",
                  file=sys.stderr)  # fmt: skip
        try:  # who holds it, for a job that waits (best effort: the disk may be full)
            lock.seek(0)
            lock.truncate()
            lock.write(f"process {os.getpid()} on {socket.gethostname()}\n")
            lock.flush()
        except OSError:
            pass
        yield


def _fail(message: str) -> None:
    """Log ``message`` and end the script with one line on stderr and exit status 1."""
    message = scrub(message)
    log.error("%s", message)
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(1) from None


def _fail_with_traceback(error: BaseException) -> None:
    """An unexpected error: its traceback goes to the job's log, one line to stderr."""
    log.error("%s\n%s", TRACEBACK_HEADER, "".join(traceback.format_exception(error)))
    _fail(f"{type(error).__name__}: {error} (traceback in the job's log)")


def where_this_runs() -> str:
    """The host, and the SLURM job and GPUs when the job runs under SLURM."""
    place = f"host {socket.gethostname()}"
    job = os.environ.get("SLURM_JOB_ID")
    if job:
        place += f", SLURM job {job} (partition {os.environ.get('SLURM_JOB_PARTITION', '?')})"
    gpus = os.environ.get("CUDA_VISIBLE_DEVICES")
    if gpus is not None:
        place += f", GPUs {gpus or 'none'}"
    return place


def failed_jobs(log_dir: str, since: float) -> list[str]:
    """``<log>: <message>`` for every job log under ``log_dir`` written since ``since`` (a
    time.time()) that records a failure: the logs of the jobs this run saw fail."""
    found = []
    for path in sorted(Path(log_dir).rglob("*.log")):
        try:
            if path.stat().st_mtime < since:
                continue
            errors = [
                line for line in path.read_text(encoding="utf-8", errors="replace").splitlines() if ERROR_MARK in line
            ]
        except OSError:
            continue
        messages = [line.split(ERROR_MARK, 1)[1] for line in errors if not line.endswith(TRACEBACK_HEADER)]
        if messages:
            found.append(f"{path}: {messages[-1]}")
    return found
