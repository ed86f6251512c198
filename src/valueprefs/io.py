"""Reading and atomically writing the tool's files (CSV, JSON, JSONL).

pandas is imported by the functions that build tables only: many jobs read and write JSON alone,
and importing pandas is most of their start-up time.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from valueprefs.errors import DataError

if TYPE_CHECKING:
    import pandas as pd


def file_mode() -> int:
    """The mode a new file gets under the current umask (0644 under 022, 0664 under 002)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


@contextmanager
def atomic_target(path: str | Path, suffix: str = ".tmp") -> Iterator[Path]:
    """A temporary file beside ``path`` to write; it replaces ``path`` when the block ends well
    and is removed when it does not. It gets the umask's mode (collaborators on a shared
    directory can read it), and an error names ``path``, not the temporary file."""
    path = Path(path)
    temporary = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
        os.fchmod(handle, file_mode())
        os.close(handle)
        yield Path(temporary)
        os.replace(temporary, path)
    except BaseException as error:
        if temporary:
            Path(temporary).unlink(missing_ok=True)
        if isinstance(error, OSError) and error.filename != str(path):
            raise OSError(error.errno, error.strerror, str(path)) from error  # name the file meant
        raise


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename, so readers never see half a file."""
    with atomic_target(path) as temporary, open(temporary, "wb") as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (see ``atomic_write_bytes``)."""
    atomic_write_bytes(path, text.encode("utf-8"))


def write_json(path: str | Path, data: object) -> None:
    """Write one JSON document atomically."""
    atomic_write_text(path, json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n")


def write_jsonl(path: str | Path, records: Iterable[dict]) -> None:
    """Write one JSON object per line atomically, a line at a time (``records`` may be a generator)."""
    with atomic_target(path) as temporary, open(temporary, "w", encoding="utf-8") as stream:
        for record in records:
            stream.write(json.dumps(record, ensure_ascii=False) + "\n")
        stream.flush()
        os.fsync(stream.fileno())


def write_csv(path: str | Path, frame: pd.DataFrame) -> None:
    """Write a table as CSV atomically; a NUL character (which a model may emit, and CSV readers
    choke on) is written as U+FFFD."""
    atomic_write_text(path, frame.to_csv(index=False).replace("\x00", "\ufffd"))


def require_file(path: str | Path, allow_empty: bool = False) -> Path:
    """Return ``path`` if it is an existing (non-empty) file; otherwise fail naming it."""
    path = Path(path)
    if not path.exists():
        raise DataError(str(path), "file not found")
    if not path.is_file():
        raise DataError(str(path), "is not a file")
    if not allow_empty and path.stat().st_size == 0:
        raise DataError(str(path), "file is empty")
    return path


def iter_jsonl(path: str | Path, allow_empty: bool = False) -> Iterator[tuple[int, dict]]:
    """Yield ``(line_number, object)`` for each non-blank line; fail naming the first bad line."""
    path = require_file(path, allow_empty)
    with open(path, "rb") as stream:
        for number, raw in enumerate(stream, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise DataError(str(path), "is not valid UTF-8", f"line {number}") from None
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise DataError(str(path), f"invalid JSON ({error.msg})", f"line {number}") from None
            if not isinstance(record, dict):
                raise DataError(str(path), f"expected a JSON object, got {type(record).__name__}", f"line {number}")
            yield number, record


def read_json(path: str | Path) -> object:
    """Read a JSON file; fail naming it when it is missing or not JSON."""
    path = require_file(path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DataError(str(path), f"is not valid JSON ({error})") from None


def read_jsonl(path: str | Path) -> pd.DataFrame:
    """Read a JSONL file into a table (one row per object)."""
    import pandas as pd

    records = [record for _, record in iter_jsonl(path)]
    if not records:
        raise DataError(str(path), "file has no records")
    return pd.DataFrame.from_records(records)


def read_values(vocabulary_csv: str | Path) -> list[str]:
    """The value names of the workflow's vocabulary file, in its order (its ``value`` column)."""
    path = require_file(vocabulary_csv)
    try:
        with open(path, encoding="utf-8", newline="") as stream:
            reader = csv.DictReader(stream)
            rows = list(reader)
    except UnicodeDecodeError:
        raise DataError(str(path), "is not valid UTF-8") from None
    except csv.Error as error:
        raise DataError(str(path), f"cannot be parsed as CSV ({error})") from None
    if "value" not in (reader.fieldnames or []):
        raise DataError(str(path), "has no column 'value'")
    return [row["value"] for row in rows]


def read_optional_csv(path: str | Path) -> pd.DataFrame:
    """A CSV table the workflow wrote, numbers parsed; an empty file is an empty table."""
    import pandas as pd

    try:
        return pd.read_csv(require_file(path, allow_empty=True))
    except pd.errors.EmptyDataError:
        return pd.DataFrame()


def read_csv(path: str | Path) -> pd.DataFrame:
    """Read a CSV file as text columns; fail naming the file when it cannot be parsed."""
    import pandas as pd

    path = require_file(path)
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8")
    except UnicodeDecodeError:
        raise DataError(str(path), "is not valid UTF-8") from None
    except pd.errors.EmptyDataError:
        raise DataError(str(path), "file is empty") from None
    except pd.errors.ParserError as error:
        raise DataError(str(path), f"cannot be parsed as CSV ({error})") from None
