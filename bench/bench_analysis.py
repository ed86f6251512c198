"""Scale benchmark of the analysis steps on paper-scale synthetic inputs.

10 model runs x 1360 dilemmas x k in (5, 10, 20) x 11 samples x 10 arguments per response,
values drawn from the 301-value DailyDilemmas vocabulary (or 301 synthetic names when the
shared data is absent). The inputs are written as the workflow's files first (not timed);
then every analysis step runs as the rules run it: the per-sample preference tables, each
run's analysis (bootstrap, shuffles, attributes) and the collection of all runs. Runs are
spread over two worker processes, as `snakemake --cores 2` would.

    .venv/bin/python bench/bench_analysis.py [--runs 10] [--dilemmas 1360] [--bootstrap 200]
        [--compression-replicates 0]
"""

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

# Snakemake runs a one-thread job with these set to 1 (before numpy loads its BLAS); without
# them two workers oversubscribe two cores.
for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from valueprefs.analysis.jobs import collect_analyses, write_run_analysis  # noqa: E402
from valueprefs.analysis.settings import analysis_params  # noqa: E402
from valueprefs.annotation.argument_table import write_argument_table  # noqa: E402
from valueprefs.preferences.jobs import write_long_preferences, write_short_preferences  # noqa: E402

SHARED = Path(os.environ.get("VALUEPREFS_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
KS = (5, 10, 20)
OUTPUTS = {"correlations": "correlations.csv", "replicates": "replicates.jsonl", "attributes": "attributes.csv"}
WORDS = "care honest trust fair risk family friend money rule work time health safe respect duty".split()


def vocabulary() -> list[str]:
    path = SHARED / "dailydilemmas" / "values.csv"
    if path.exists():
        return list(pd.read_csv(path)["value"].str.lower())
    return [f"value {i}" for i in range(301)]


def write_jsonl(path: Path, rows) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as stream:
        for row in rows:
            stream.write(json.dumps(row) + "\n")


def write_inputs(root: Path, runs: int, dilemmas: int, samples: int, values: list[str]) -> None:
    rng = np.random.default_rng(0)
    pd.DataFrame({"value": values}).to_csv(root / "vocabulary.csv", index=False)
    items = []
    for i in range(dilemmas):
        chosen = rng.choice(len(values), size=rng.integers(3, 9), replace=False)
        cut = rng.integers(1, len(chosen))
        items.append({"dilemma_id": f"d{i}", "values_to_do": [values[v] for v in chosen[:cut]],
                      "values_not_to_do": [values[v] for v in chosen[cut:]]})  # fmt: skip
    write_jsonl(root / "items.jsonl", items)
    for run in range(runs):
        base = root / f"run{run}"
        for task in ("short", "short_explicit", "short_swapped"):
            rows = ({"item_id": f"d{i}", "sample": s, "decision": str(rng.choice(["to_do", "not_to_do"]))}
                    for i in range(dilemmas) for s in range(samples))  # fmt: skip
            write_jsonl(base / f"{task}.jsonl", rows)
        for k in KS:
            rows = [
                {"item_id": f"d{i}", "sample": s, "position": p, "n_arguments": 10,
                 "argument": " ".join(rng.choice(WORDS, size=40)),
                 "values": [values[v] for v in rng.choice(len(values), size=rng.integers(1, 4), replace=False)],
                 "specificity_path": int(rng.integers(1, 6)), "specificity_attribute": int(rng.integers(1, 6))}
                for i in range(dilemmas) for s in range(samples) for p in range(1, 11)
            ]  # fmt: skip
            write_argument_table(str(base / f"long_k{k}.table.csv"), rows)


def analyze(root: Path, run: int, samples: int, bootstrap: int, resampling: str, compression_replicates: int) -> float:
    """Every analysis job of one run, as the rules call them; returns seconds."""
    start = time.perf_counter()
    base, out = root / f"run{run}", root / "out" / f"run{run}"
    vocabulary_csv, items = str(root / "vocabulary.csv"), str(root / "items.jsonl")
    sources = {task: base / f"{task}.jsonl" for task in ("short", "short_explicit", "short_swapped")}
    sources |= {f"long_k{k}": base / f"long_k{k}.table.csv" for k in KS}
    evidence = {}
    for task, source in sources.items():
        targets = {sample: str(out / "preferences" / task / f"sample{sample}.csv") for sample in range(samples)}
        name = "positions.npz" if task.startswith("long") else "games.npz"
        evidence[task] = str(out / "preferences" / task / name)
        if task.startswith("long_"):
            write_long_preferences(str(source), vocabulary_csv, targets, evidence[task])
        else:
            spread = {"shuffles": 20, "seed": 0}
            write_short_preferences(str(source), items, vocabulary_csv, targets, spread, evidence[task])
    settings = analysis_params({
        "analysis": {"bootstrap": bootstrap, "resampling": resampling, "seed": 0, "preference_sample": 0,
                     "reference_dataset": "dd", "compression_replicates": compression_replicates,
                     "compression_subset_size": 5, "compression_subsets": 10, "estimator": "trueskill",
                     "reliability_splits": 20, "min_evidence": 1, "replicate_splits": 4},
        "generation": {"n_samples": samples - 1},
        "annotation": {"specificity": ["path", "attribute"]},
    })  # fmt: skip
    long_files = {f"long_k{k}": (str(base / f"long_k{k}.table.csv"), evidence[f"long_k{k}"]) for k in KS}
    short = {"dd": {task: evidence[task] for task in ("short", "short_explicit", "short_swapped")}}
    files = {"vocabulary": vocabulary_csv, "items": {"dd": items}, "kinds": {"dd": "dilemmas"}, "short": short,
             "long": {"dd": long_files}, "recognition": {}}  # fmt: skip
    outputs = {name: str(out / file) for name, file in OUTPUTS.items()}
    write_run_analysis({"model": f"run{run}", "alignment": "instruct"}, files, settings, {}, outputs)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--dilemmas", type=int, default=1360)
    parser.add_argument("--samples", type=int, default=11)
    parser.add_argument("--bootstrap", type=int, default=200)
    parser.add_argument("--resampling", choices=["half", "bootstrap"], default="half")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--compression-replicates", type=int, default=0, help="analysis.compression_replicates")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        start = time.perf_counter()
        write_inputs(root, args.runs, args.dilemmas, args.samples, vocabulary())
        print(f"inputs written in {time.perf_counter() - start:.0f} s (not part of the timing)", flush=True)
        start = time.perf_counter()
        with ProcessPoolExecutor(args.workers) as pool:
            seconds = list(pool.map(analyze, [root] * args.runs, range(args.runs), [args.samples] * args.runs,
                                    [args.bootstrap] * args.runs, [args.resampling] * args.runs,
                                    [args.compression_replicates] * args.runs))  # fmt: skip
        out = root / "out"
        runs = [out / f"run{run}" for run in range(args.runs)]
        tables = ("correlations", "attributes", "frameworks", "recognition", "controls", "comparisons")
        collected = {name: str(out / f"{name}.csv") for name in tables} | {"replicates": str(out / "replicates.jsonl")}
        collect_analyses(
            [str(r / "correlations.csv") for r in runs], [str(r / "replicates.jsonl") for r in runs],
            [str(r / "attributes.csv") for r in runs], str(root / "vocabulary.csv"), {"dd": "dilemmas"}, collected,
        )  # fmt: skip
        total = time.perf_counter() - start
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    parent = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"runs: {args.runs} x {args.dilemmas} dilemmas x {len(KS)} k x {args.samples} samples x 10 arguments")
    print(f"per run (one worker): {min(seconds):.1f}-{max(seconds):.1f} s")
    print(f"all analysis steps, {args.workers} workers: {total:.1f} s")
    print(f"peak memory: largest worker {children:.0f} MB, parent {parent:.0f} MB")
    sys.exit(0 if total < 60 and max(children, parent) < 4096 else 1)


if __name__ == "__main__":
    main()
