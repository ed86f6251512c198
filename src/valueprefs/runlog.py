"""Logging for workflow scripts: everything goes to the rule's log file, errors also to stderr."""

import errno
import logging
import os
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from valueprefs.errors import ValuePrefsError

log = logging.getLogger("valueprefs")
# Errors of the storage, not of the code: disk full, quota, read-only or forbidden directory.
STORAGE_ERRORS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM})


@contextmanager
def rule_log(log_path: str) -> Iterator[logging.Logger]:
    """Send the library's log records to ``log_path``; turn known errors into one clear line.

    A :class:`ValuePrefsError`, or a storage error (disk full, read-only), is written to the log
    and to stderr as ``error: <message>`` and ends the script with exit status 1, without a
    traceback.
    """
    handler = logging.FileHandler(log_path, mode="w", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.info("%s", where_this_runs())
    try:
        yield log
    except ValuePrefsError as error:
        _fail(str(error))
    except OSError as error:
        if error.errno not in STORAGE_ERRORS:
            raise
        _fail(f"cannot write {error.filename or 'an output'}: {error.strerror}; nothing half-written was kept")
    finally:
        log.removeHandler(handler)
        handler.close()


def _fail(message: str) -> None:
    """Log ``message`` and end the script with one line on stderr and exit status 1."""
    log.error("%s", message)
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(1) from None


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
