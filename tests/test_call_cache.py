"""The call cache as many jobs use it: real processes that finish, are killed or are still
running while others read, SQLite shards on disk."""

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from valueprefs.runtime import cache as store
from valueprefs.runtime.cache import COMPACT_AT, DiskCache, call_key, entries, finish_shards

from conftest import calls_committed

PROMPT = "A prompt text that must not be stored: {}"

# A job that stores ``n`` calls of one model, then exits, is killed, or waits for a line on stdin.
WRITER = textwrap.dedent(
    """
    import os, signal, sys
    from valueprefs.runtime.cache import DiskCache, call_key, finish_shards
    root, model, n, end = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    cache = DiskCache(root)
    for i in range(n):
        description = {"backend": "openai", "model": model, "prompt": "PROMPT".format(i), "seed": i}
        result = [{"text": f"answer {i}", "seed": i, "prompt_tokens": 3, "completion_tokens": 2,
                   "finish_reason": "stop", "seconds": 0.1}]
        cache.put(call_key(description), description, result)
    if end == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    if end == "wait":
        print("stored", flush=True)
        sys.stdin.readline()
    finish_shards()
    """
).replace('"PROMPT"', repr(PROMPT))


def description(i: int, model: str = "judge") -> dict:
    return {"backend": "openai", "model": model, "prompt": PROMPT.format(i), "seed": i}


def answer(i: int) -> list[dict]:
    return [
        {"text": f"answer {i}", "seed": i, "prompt_tokens": 3, "completion_tokens": 2, "finish_reason": "stop",
         "seconds": 0.1}
    ]  # fmt: skip


def writer(root, n: int, end: str = "exit", model: str = "judge") -> subprocess.Popen:
    command = [sys.executable, "-c", WRITER, str(root), model, str(n), end]
    return subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def files(root) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def read_all(root, n: int, model: str = "judge") -> DiskCache:
    cache = DiskCache(root)
    for i in range(n):
        assert cache.get(call_key(description(i, model)), description(i, model)) == answer(i), i
    return cache


def test_a_finished_job_leaves_one_file_without_prompt_texts_that_the_next_job_reads(tmp_path):
    assert writer(tmp_path, 200).wait(timeout=60) == 0
    [shard] = files(tmp_path)
    assert shard.endswith(".db") and not shard.endswith(".open.db")
    assert b"must not be stored" not in (tmp_path / shard).read_bytes()  # the key stands for the prompt
    assert read_all(tmp_path, 200).hits == 200
    assert set(entries(tmp_path)) == {call_key(description(i)) for i in range(200)}
    stored = entries(tmp_path)[call_key(description(7))]
    assert stored == {"call": {"backend": "openai", "model": "judge", "seed": 7}, "result": answer(7)}


def test_a_killed_job_loses_no_committed_call_and_its_shard_is_recovered(tmp_path):
    job = writer(tmp_path, 50, end="kill")
    assert job.wait(timeout=60) == -signal.SIGKILL
    assert any(name.endswith(".open.db") for name in files(tmp_path))  # left as the kill found it
    assert calls_committed(tmp_path) == 50  # what a test reads before anyone recovers it
    assert read_all(tmp_path, 50).hits == 50
    [shard] = files(tmp_path)  # recovered: one closed file, no journal or lock left
    assert shard.endswith(".db") and not shard.endswith(".open.db")


def test_a_running_job_is_neither_read_nor_disturbed_and_is_read_once_it_ends(tmp_path):
    job = writer(tmp_path, 20, end="wait")
    assert job.stdout.readline() == "stored\n"
    assert calls_committed(tmp_path) == 20
    reader = DiskCache(tmp_path)
    assert reader.get(call_key(description(3)), description(3)) is None  # its shard is locked
    reader.put(call_key(description(100)), description(100), answer(100))  # a shard of its own
    assert reader.get(call_key(description(100)), description(100)) == answer(100)
    job.stdin.write("\n")
    job.stdin.close()
    assert job.wait(timeout=60) == 0
    assert read_all(tmp_path, 20).hits == 20


def test_shards_of_many_jobs_are_merged_into_one_keeping_every_call(tmp_path):
    cache = DiskCache(tmp_path)
    for i in range(COMPACT_AT + 3):  # one shard per "job": this process publishes its shard each time
        cache.put(call_key(description(i)), description(i), answer(i))
        finish_shards()
    assert len(files(tmp_path)) == COMPACT_AT + 3
    assert read_all(tmp_path, COMPACT_AT + 3).hits == COMPACT_AT + 3
    assert [name for name in files(tmp_path) if name.endswith(".db")] == [
        name for name in files(tmp_path) if not name.endswith(".lock")
    ]
    assert len([name for name in files(tmp_path) if name.endswith(".db")]) == 1


def test_each_model_has_its_own_folder(tmp_path):
    cache = DiskCache(tmp_path)
    for model in ("judge", "other"):
        for i in range(3):
            cache.put(call_key(description(i, model)), description(i, model), answer(i))
    finish_shards()
    assert len({name.split("/")[0] for name in files(tmp_path)}) == 2
    assert read_all(tmp_path, 3, "judge").hits == read_all(tmp_path, 3, "other").hits == 3


def test_a_damaged_entry_is_a_miss_that_names_the_shard(tmp_path, caplog):
    cache = DiskCache(tmp_path)
    cache.put(call_key(description(0)), description(0), answer(0))
    finish_shards()
    [shard] = (tmp_path).rglob("*.db")
    with sqlite3.connect(shard) as connection:
        connection.execute("UPDATE calls SET result = ?", (b"not zlib",))
    with caplog.at_level("WARNING"):
        assert DiskCache(tmp_path).get(call_key(description(0)), description(0)) is None
    assert str(shard.parent) in caplog.text


@pytest.fixture(autouse=True)
def no_shard_left_open():
    """Each test starts and ends with this process writing no shard."""
    finish_shards()
    yield
    finish_shards()


def test_a_settled_shard_is_never_rewritten_by_a_merge(tmp_path, monkeypatch):
    cache = DiskCache(tmp_path)
    for i in range(50):
        cache.put(call_key(description(i)), description(i), answer(i))
    finish_shards()
    [settled] = tmp_path.rglob("*.db")
    monkeypatch.setattr(store, "SETTLED_BYTES", settled.stat().st_size)  # it is large enough
    for i in range(50, 50 + COMPACT_AT + 1):
        cache.put(call_key(description(i)), description(i), answer(i))
        finish_shards()
    assert read_all(tmp_path, 50 + COMPACT_AT + 1).hits == 50 + COMPACT_AT + 1
    shards = sorted(tmp_path.rglob("*.db"))
    assert len(shards) == 2 and settled in shards  # the small ones merged, the settled one untouched


def test_shards_take_the_umask_mode_so_collaborators_can_recover_and_merge_them(tmp_path):
    previous = os.umask(0o002)
    try:
        cache = DiskCache(tmp_path)
        for i in range(COMPACT_AT + 1):
            cache.put(call_key(description(i)), description(i), answer(i))
            finish_shards()
        read_all(tmp_path, COMPACT_AT + 1)  # merges them
    finally:
        os.umask(previous)
    [shard] = tmp_path.rglob("*.db")
    assert shard.stat().st_mode & 0o777 == 0o664


def test_a_damaged_shard_in_a_merge_is_moved_aside_named_and_its_calls_made_again(tmp_path, caplog):
    """More than COMPACT_AT small shards, one of them not a database: the next job to open the
    folder merges the others, moves that one aside (named in the log and in ``moved_aside``),
    and misses only its calls; the job after it merges nothing and trips over nothing."""
    cache = DiskCache(tmp_path)
    for i in range(COMPACT_AT + 2):
        cache.put(call_key(description(i)), description(i), answer(i))
        finish_shards()
    shards = sorted(tmp_path.rglob("*.db"))
    with sqlite3.connect(shards[0]) as connection:  # which call it holds
        [(damaged_key,)] = connection.execute("SELECT key FROM calls").fetchall()
    shards[0].write_bytes(b"not a database" * 100)
    with caplog.at_level("WARNING"):
        cache = DiskCache(tmp_path)
        found = [cache.get(call_key(description(i)), description(i)) for i in range(COMPACT_AT + 2)]
    assert sum(result is not None for result in found) == COMPACT_AT + 1  # all but the damaged shard's
    aside = shards[0].with_name(shards[0].name + ".damaged")
    assert aside.exists() and not shards[0].exists() and str(aside) in store.moved_aside()
    assert str(shards[0]) in caplog.text and "moved aside" in caplog.text
    assert len(list(tmp_path.rglob("*.db"))) == 1  # the others merged into one
    cache = DiskCache(tmp_path)
    missing = [i for i in range(COMPACT_AT + 2) if cache.get(call_key(description(i)), description(i)) is None]
    assert [call_key(description(i)) for i in missing] == [damaged_key]


def test_a_shard_that_is_not_a_database_is_moved_aside_when_opened(tmp_path, caplog):
    cache = DiskCache(tmp_path)
    cache.put(call_key(description(0)), description(0), answer(0))
    finish_shards()
    [shard] = tmp_path.rglob("*.db")
    shard.write_bytes(b"\0" * 4096)
    with caplog.at_level("WARNING"):
        assert DiskCache(tmp_path).get(call_key(description(0)), description(0)) is None
    assert shard.with_name(shard.name + ".damaged").exists() and "moved aside" in caplog.text


def test_what_each_call_cost_is_filed_with_it_by_run_killed_runs_and_merges_included(tmp_path):
    """Three jobs (one killed after its calls) store calls of one model: the spend table lists
    each run with its calls and tokens, the killed one's too; merging the shards keeps it."""
    for n, end in ((3, "exit"), (4, "kill"), (2, "exit")):
        writer(tmp_path, n, end).wait(timeout=60)
    found = store.spend(tmp_path)
    assert sorted(row["calls"] for row in found) == [2, 3, 4] and len({row["run"] for row in found}) == 3
    tokens = [(row["prompt_tokens"], row["completion_tokens"]) for row in found]
    assert tokens == [(3 * row["calls"], 2 * row["calls"]) for row in found]  # the writer's answers: 3 + 2 each
    assert {row["model"] for row in found} == {"judge"}
    cache = DiskCache(tmp_path)  # and many more shards, then merged
    for i in range(100, 100 + COMPACT_AT + 1):
        cache.put(call_key(description(i)), description(i), answer(i))
        finish_shards()
    DiskCache(tmp_path).get(call_key(description(0)), description(0))  # opening the folder merges
    assert len(list(tmp_path.rglob("*.db"))) == 1
    merged = store.spend(tmp_path)
    assert sum(row["calls"] for row in merged) == 9 + COMPACT_AT + 1
    assert [row for row in merged if row["calls"] in (2, 3, 4)] == [row for row in found]


def test_cached_input_tokens_are_filed_and_shards_of_the_earlier_layout_read_as_none(tmp_path):
    """The spend table adds up the prompt tokens a provider's cache served; a shard written
    before that column existed is read, and merged, as 0 of them."""
    cache = DiskCache(tmp_path)
    cache.put(call_key(description(0)), description(0), answer(0))
    finish_shards()
    (shard,) = tmp_path.rglob("*.db")
    with sqlite3.connect(shard) as connection:  # the earlier layout: no cached_input_tokens column
        connection.execute("ALTER TABLE spend RENAME TO newer")
        connection.execute(
            "CREATE TABLE spend (run TEXT NOT NULL, job TEXT NOT NULL, model TEXT NOT NULL, calls INTEGER NOT NULL,"
            " prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL, PRIMARY KEY (run, job, model))"
            " WITHOUT ROWID"
        )
        kept = "run, job, model, calls, prompt_tokens, completion_tokens"
        connection.execute(f"INSERT INTO spend SELECT {kept} FROM newer")
        connection.execute("DROP TABLE newer")
    assert [(row["calls"], row["cached_input_tokens"]) for row in store.spend(tmp_path)] == [(1, 0)]
    cache = DiskCache(tmp_path)
    for i in range(1, COMPACT_AT + 1):  # calls with 2 cached prompt tokens each, one shard each
        cache.put(call_key(description(i)), description(i), [{**answer(i)[0], "cached_input_tokens": 2}])
        finish_shards()
    DiskCache(tmp_path).get(call_key(description(0)), description(0))  # opening the folder merges
    assert len(list(tmp_path.rglob("*.db"))) == 1
    (merged,) = store.spend(tmp_path)
    assert (merged["calls"], merged["prompt_tokens"], merged["cached_input_tokens"]) == (
        COMPACT_AT + 1, 3 * (COMPACT_AT + 1), 2 * COMPACT_AT,
    )  # fmt: skip
