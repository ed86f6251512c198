"""Where the test suite's time goes: the suite as `make test` runs it, with the CPU of each Python
process it starts recorded when that process exits.

    .venv/bin/python bench/bench_test_suite.py                       # the whole suite, 2 workers
    .venv/bin/python bench/bench_test_suite.py -- tests/test_faults.py   # part of it

Printed (markdown, for bench/RESULTS.md and bench/HISTORY.md): the CPU model, the wall time, the
CPU of every process the suite waited for, and the CPU that Python processes recorded, by kind
(Snakemake runs and dry runs, each workflow script, servers, the pytest workers) and by the test
module that was running when they started. A process that dies from a signal records nothing,
and neither does a SLURM job that runs outside this process tree: the gap between the two totals
is theirs, plus that of the programs that are not Python (llama.cpp under the CPU emulator, the
browser).

The recorder is a ``sitecustomize`` module put first on PYTHONPATH; it hides any other
``sitecustomize`` of the interpreter for the run.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from valueprefs.llm.cpu import cpu_model

REPO = Path(__file__).resolve().parents[1]

CENSUS_VARIABLE = "VALUEPREFS_SUITE_CENSUS"
# Written as sitecustomize.py: every Python process of the run appends one JSON line at exit.
RECORDER = """\
import atexit, json, os, sys


def _record():
    times = os.times()
    line = {"argv": sys.argv, "cpu": times.user + times.system, "test": os.environ.get("PYTEST_CURRENT_TEST", "")}
    with open(os.environ["VARIABLE"], "a") as census:
        census.write(json.dumps(line) + "\\n")


if os.environ.get("VARIABLE"):
    atexit.register(_record)
""".replace("VARIABLE", CENSUS_VARIABLE)
OUTSIDE_A_TEST = "(outside any test: pytest itself)"


def process_kind(argv: list[str]) -> str:
    """What a process was, from its command line: a Snakemake run or dry run, a workflow
    script (Snakemake runs a copy named ``tmp<random>.<script>``), a module run with -m, ..."""
    if not argv or argv[0] in ("-c", ""):
        return "python -c (pytest workers, inline code)"
    path = Path(argv[0])
    if path.name == "snakemake":
        return "snakemake (dry run)" if {"-n", "--dry-run"} & set(argv) else "snakemake (run)"
    if path.parent.name == "scripts" and path.name.startswith("tmp") and path.name.count(".") >= 2:
        return "job " + path.name.split(".", 1)[1]
    if path.name == "__main__.py":
        return f"python -m {path.parent.name}"
    if "valueprefs" in path.parts[:-1]:  # python -m valueprefs.<module>: name it from the package
        return "/".join(path.parts[path.parts.index("valueprefs") :])
    return path.name


def test_module(current_test: str) -> str:
    """The test module of a PYTEST_CURRENT_TEST value (``tests/test_x.py::test_y (call)``)."""
    return current_test.split("::", 1)[0] or OUTSIDE_A_TEST


def tally(records: list[dict], key) -> list[tuple[str, int, float]]:
    """(name, processes, CPU seconds) per ``key(record)``, the most CPU first."""
    counts, seconds = defaultdict(int), defaultdict(float)
    for record in records:
        name = key(record)
        counts[name] += 1
        seconds[name] += record["cpu"]
    return sorted(((name, counts[name], seconds[name]) for name in counts), key=lambda row: -row[2])


def read_census(path: Path) -> list[dict]:
    """The census lines; a line cut short by a process killed while writing is left out."""
    records = []
    for line in path.read_text().splitlines() if path.exists() else []:
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return records


def table(title: str, rows: list[tuple[str, int, float]], top: int) -> str:
    lines = [f"| {title} | processes | CPU s |", "|---|---:|---:|"]
    lines += [f"| {name} | {count} | {seconds:.1f} |" for name, count, seconds in rows[:top]]
    if len(rows) > top:
        rest = rows[top:]
        lines.append(f"| {len(rest)} others | {sum(r[1] for r in rest)} | {sum(r[2] for r in rest):.1f} |")
    return "\n".join(lines)


def report(records: list[dict], wall: float, waited_cpu: float, returncode: int, top: int) -> str:
    recorded = sum(record["cpu"] for record in records)
    head = [
        f"CPU: {cpu_model() or 'unknown'} ({os.cpu_count()} logical CPUs)",
        f"pytest exit status {returncode}; wall {wall / 60:.1f} min ({wall:.0f} s)",
        f"CPU of the processes waited for: {waited_cpu:.0f} s; recorded by {len(records)} Python processes: "
        f"{recorded:.0f} s",
    ]
    kinds = table("process", tally(records, lambda r: process_kind(r["argv"])), top)
    modules = table("test module", tally(records, lambda r: test_module(r["test"])), top)
    return "\n".join(head) + "\n\n" + kinds + "\n\n" + modules


def run_suite(pytest_args: list[str], workers: int, census: Path) -> tuple[float, float, int]:
    """Run pytest from the checkout with the recorder on; wall seconds, CPU of the processes
    waited for, pytest's exit status."""
    hook = census.parent / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(RECORDER)
    offline = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}  # as the Makefile exports them
    env = dict(os.environ, CI="true", **offline, **{CENSUS_VARIABLE: str(census)})
    env.pop("PYTEST_CURRENT_TEST", None)  # run from a test: its processes are attributed to their own tests
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(hook), env.get("PYTHONPATH", "")]))
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *(["-n", str(workers)] * bool(workers))]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    returncode = subprocess.run([*command, *pytest_args], cwd=REPO, env=env, check=False).returncode
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    waited = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, waited, returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="pytest-xdist workers (0: none); make test uses 2")
    parser.add_argument("--top", type=int, default=15, help="rows per table")
    parser.add_argument("pytest_args", nargs="*", help="after --: what pytest runs (default: the whole suite)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="suite-census-") as scratch:
        census = Path(scratch) / "census.jsonl"
        wall, waited, returncode = run_suite(args.pytest_args, args.workers, census)
        print(report(read_census(census), wall, waited, returncode, args.top))
    sys.exit(returncode)


if __name__ == "__main__":
    main()
