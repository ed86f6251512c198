"""Logging for workflow scripts: everything goes to the rule's log file, errors also to stderr.

Every line passes through the key scrubber first. A failure ends the job with one line on
stderr (``error: <message>``) and the whole story in the job's own log file: known errors
(bad data, config, storage) as their message, anything else with its traceback. A process that
dies from a signal (an engine's crash) leaves Python's fatal-error report in the log, and a job
that ends cleanly says so last, so a log without either tells of a job killed from outside.
"""

import errno
import faulthandler
import fcntl
import logging
import os
import re
import socket
import sys
import time
import traceback
from collections.abc import Callable, Iterator
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
# The last line of a job that ended cleanly, and how Python's fault handler heads a crash report.
DONE_LINE = "job done"
FATAL_MARK = "Fatal Python error: "
# The fault handler's names of the signals it reports.
FATAL_SIGNALS = {
    "Segmentation fault": "SIGSEGV", "Illegal instruction": "SIGILL", "Bus error": "SIGBUS",
    "Floating point exception": "SIGFPE", "Aborted": "SIGABRT",
}  # fmt: skip
# A frame of the fault handler's traceback.
PYTHON_FRAME = re.compile(r'File "(?P<file>.+)", line (?P<line>\d+) in (?P<function>.+)')
# A crash report names the engine's last lines logged under this name (``llm.llamacpp``).
ENGINE_LOGGER = "valueprefs.llamacpp"
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


def _run_id() -> str:
    """A run of this process from now: start time (UTC), host and process."""
    return f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}-{socket.gethostname()}-{os.getpid()}"


_RUN = {"run": _run_id(), "job": ""}


def current_run() -> tuple[str, str]:
    """(run, job) of this process: a job's run is named by its start time, host and process,
    the job by its log (``rule_log``); the call cache files what each call cost under them."""
    return _RUN["run"], _RUN["job"]


@contextmanager
def rule_log(log_path: str) -> Iterator[logging.Logger]:
    """Send the library's log records to ``log_path``; turn every failure into one clear line.

    Only one live process runs a job at a time: a second one (a rerun started while a job of a
    killed Snakemake still runs) waits for the first to finish, then finds its calls cached.
    """
    with _job_lock(log_path):
        _RUN.update(run=_run_id(), job=log_path)
        handler = _LogFileHandler(log_path, mode="w", encoding="utf-8", delay=False)
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
        handler.addFilter(ScrubbingFilter())
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.info("%s", where_this_runs())
        faulthandler.enable(file=handler.stream, all_threads=True)  # a crash still reaches the log
        try:
            yield log
            log.info("%s", DONE_LINE)
        except ValuePrefsError as error:
            _fail(str(error))
        except OSError as error:
            if error.errno not in STORAGE_ERRORS:
                _fail_with_traceback(error)
            if not error.filename:  # where it happened, for the log (the console gets one line)
                log.error("%s\n%s", TRACEBACK_HEADER, "".join(traceback.format_exception(error)))
            _fail(f"cannot write {error.filename or 'an output'}: {error.strerror}; nothing half-written was kept")
        except Exception as error:
            _fail_with_traceback(error)
        finally:
            _finish_job_parts()
            faulthandler.disable()
            log.removeHandler(handler)
            handler.close()


_AT_JOB_END: list[Callable[[], None]] = []  # what a job's parts finish before it lets go of its lock


def at_job_end(finish: Callable[[], None]) -> None:
    """Have the running job call ``finish`` as it ends, while it still holds its lock (once,
    however often it is asked)."""
    if finish not in _AT_JOB_END:
        _AT_JOB_END.append(finish)


def _finish_job_parts() -> None:
    """Run what the job's parts asked to finish (the call cache publishes its shards, so a run of
    the same job waiting for the lock finds every call this one made)."""
    while _AT_JOB_END:
        _AT_JOB_END.pop(0)()


LOCK_SUFFIX = ".lock"


def job_lock_path(log_path: str) -> str:
    """The lock beside a job's log: ``.<log name>.lock`` in the log's folder."""
    return f"{os.path.dirname(log_path) or '.'}/.{os.path.basename(log_path)}{LOCK_SUFFIX}"


def locked_log(lock_path: Path) -> Path:
    """The log a job lock guards (``job_lock_path`` read backwards)."""
    return lock_path.with_name(lock_path.name[1:].removesuffix(LOCK_SUFFIX))


def lock_holder_pid(text: str) -> int | None:
    """The process id of the lock holder's line (``process N on HOST``), if it ran on this host."""
    words = text.split()
    if len(words) == 4 and words[0] == "process" and words[1].isdigit() and words[3] == socket.gethostname():
        return int(words[1])
    return None


@contextmanager
def _job_lock(log_path: str) -> Iterator[None]:
    """Hold an exclusive lock named after the job's log file while the job runs.

    The lock goes with the process (``flock``): a killed job never leaves it behind."""
    path = job_lock_path(log_path)
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
    time.time()) that records a failure, a crash, or a job that never ended: the logs of the
    jobs this run saw fail."""
    found = []
    for path in sorted(Path(log_dir).rglob("*.log")):
        try:
            if path.stat().st_mtime < since:
                continue
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        problem = job_failure(lines)
        if problem:
            found.append(f"{path}: {problem}")
    return found


def job_failure(lines: list[str]) -> str | None:
    """What went wrong in one job's log: its last error, the signal it died from (with where and
    the engine's last lines), or that it stopped without a word; None for a job that ended well
    (or a log this module did not write)."""
    errors = [line.split(ERROR_MARK, 1)[1] for line in lines if ERROR_MARK in line]
    messages = [message for message in errors if message != TRACEBACK_HEADER]
    if messages:
        return messages[-1]
    crash = next((index for index, line in enumerate(lines) if line.startswith(FATAL_MARK)), None)
    if crash is not None:
        return _crash_report(lines[:crash], lines[crash].removeprefix(FATAL_MARK), lines[crash + 1 :])
    started_here = bool(lines) and f" INFO {log.name}: host " in lines[0]
    if started_here and not lines[-1].endswith(f" {DONE_LINE}"):
        return (
            "stopped without an error or a crash report: killed from outside (out of memory, a time limit, "
            "Ctrl-C); Snakemake's message above names the signal"
        )
    return None


def _crash_report(before: list[str], name: str, report: list[str]) -> str:
    """One line for a process that died from a signal: which, in which Python code, and the
    last lines the engine logged before it."""
    signal_name = FATAL_SIGNALS.get(name, "a signal")
    current = next((index for index, line in enumerate(report) if line.startswith("Current thread")), None)
    innermost = report[current + 1] if current is not None and current + 1 < len(report) else ""
    frame = PYTHON_FRAME.search(innermost)
    where = f" in {frame['function']} ({'/'.join(Path(frame['file']).parts[-2:])}:{frame['line']})" if frame else ""
    engine = [
        " ".join(line.split(f" {ENGINE_LOGGER}: ", 1)[1].split()) for line in before if f" {ENGINE_LOGGER}: " in line
    ]
    said = f"; the engine's last lines: {' | '.join(engine[-3:])}" if engine else ""
    return f"died from {signal_name} ({name}){where}{said}"
