"""A content-addressed, on-disk cache of model and judge calls, built for millions of entries.

An entry's key is the SHA-256 of a canonical JSON description of the call (backend, model,
exact prompt, sampling parameters, seed, ...). Callers never put credentials in that
description. An entry stores the key, the call's parameters without its prompt text (the key
stands for the prompt) and the result, compressed when long.

Entries live in SQLite files ("shards") under ``root/<namespace>/``, one namespace per model or
judge, so a job opens only the shards of the models it calls. Each process writes one shard per
namespace (WAL journal in exclusive locking mode, so no shared memory: safe on a network
filesystem; one transaction per call, so a kill loses at most the calls in flight). A shard is
``*.open.db`` while its writer runs and is renamed ``*.db`` when a batch of calls ends
(``DiskCache.publish``) or the job does (``finish_shards``: a job under ``runlog.rule_log`` calls
it as it ends; a process that writes outside a job calls it itself); the shard of a process that
was killed, ended without finishing, or that a full disk kept from closing, is recovered by the
next process that finds its lock free. Other processes read
closed shards only (``DiskCache.refresh`` reads those closed since a namespace was opened).
Once a namespace holds more than ``COMPACT_AT`` closed shards below ``SETTLED_BYTES``, the next
process to open it merges those into one (larger shards stay as they are, so no merge rewrites
the whole cache). A shard that is not a readable database, found when it is opened or merged,
is moved aside (``*.db.damaged``), named in the log and in the job's summary
(``moved_aside``); its calls are made again once.
"""

import contextlib
import errno
import fcntl
import hashlib
import json
import logging
import os
import socket
import sqlite3
import threading
import time
import zlib
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from valueprefs.io import file_mode
from valueprefs.runtime.runlog import at_job_end, current_run

log = logging.getLogger("valueprefs.runtime.cache")

COMPRESS_FROM = 400  # bytes of JSON from which an entry is stored compressed
COMPACT_AT = 16  # closed shards in a namespace before the next process merges them
SETTLED_BYTES = 1 << 30  # a shard this large is no longer merged (each merge rewrites what it merges)
PROMPT_FIELDS = ("messages", "prompt", "continuations")  # the key stands for them; not stored
IDENTITY_FIELDS = ("backend", "model", "base_url")  # what a namespace is named after
TABLE = (
    "CREATE TABLE IF NOT EXISTS calls (key TEXT PRIMARY KEY, call BLOB NOT NULL, result BLOB NOT NULL) WITHOUT ROWID"
)
# What every stored call cost, by run, job and model, committed with the call itself: a killed
# job's spend is kept as its calls are, and merges add it up (the ledger over all runs).
SPEND_TABLE = (
    "CREATE TABLE IF NOT EXISTS spend (run TEXT NOT NULL, job TEXT NOT NULL, model TEXT NOT NULL,"
    " calls INTEGER NOT NULL, prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL,"
    " cached_input_tokens INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (run, job, model)) WITHOUT ROWID"
)
SPEND_FIELDS = ("run", "job", "model", "calls", "prompt_tokens", "completion_tokens", "cached_input_tokens")
_ADDED_UP = (
    " ON CONFLICT (run, job, model) DO UPDATE SET calls = calls + excluded.calls,"
    " prompt_tokens = prompt_tokens + excluded.prompt_tokens,"
    " completion_tokens = completion_tokens + excluded.completion_tokens,"
    " cached_input_tokens = cached_input_tokens + excluded.cached_input_tokens"
)
ADD_SPEND = f"INSERT INTO spend ({', '.join(SPEND_FIELDS)}) VALUES (?, ?, ?, ?, ?, ?, ?)" + _ADDED_UP
OPEN, CLOSED, LOCK = ".open.db", ".db", ".lock"
DAMAGED = ".damaged"  # suffix of a shard moved aside: not a database, or a malformed one
_MOVED_ASIDE: list[str] = []  # shards this process moved aside


def call_key(description: dict) -> str:
    """The cache key of a call: SHA-256 of its canonical JSON description."""
    canonical = json.dumps(description, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@cache
def _namespace_of(identity: tuple) -> str:
    return call_key(dict(zip(IDENTITY_FIELDS, identity, strict=True)))[:16]


def namespace(description: dict) -> str:
    """The folder of a call's model: a short hash of its backend and model identity."""
    return _namespace_of(tuple(str(description.get(field)) for field in IDENTITY_FIELDS))


class DiskCache:
    """The call cache under ``root``; counts this instance's hits and stores (model calls)."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.hits = 0
        self.stores = 0
        self._readers: dict[str, list[sqlite3.Connection]] = {}
        self._opened: dict[str, set[Path]] = {}  # namespace -> shards read
        self._seen: dict[str, int] = {}  # namespace -> this process's publications read
        self._folders: dict[str, Path] = {}

    def get(self, key: str, description: dict) -> object | None:
        """The stored result of the call ``description`` (whose key is ``key``), or None. An
        entry that cannot be read, or is not a call result of this version, counts as missing:
        the call is made again and stored anew; the log names the shard."""
        result = self._lookup(key, description)
        if result is not None:
            self.hits += 1
        return result

    def has(self, key: str, description: dict) -> bool:
        """Whether the call is stored (not counted as a hit)."""
        return self._lookup(key, description) is not None

    def put(self, key: str, description: dict, result: object) -> None:
        """Store a completed call; it is committed when this returns."""
        call = {field: value for field, value in description.items() if field not in PROMPT_FIELDS}
        space = namespace(description)
        self._shards(space)  # shards of stopped writers are recovered before this process writes
        spend = (*current_run(), str(description.get("model")), *_spent(result))
        _writer(self._folder(space)).insert(key, _pack(call), _pack(result), spend)
        self.stores += 1

    def folder(self, description: dict) -> Path:
        """The folder of the shards of the model that makes the call ``description``."""
        return self._folder(namespace(description))

    def publish(self, description: dict) -> None:
        """Make this process's stored calls to the model of ``description`` readable by other
        jobs now: its shard is closed (the next store opens a new one)."""
        folder = self.folder(description)
        with _WRITERS_GUARD:
            shard = _WRITERS.pop(str(folder), None)
            if shard is not None:
                shard.finish()
                _PUBLISHED[str(folder)] = _PUBLISHED.get(str(folder), 0) + 1
        self.refresh(description)

    def refresh(self, description: dict) -> bool:
        """Also read the shards of that model closed since they were opened here (batches
        other jobs have finished, shards of jobs that stopped); whether there were any."""
        space = namespace(description)
        if space not in self._readers:
            return False  # opened, with every closed shard, at the next lookup
        folder = self._folder(space)
        self._seen[space] = _PUBLISHED.get(str(folder), 0)
        _recover_stopped(folder)
        new = [path for path in _closed_shards(folder) if path not in self._opened[space]]
        for path in new:
            self._add_reader(space, path)
        return bool(new)

    def _lookup(self, key: str, description: dict) -> object | None:
        space = namespace(description)
        if space in self._seen and self._seen[space] != _PUBLISHED.get(str(self._folder(space)), 0):
            self.refresh(description)  # another instance in this process published a shard
        own = _WRITERS.get(str(self._folder(space)))
        sources = [*self._shards(space), *([own] if own else [])]
        for source in sources:
            row = source.execute("SELECT result FROM calls WHERE key = ?", (key,)).fetchone()
            if row is not None:
                return _checked(row[0], f"{key} in {self._folder(space)}")
        return None

    def _folder(self, space: str) -> Path:
        if space not in self._folders:
            self._folders[space] = self.root / space
        return self._folders[space]

    def _shards(self, space: str) -> list[sqlite3.Connection]:
        """Read connections to the closed shards of ``space``, opened once per instance after
        recovering stopped writers' shards and merging many small ones."""
        if space not in self._readers:
            folder = self._folder(space)
            if folder.is_dir():
                _recover_stopped(folder)
                _compact(folder)
            self._readers[space], self._opened[space] = [], set()
            self._seen[space] = _PUBLISHED.get(str(folder), 0)
            for path in _closed_shards(folder):
                self._add_reader(space, path)
        return self._readers[space]

    def _add_reader(self, space: str, path: Path) -> None:
        connection = _open_reader(path)
        if connection is not None:
            self._readers[space].append(connection)
            self._opened[space].add(path)


class _Shard:
    """This process's shard of one namespace, locked while it writes."""

    def __init__(self, folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        stem = unique_stem(folder)
        self.lock = _take_lock(Path(f"{stem}{LOCK}"), wait=True)
        self.path = Path(f"{stem}{OPEN}")
        self.guard = threading.Lock()
        with _named_if_full(self.path):
            self.connection = _open_writer(self.path)
            self.connection.execute(TABLE)
            self.connection.execute(SPEND_TABLE)

    def insert(self, key: str, call: bytes, result: bytes, spend: tuple) -> None:
        """The call and what it cost, in one transaction (on a full disk: neither, and an
        ``OSError`` that names the shard)."""
        with self.guard, _named_if_full(self.path):
            self.connection.execute("BEGIN")
            try:
                self.connection.execute("INSERT OR REPLACE INTO calls VALUES (?, ?, ?)", (key, call, result))
                self.connection.execute(ADD_SPEND, spend)
                self.connection.execute("COMMIT")
            except BaseException:
                if self.connection.in_transaction:
                    self.connection.execute("ROLLBACK")
                raise

    def execute(self, *args) -> sqlite3.Cursor:
        with self.guard:
            return self.connection.execute(*args)

    def finish(self) -> None:
        """Close the shard for readers; if that fails (a full disk), its committed calls stay in
        the open shard, which the next process to open the namespace recovers: one warning, no
        exception (this runs as a job ends, also after its own error)."""
        with self.guard:
            try:
                _publish(self.connection, self.path, self.lock)
            except (sqlite3.Error, OSError) as error:
                self.connection.close()
                with contextlib.suppress(OSError):
                    os.close(self.lock)
                log.warning(
                    "cache shard %s cannot be closed (%s); its calls are kept and the next run recovers them",
                    self.path,
                    error,
                )


@contextlib.contextmanager
def _named_if_full(path: Path) -> Iterator[None]:
    """SQLite's "database or disk is full" as the ``OSError`` of a full disk, naming ``path``."""
    try:
        yield
    except sqlite3.OperationalError as error:
        if getattr(error, "sqlite_errorcode", 0) & 0xFF != sqlite3.SQLITE_FULL:
            raise
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path)) from error


_WRITERS: dict[str, _Shard] = {}  # folder -> this process's shard there
_PUBLISHED: dict[str, int] = {}  # folder -> shards this process has closed there before its end
_WRITERS_GUARD = threading.Lock()


def _writer(folder: Path) -> _Shard:
    """The shard this process writes in ``folder``, created on its first call."""
    with _WRITERS_GUARD:
        if str(folder) not in _WRITERS:
            _WRITERS[str(folder)] = _Shard(folder)
            at_job_end(finish_shards)  # a job publishes its shards before it lets go of its lock
        return _WRITERS[str(folder)]


def finish_shards() -> None:
    """Publish this process's shards: at the end of a job (``runlog.at_job_end``), or called by
    a process that wrote outside one (a shard left open is recovered by the next reader)."""
    with _WRITERS_GUARD:
        for shard in _WRITERS.values():
            shard.finish()
        _WRITERS.clear()


def entries(root: str | Path) -> dict[str, dict]:
    """Every stored call under ``root`` (closed shards, stopped writers' shards):
    key -> {"call": its parameters, "result": ...}, for audits and tests."""
    found: dict[str, dict] = {}
    for path in _every_closed_shard(Path(root)):
        found.update(read_shard(path))
    return found


def read_shard(path: str | Path) -> dict[str, dict]:
    """The calls stored in one closed shard (or a copy of a running one's files):
    key -> {"call": its parameters, "result": ...}."""
    connection = _open_reader(Path(path), closed=False)
    if connection is None:
        return {}
    try:
        rows = connection.execute("SELECT key, call, result FROM calls")
        return {key: {"call": _unpack(call), "result": _unpack(result)} for key, call, result in rows}
    finally:
        connection.close()


def spend(root: str | Path) -> list[dict]:
    """What every stored call cost, summed per run, job and model, over every shard under
    ``root`` (stopped writers' shards recovered first; running ones are read when closed)."""
    totals: dict[tuple, list[int]] = {}
    for path in _every_closed_shard(Path(root)):
        connection = _open_reader(path)
        if connection is None:
            continue
        if not _has_spend(connection, "main"):
            connection.close()
            continue
        rows = connection.execute(f"SELECT {_spend_columns(connection, 'main')} FROM spend")
        for run, job, model, *counts in rows:
            found = totals.setdefault((run, job, model), [0, 0, 0, 0])
            totals[(run, job, model)] = [a + b for a, b in zip(found, counts, strict=True)]
        connection.close()
    return [dict(zip(SPEND_FIELDS, (*key, *counts), strict=True)) for key, counts in sorted(totals.items())]


def _spent(result: object) -> tuple[int, int, int, int]:
    """Calls (one per completion) and tokens (prompt, completion, cached input) of a stored
    result (a score request: one call)."""
    if isinstance(result, list) and result and all(isinstance(part, dict) for part in result):
        return (
            len(result),
            sum(int(part.get("prompt_tokens", 0)) for part in result),
            sum(int(part.get("completion_tokens", 0)) for part in result),
            sum(int(part.get("cached_input_tokens", 0)) for part in result),
        )
    return 1, 0, 0, 0


def _spend_columns(connection: sqlite3.Connection, schema: str) -> str:
    """The spend table's columns in ``SPEND_FIELDS`` order; shards written before cached input
    was counted have no such column, and read it as 0."""
    present = {row[1] for row in connection.execute(f"PRAGMA {schema}.table_info(spend)")}
    return ", ".join(field if field in present else "0" for field in SPEND_FIELDS)


def _has_spend(connection: sqlite3.Connection, schema: str) -> bool:
    """Whether a shard has the spend table (shards of earlier versions do not)."""
    found = connection.execute(f"SELECT 1 FROM {schema}.sqlite_master WHERE type = 'table' AND name = 'spend'")
    return found.fetchone() is not None


def _pack(value: object) -> bytes:
    """JSON, compressed when that pays (a short text costs more to compress than it saves)."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return zlib.compress(text) if len(text) > COMPRESS_FROM else text


def _unpack(blob: bytes) -> object:
    return json.loads(blob if blob[:1] in (b"[", b"{") else zlib.decompress(blob))


def _checked(blob: bytes, where: str) -> object | None:
    """A stored result, or None (with a warning) if it is unreadable or of another layout."""
    try:
        result = _unpack(blob)
    except (zlib.error, ValueError) as error:
        log.warning("cache entry %s cannot be read (%s); making the call again", where, error)
        return None
    if not _is_result(result):
        log.warning("cache entry %s is not a call result of this version; making the call again", where)
        return None
    return result


def _every_closed_shard(root: Path) -> Iterator[Path]:
    """The closed shards of every namespace under ``root``, stopped writers' shards recovered first."""
    for folder in sorted(path for path in root.iterdir() if path.is_dir()) if root.is_dir() else []:
        _recover_stopped(folder)
        yield from _closed_shards(folder)


def _closed_shards(folder: Path) -> list[Path]:
    return sorted(path for path in folder.glob(f"*{CLOSED}") if not path.name.endswith(OPEN))


def unique_stem(folder: Path) -> Path:
    """A name in ``folder`` no other process, shard or claim uses: host, process and time."""
    return folder / f"{socket.gethostname()}-{os.getpid()}-{time.time_ns()}"


def _stem(path: Path) -> str:
    return str(path)[: -len(OPEN)]


def _open_writer(path: Path) -> sqlite3.Connection:
    """A connection that alone may use ``path``: WAL without shared memory, durable commits.
    A new shard takes the umask's mode (SQLite's own is 0644), and its journal the shard's."""
    new = not path.exists()
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    connection.execute("PRAGMA locking_mode = EXCLUSIVE")
    connection.execute("PRAGMA journal_mode = WAL")
    if new:
        os.chmod(path, file_mode())
    connection.execute("PRAGMA synchronous = NORMAL")  # a committed call survives a killed process
    return connection


def _publish(connection: sqlite3.Connection, path: Path, lock: int) -> None:
    """Fold the journal into the shard, leave it one file, and rename it closed."""
    connection.execute("PRAGMA journal_mode = DELETE")
    connection.close()
    path.rename(_stem(path) + CLOSED)
    Path(_stem(path) + LOCK).unlink(missing_ok=True)
    os.close(lock)


def _open_reader(path: Path, closed: bool = True) -> sqlite3.Connection | None:
    """A read-only connection to a shard, or None if it is gone (merged) or unreadable. A
    closed shard never changes again, so it is read without locks."""
    try:
        options = "mode=ro&immutable=1" if closed else "mode=ro"
        connection = sqlite3.connect(f"file:{path}?{options}", uri=True, check_same_thread=False)
        connection.execute("SELECT count(*) FROM calls").fetchone()
    except sqlite3.Error as error:
        if _is_damage(error):
            _move_aside(path, error)
        elif path.exists():
            log.warning("cache shard %s cannot be read (%s); its calls will be made again", path, error)
        return None
    return connection


def _is_damage(error: sqlite3.Error) -> bool:
    """Whether SQLite found the file itself bad ("file is not a database", "database disk image
    is malformed"), not the access to it (locked, missing, a full disk: ``OperationalError``)."""
    return type(error) is sqlite3.DatabaseError


def _move_aside(path: Path, error: sqlite3.Error) -> None:
    """Rename a damaged shard out of the cache, so that no later job trips over it again."""
    target = path.with_name(path.name + DAMAGED)
    try:
        path.rename(target)
    except FileNotFoundError:
        return  # another process moved it, or merged it away
    _MOVED_ASIDE.append(str(target))
    log.warning("cache shard %s is damaged (%s): moved aside to %s; its calls will be made again", path, error, target)


def moved_aside() -> list[str]:
    """The damaged shards this process moved aside (for the job's summary)."""
    return list(_MOVED_ASIDE)


def _take_lock(path: Path, wait: bool) -> int | None:
    """An exclusive lock on ``path`` (created if missing), or None if another process holds it."""
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except BlockingIOError:
        os.close(descriptor)
        return None
    return descriptor


def _recover_stopped(folder: Path) -> None:
    """Publish the shards whose writer stopped without closing them (their lock is free):
    every call they committed is kept."""
    for path in folder.glob(f"*{OPEN}"):
        lock = _take_lock(Path(_stem(path) + LOCK), wait=False)
        if lock is None:
            continue  # its writer is running
        if not path.exists():  # another process recovered it meanwhile
            os.close(lock)
            continue
        try:
            _publish(_open_writer(path), path, lock)
        except sqlite3.Error as error:
            os.close(lock)
            log.warning("cache shard %s of a stopped job cannot be recovered (%s)", path, error)


def _small_shards(folder: Path) -> list[Path]:
    return [path for path in _closed_shards(folder) if path.stat().st_size < SETTLED_BYTES]


def _compact(folder: Path) -> None:
    """Merge the closed shards of ``folder`` below ``SETTLED_BYTES`` into one once there are
    more than ``COMPACT_AT``; the merged shard appears whole (a rename) before the merged ones
    are removed."""
    if len(_small_shards(folder)) <= COMPACT_AT:
        return
    lock = _take_lock(folder / "compact.lock", wait=False)
    if lock is None:
        return  # another process is merging them
    try:
        for stale in folder.glob("*.merging"):  # left by a merge that was killed
            stale.unlink()
        shards = _small_shards(folder)
        merged = Path(f"{unique_stem(folder)}.merging")
        connection = sqlite3.connect(merged, isolation_level=None)
        connection.execute(TABLE)
        connection.execute(SPEND_TABLE)
        os.chmod(merged, file_mode())
        kept = [shard for shard in shards if _merged_into(connection, shard)]
        connection.close()
        merged.rename(merged.with_suffix(CLOSED))
        for shard in kept:
            shard.unlink()
    finally:
        os.close(lock)


def _merged_into(connection: sqlite3.Connection, shard: Path) -> bool:
    """Copy the calls of ``shard`` into the merge; False (the shard moved aside if damaged, left
    in place otherwise) when it cannot be read."""
    try:
        connection.execute("ATTACH DATABASE ? AS shard", (str(shard),))
    except sqlite3.Error as error:
        log.warning("cache shard %s cannot be merged (%s); it stays as it is", shard, error)
        return False
    try:
        connection.execute("BEGIN")
        connection.execute("INSERT OR IGNORE INTO calls SELECT key, call, result FROM shard.calls")
        if _has_spend(connection, "shard"):
            columns = _spend_columns(connection, "shard")  # WHERE true: SQLite's rule for an upsert from a SELECT
            connection.execute(f"INSERT INTO spend SELECT {columns} FROM shard.spend WHERE true" + _ADDED_UP)
        connection.execute("COMMIT")
    except sqlite3.Error as error:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        connection.execute("DETACH DATABASE shard")
        if _is_damage(error):
            _move_aside(shard, error)
        else:
            log.warning("cache shard %s cannot be merged (%s); it stays as it is", shard, error)
        return False
    connection.execute("DETACH DATABASE shard")
    return True


def _is_result(result: object) -> bool:
    """Whether ``result`` is a stored call of this layout: a list of completions (text, seed,
    token counts, ...) or of log-probabilities."""
    if not isinstance(result, list) or not result:
        return False
    if all(isinstance(part, (int, float)) and not isinstance(part, bool) for part in result):
        return True
    fields = {"text": str, "prompt_tokens": int, "completion_tokens": int, "finish_reason": str}
    return all(
        isinstance(part, dict) and all(isinstance(part.get(name), kind) for name, kind in fields.items())
        for part in result
    )
