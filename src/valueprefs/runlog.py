"""Logging for workflow scripts: everything goes to the rule's log file, errors also to stderr."""

import logging
import os
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from valueprefs.errors import ValuePrefsError

log = logging.getLogger("valueprefs")


@contextmanager
def rule_log(log_path: str) -> Iterator[logging.Logger]:
    """Send the library's log records to ``log_path``; turn known errors into one clear line.

    A :class:`ValuePrefsError` is written to the log and to stderr as ``error: <message>`` and
    ends the script with exit status 1, without a traceback.
    """
    handler = logging.FileHandler(log_path, mode="w", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.info("%s", where_this_runs())
    try:
        yield log
    except ValuePrefsError as error:
        log.error("%s", error)
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(1) from None
    finally:
        log.removeHandler(handler)
        handler.close()


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
