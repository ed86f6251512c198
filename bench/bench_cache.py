"""The call cache at the size of the paper-scale rehearsal: many jobs write, one job reads all.

Each writer process stands for one annotation job: it stores its share of judge calls whose
prompts share a long prefix (the paper's value prompt lists the 301 values), as the real runner
does, through ``DiskCache.put``. Then a fresh process looks every call up through
``DiskCache.get`` in random order, as a rerun does. Reported: files and bytes on disk, inserts
and lookups per second, the merge of the writers' shards on first open.

    .venv/bin/python bench/bench_cache.py --calls 82769 --jobs 24
"""

import argparse
import json
import multiprocessing
import random
import shutil
import tempfile
import time
from pathlib import Path

PREFIX = "You label arguments with the values they express. Choose among: " + ", ".join(
    f"value number {i}" for i in range(301)
)


def description(i: int) -> dict:
    """A judge call: a long shared prompt prefix, one argument, the judge's parameters."""
    argument = f"Argument {i}: telling the truth keeps the trust of the people involved ({i * 7919 % 104729})."
    return {
        "backend": "openai",
        "model": "gpt-4o-2024-08-06",
        "base_url": "https://api.openai.com/v1",
        "kind": "generate",
        "messages": [{"role": "user", "content": f"{PREFIX}\n\nArgument: {argument}\nValues:"}],
        "max_tokens": 96,
        "temperature": 0.0,
        "seed": 0,
        "n": 1,
    }


def result(i: int) -> list[dict]:
    return [
        {
            "text": "honesty, trust" if i % 2 else "fairness, responsibility, care",
            "seed": 0,
            "prompt_tokens": 1650 + i % 40,
            "completion_tokens": 6,
            "finish_reason": "stop",
            "seconds": 0.8,
        }
    ]


def write_share(root: str, indices: list[int]) -> float:
    """One job: store its calls; returns the seconds spent in ``put``."""
    from valueprefs.runtime.cache import DiskCache, call_key, finish_shards

    cache = DiskCache(root)
    calls = [(call_key(description(i)), description(i), result(i)) for i in indices]
    start = time.perf_counter()
    for key, call, answer in calls:
        cache.put(key, call, answer)
    seconds = time.perf_counter() - start
    finish_shards()
    return seconds


def read_all(root: str, indices: list[int]) -> tuple[float, float, int]:
    """A rerun: the first open (recovery, merge) and every lookup, timed apart."""
    from valueprefs.runtime.cache import DiskCache, call_key

    calls = [(call_key(description(i)), description(i)) for i in indices]
    cache = DiskCache(root)
    start = time.perf_counter()
    cache.has(*calls[0])  # opens the namespace: merges the writers' shards
    opened = time.perf_counter() - start
    start = time.perf_counter()
    found = sum(cache.get(key, call) is not None for key, call in calls)
    return opened, time.perf_counter() - start, found


def disk_usage(root: Path) -> tuple[int, int]:
    files = [path for path in root.rglob("*") if path.is_file()]
    return len(files), sum(path.stat().st_blocks * 512 for path in files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=82769)
    parser.add_argument("--jobs", type=int, default=24, help="writer processes, two at a time")
    parser.add_argument("--dir", default=None, help="where to build the cache (default: a temporary folder)")
    args = parser.parse_args()
    folder = Path(args.dir or tempfile.mkdtemp(prefix="bench-cache-"))
    root = folder / "calls"
    shares = [list(range(job, args.calls, args.jobs)) for job in range(args.jobs)]
    context = multiprocessing.get_context("spawn")
    with context.Pool(2, maxtasksperchild=1) as pool:  # a fresh process per job, as SLURM runs them
        put_seconds = pool.starmap(write_share, [(str(root), share) for share in shares])
    files, size = disk_usage(root)
    order = list(range(args.calls))
    random.Random(0).shuffle(order)
    with context.Pool(1) as pool:
        opened, lookup_seconds, found = pool.apply(read_all, (str(root), order))
    files_after, size_after = disk_usage(root)
    report = {
        "calls": args.calls,
        "jobs": args.jobs,
        "files_after_writing": files,
        "files_after_first_read": files_after,
        "calls_per_file": round(args.calls / files_after),
        "bytes_per_call": round(size_after / args.calls),
        "inserts_per_second": round(args.calls / sum(put_seconds)),
        "merge_seconds": round(opened, 2),
        "lookups_per_second": round(args.calls / lookup_seconds),
        "found": found,
        "bytes_per_call_before_merge": round(size / args.calls),
    }
    print(json.dumps(report, indent=2))
    if args.dir is None:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
