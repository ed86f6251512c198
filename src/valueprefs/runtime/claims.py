"""Claims on calls in flight, so that jobs running at once make each identical call once.

Before a batch of calls is made, its job registers the keys it will make in a claim file beside
the cache shards of that model (``<host>-<pid>-<time>.claims``, exclusively locked while the
batch runs). Keys another running batch has claimed are not claimed again: the job waits for that
batch to end and reads its results from the cache. Registration happens under one lock per
folder, so every key has at most one live claimant, and a batch only ever waits for batches
registered before it: no two jobs wait for each other. A claim whose job was killed has a free
lock; the next registration removes it and its keys are claimed anew.
"""

import fcntl
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from valueprefs.runtime.cache import unique_stem

log = logging.getLogger("valueprefs.runtime.claims")

SUFFIX = ".claims"
REGISTRY_LOCK = "claims.lock"


@dataclass
class Claim:
    """One batch's registration: the keys it makes, and the running batches it waits for."""

    path: Path | None
    descriptor: int | None
    mine: set[str]
    waits_for: dict[str, int] = field(default_factory=dict)  # claim file -> open descriptor

    def release(self) -> None:
        """End this batch's claim (its results must be in the cache by now)."""
        if self.descriptor is not None:
            self.path.unlink(missing_ok=True)
            os.close(self.descriptor)
            self.descriptor = None

    def wait(self) -> None:
        """Block until every batch this one waits for has ended (finished or killed)."""
        for name, descriptor in self.waits_for.items():
            log.info("waiting for calls that another job is making (%s)", name)
            fcntl.flock(descriptor, fcntl.LOCK_SH)
            os.close(descriptor)
        self.waits_for.clear()


def claim(folder: Path, keys: set[str]) -> Claim:
    """Register the keys of a batch in ``folder``: the returned claim holds those no running
    batch has claimed (this batch makes them) and the claim files of the batches making the
    rest."""
    folder.mkdir(parents=True, exist_ok=True)
    registry = _locked(folder / REGISTRY_LOCK, fcntl.LOCK_EX)
    try:
        waits_for: dict[str, int] = {}
        taken: set[str] = set()
        for path in sorted(folder.glob(f"*{SUFFIX}")):
            descriptor, claimed = _live_claim(path)
            if descriptor is None:
                continue
            overlap = claimed & keys
            if overlap:
                taken |= overlap
                waits_for[path.name] = descriptor
            else:
                os.close(descriptor)
        mine = keys - taken
        path, descriptor = _register(Path(f"{unique_stem(folder)}{SUFFIX}"), mine) if mine else (None, None)
        return Claim(path, descriptor, mine, waits_for)
    finally:
        os.close(registry)


def _locked(path: Path, mode: int) -> int:
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
    fcntl.flock(descriptor, mode)
    return descriptor


def _live_claim(path: Path) -> tuple[int | None, set[str]]:
    """An open descriptor on a running batch's claim file and its keys, or (None, empty) for a
    claim whose job has stopped (the file is removed) or that is gone."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return None, set()
    try:
        fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        with open(descriptor, encoding="ascii", closefd=False) as text:
            return descriptor, set(text.read().split())
    path.unlink(missing_ok=True)  # its job stopped without ending the claim
    os.close(descriptor)
    return None, set()


def _register(path: Path, keys: set[str]) -> tuple[Path, int]:
    """Create the claim file of ``keys``, locked exclusively until the claim is released."""
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
    fcntl.flock(descriptor, fcntl.LOCK_EX)
    remaining = memoryview("\n".join(sorted(keys)).encode("ascii"))
    while remaining:
        remaining = remaining[os.write(descriptor, remaining) :]
    os.fsync(descriptor)  # visible to jobs on other hosts of a shared filesystem
    return path, descriptor
