"""A full disk or a read-only results directory: one clear error, no half-written file, and
what was written before stays intact (real tmpfs mounts; needs root, as CI has)."""

import subprocess
import sys

import pytest

from valueprefs.io import atomic_write_text

from conftest import unavailable


@pytest.fixture
def small_disk(tmp_path):
    """A 64 KiB tmpfs mounted at tmp_path/disk, unmounted afterwards."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(disk)], capture_output=True)
    if mounted.returncode != 0:
        unavailable(f"cannot mount a tmpfs: {mounted.stderr.decode().strip()}", root_provides_it=True)
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=True)


def entries(folder):
    return sorted(path.name for path in folder.iterdir())


def test_disk_full_keeps_the_previous_file_and_no_temporary(small_disk):
    target = small_disk / "table.csv"
    atomic_write_text(target, "a,b\n1,2\n")
    with pytest.raises(OSError, match="No space left on device") as raised:
        atomic_write_text(target, "x" * 200_000)
    assert raised.value.filename == str(target)
    assert target.read_text() == "a,b\n1,2\n"
    assert entries(small_disk) == ["table.csv"]


def test_read_only_directory_is_named_and_nothing_is_left(small_disk):
    atomic_write_text(small_disk / "kept.json", "{}\n")
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    with pytest.raises(OSError, match="Read-only file system") as raised:
        atomic_write_text(small_disk / "new.json", "{}\n")
    assert raised.value.filename == str(small_disk / "new.json")
    assert entries(small_disk) == ["kept.json"]


def test_a_rule_script_reports_a_full_disk_in_one_line(small_disk, tmp_path):
    script = f"""
from valueprefs.io import write_jsonl
from valueprefs.runlog import rule_log
with rule_log({str(tmp_path / "rule.log")!r}):
    write_jsonl({str(small_disk / "out.jsonl")!r}, [{{"text": "x" * 1000}}] * 200)
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"error: cannot write {small_disk / 'out.jsonl'}: No space left on device; nothing half-written was kept"
    )
    assert "Traceback" not in result.stderr and entries(small_disk) == []
    assert "No space left on device" in (tmp_path / "rule.log").read_text()
