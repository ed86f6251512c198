"""Operating the DAG: how long a full paper dry-run and a no-op rerun of the finished demo take.

    .venv/bin/python bench/bench_dag.py [--demo DIR] [--repeat 3]

The paper dry-run builds the DAG of `config/paper.yaml` (395 jobs) in an empty directory.
The no-op rerun runs `snakemake --profile profiles/local` in DIR, a checkout where `make demo`
has finished (skipped without --demo); it must find nothing to do.
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))


def timed(command: list[str], cwd: Path) -> tuple[float, str]:
    """Wall time of one command and its combined output; a failure stops the benchmark."""
    start = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{result.stderr[-3000:]}")
    return seconds, result.stdout + result.stderr


def report(name: str, runs: list[float], target: float) -> None:
    verdict = "meets" if max(runs) < target else "MISSES"
    times = ", ".join(f"{seconds:.1f}" for seconds in runs)
    print(f"{name}: median {statistics.median(runs):.1f} s (runs: {times}); target < {target:.0f} s: {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo", type=Path, help="a checkout where `make demo` finished")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as empty:
        command = [SNAKEMAKE, "-s", str(REPO / "Snakefile"), "-d", empty, "-n", "--configfile"]
        command.append(str(REPO / "config/paper.yaml"))
        runs = []
        for _ in range(args.repeat):
            seconds, output = timed(command, REPO)
            runs.append(seconds)
        jobs = next(line.split()[1] for line in output.splitlines() if line.startswith("total"))
        report(f"paper dry-run ({jobs} jobs)", runs, 10)

    if args.demo:
        runs = []
        for _ in range(args.repeat):
            seconds, output = timed([SNAKEMAKE, "--profile", "profiles/local"], args.demo)
            if "Nothing to be done" not in output:
                sys.exit(f"the demo in {args.demo} is not finished: the rerun had work to do")
            runs.append(seconds)
        report("no-op rerun of the finished demo", runs, 15)


if __name__ == "__main__":
    main()
