"""The paper-shaped DAG on synthetic models: wall time, calls per second, files and bytes written,
peak memory, and the whole paper grid extrapolated from it.

    .venv/bin/python bench/bench_paper_shaped.py --scale 0.1 [--via http] [--vocabulary CSV]
        [--protocol paper|defaults|batched|structured|economy] [--shards N]

The shape is the paper's: 1360 dilemmas and 63 questions (times --scale, generated over the
vocabulary), k = 5/10/20, greedy + 10 samples at temperature 0.9, path and attribute
specificity for the sample the analyses read, 200 bootstrap resamples. The judge protocol is
the paper's (``--protocol paper``: one extraction call per response, one value call and one
call per specificity prompt per argument), our defaults (``defaults``: one value call per
response), everything batched (``batched``: specificity too, one call per response) or batched
with structure first (``structured``: a clean numbered list of k is split without an extraction
call; the synthetic model writes only such lists, so this is the saving's upper bound), or
``economy``, config/paper_economy.yaml's protocol: structured, its judge at Batch API prices
(the synthetic judge has no Batch API: the primary judge's measured tokens are priced at the
batch price), provider prompt caching where the server reports it, and the audit that measures
what the saving costs (1% of the answers split by structure reread with the paper's protocol by
the audit judge, sent one by one at the standard price). With an audit, the audit's agreement
(judge_agreement.csv) is printed beside the dollars, and with controls their checks. One
synthetic control model answers and the synthetic judge reads, in process (``--via process``)
or through the synthetic OpenAI-compatible server on 127.0.0.1 (``--via http``: the ``openai``
backend and judge). The run happens in a fresh directory, so every call is made (and cached)
once.

The judge's tokens are priced as config/paper.yaml prices its judge, and the measured run is
scaled to the paper's grid (config/paper.yaml's model runs, all items) in one table: calls,
cache files and bytes, pipeline CPU hours, judge dollars and days of judge calls at the paper
judge's concurrency and 1 s per call.

Pipeline CPU is the workflow's own: every job and Snakemake, without the time the synthetic
model and judge took to answer (the stand-ins for model servers). In process that time is the
ledger's ``answer_seconds`` (the engine is single-threaded, so its wall time is CPU time) and
is subtracted; over HTTP the server is a separate process, measured on its own.
``--shards N`` splits generation and annotation jobs into N item ranges each.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import yaml

from valueprefs.accounting.cost import model_price, usd
from valueprefs.accounting.summary import control_line
from valueprefs.runtime.cache import entries

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
PAPER = yaml.safe_load((REPO / "config" / "paper.yaml").read_text())
PAPER_JUDGE = PAPER["judges"][0]
ECONOMY = yaml.safe_load((REPO / "config" / "paper_economy.yaml").read_text())
JUDGE_SECONDS_PER_CALL = 1.0
PROTOCOLS = ("paper", "defaults", "batched", "structured", "economy")


def paper_config(
    workdir: Path, scale: float, samples: int, vocabulary: Path | None, base_url: str | None, shards: int, protocol: str
) -> Path:
    """The paper's settings on generated items and one synthetic control (in process or over HTTP)."""
    remote = {"backend": "openai", "base_url": base_url, "api_key_env": "SYNTHETIC_SERVER_KEY"} if base_url else {}
    model = {"backend": "synthetic", "model": "synthetic-control", "control": {"consistency": 0.5}} | remote
    judge = {"name": "reader", "backend": "synthetic", "model": "synthetic-judge"} | remote
    config = {
        "datasets": {
            "dailydilemmas": {"kind": "dilemmas", "source": "demo", "limit": 1},
            "opinionqa": {"kind": "questions", "source": "demo", "limit": 1},
        },
        "vocabulary": {"source": "file", "path": str(vocabulary)} if vocabulary else {"source": "demo"},
        "models": {"synthetic-control": {"instruct": model}},
        "generation": {"k": [5, 10, 20], "n_samples": samples, "temperature": 0.9, "seed": 0, "shards": shards},
        "judges": [{**judge, "steps": ["arguments", "values", "specificity"]}],
        "annotation": {
            "specificity": ["path", "attribute"],
            "specificity_samples": None,
            "value_batching": protocol != "paper",
            "specificity_batching": protocol in ("batched", "structured", "economy"),
            "structure_first": protocol in ("structured", "economy"),
            "shards": shards,
        }
        | ({"audit": ECONOMY["annotation"]["audit"]} if protocol == "economy" else {}),
        "analysis": {"bootstrap": 200, "reference_dataset": "dailydilemmas"},
        "prices": {"synthetic-judge": PAPER["prices"][PAPER_JUDGE["model"]]},
    }
    config["datasets"]["dailydilemmas"]["generated"] = {"items": max(1, round(1360 * scale) - 1)}
    config["datasets"]["opinionqa"]["generated"] = {"items": max(1, round(63 * scale) - 1)}
    path = workdir / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def start_server(workdir: Path, configfile: Path, port: int) -> subprocess.Popen:
    command = [sys.executable, "-m", "valueprefs.synthetic.server", "--port", str(port), "--config", str(configfile)]
    command += ["--model", "synthetic-control/instruct", "--data", str(workdir / "results" / "data")]
    command += ["--schema", str(REPO / "workflow" / "schemas" / "config.schema.yaml")]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    time.sleep(2)
    return server


def stop_server(server: subprocess.Popen) -> float:
    """Stop the server and return the CPU seconds it used (its own, measured on its exit)."""
    server.terminate()
    _, _, usage = os.wait4(server.pid, 0)
    server.returncode = 0
    return usage.ru_utime + usage.ru_stime


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def written(results: Path) -> tuple[int, int]:
    """Files and bytes under ``results``."""
    files = [path for path in results.rglob("*") if path.is_file()]
    return len(files), sum(path.stat().st_size for path in files)


def largest_jobs(benchmarks: Path, count: int = 3) -> list[tuple[str, int]]:
    """The jobs with the largest peak memory (MB), from Snakemake's benchmark files (jobs
    without one, such as figures, are not listed)."""
    peaks = [
        (str(path.relative_to(benchmarks).with_suffix("")), round(float(pd.read_csv(path, sep="\t")["max_rss"].max())))
        for path in benchmarks.rglob("*.tsv")
    ]
    return sorted(peaks, key=lambda peak: -peak[1])[:count]


def stored_judge_calls(cache: Path) -> int:
    """Distinct judge calls in the call cache (the synthetic judge's identity names it): the
    judge calls made, if every call was made once (a judge call asks for one answer)."""
    return sum("synthetic-judge" in str(entry["call"].get("model")) for entry in entries(cache).values())


def judge_dollars(ledger: pd.DataFrame, protocol: str) -> float:
    """The judge's USD in this run: the ledger's, except under ``economy``, where the primary
    judge's tokens are priced at the Batch API price of config/paper_economy.yaml (the audit
    judge sends its calls one by one, at the standard price the ledger used)."""
    annotate = ledger[ledger["rule"] == "annotate"]
    if protocol != "economy":
        return float(annotate["usd_spent"].sum())
    batch = model_price(ECONOMY["judges"][0]["model"], PAPER["prices"], batch=True)
    primary = annotate["judge_or_model"] == "reader"
    repriced = sum(
        usd(row.prompt_tokens_spent, row.cached_input_tokens_spent, row.completion_tokens_spent, batch)
        for row in annotate[primary].itertuples()
    )
    return float(repriced + annotate.loc[~primary, "usd_spent"].sum())


def audit_agreement(results: Path) -> list[str]:
    """The audit judge's agreement with what it audits, one line per step, with its interval."""
    path = results / "annotation" / "judge_agreement.csv"
    if not path.is_file():
        return []
    table = pd.read_csv(path)
    audited = table[table["judge_b"].astype(str).str.endswith("-audit")]
    lines = []
    for row in audited.itertuples():
        name = {"arguments": "exact_match", "values": "jaccard", "specificity": "krippendorff_alpha"}[row.step]
        value, low, high = (getattr(row, name + part) for part in ("", "_low", "_high"))
        lines.append(f"audit {row.step}: {name} {value:.2f} [{low:.2f}, {high:.2f}] over {row.n} ({row.judge_b})")
    return lines


def paper_grid(summary: dict) -> list[tuple[str, float, float]]:
    """(quantity, measured, paper grid) rows: the measured run times the paper's model runs and
    one over the item scale. Cache files grow with jobs, not items: times the model runs only."""
    runs = sum(len(alignments) for alignments in PAPER["models"].values())
    per_call = runs / summary["scale"]
    judge_rate = PAPER_JUDGE["max_concurrency"] / JUDGE_SECONDS_PER_CALL
    measured = {
        "model calls": summary["model_calls"],
        "judge calls": summary["judge_calls"],
        "cache files": summary["cache_files"],
        "cache GB": summary["cache_bytes"] / 1e9,
        "pipeline CPU hours": summary["pipeline_cpu_seconds"] / 3600,
        f"judge USD ({PAPER_JUDGE['model']} prices)": summary["judge_usd"],
        f"days of judge calls ({PAPER_JUDGE['max_concurrency']} in flight, 1 s each)": summary["judge_calls"]
        / judge_rate
        / 86400,
    }
    return [(name, value, value * (runs if name == "cache files" else per_call)) for name, value in measured.items()]


def readable(value: float) -> str:
    """Whole numbers with thousands separators from 100 on, three significant digits below."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the paper's items")
    parser.add_argument("--samples", type=int, default=10, help="temperature samples per long answer")
    parser.add_argument("--via", choices=("process", "http"), default="process")
    parser.add_argument("--vocabulary", type=Path, help="a normalized vocabulary CSV (default: the demo's 60 values)")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--shards", type=int, default=1, help="item ranges per generation and annotation job")
    parser.add_argument("--protocol", choices=PROTOCOLS, default="paper")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        workdir = Path(directory)
        port = free_port()
        base_url = f"http://127.0.0.1:{port}/v1" if args.via == "http" else None
        configfile = paper_config(
            workdir, args.scale, args.samples, args.vocabulary, base_url, args.shards, args.protocol
        )
        server = start_server(workdir, configfile, port) if base_url else None
        command = [SNAKEMAKE, "-s", str(REPO / "Snakefile"), "-d", str(workdir), "--cores", str(args.cores)]
        command += ["--configfile", str(configfile)]
        start = time.perf_counter()
        env = {**os.environ, "SYNTHETIC_SERVER_KEY": "not-a-secret"}
        result = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
        seconds = time.perf_counter() - start
        children = resource.getrusage(resource.RUSAGE_CHILDREN)  # Snakemake and its jobs, not the server
        server_cpu = stop_server(server) if server else 0.0
        if result.returncode != 0:
            sys.exit(f"the run failed:\n{result.stderr[-4000:]}")
        ledger = pd.read_csv(workdir / "results" / "ledger.csv")
        calls = ledger.groupby("rule")["calls_made"].sum().to_dict()
        files, size = written(workdir / "results")
        cache_files, cache_bytes = written(workdir / "results" / "cache")
        peak = children.ru_maxrss / 1024
        cpu = children.ru_utime + children.ru_stime
        answering = float(ledger["answer_seconds"].sum())
        pipeline_cpu = cpu if server else cpu - answering
        summary = {
            "scale": args.scale,
            "via": args.via,
            "protocol": args.protocol,
            "seconds": round(seconds, 1),
            "model_calls": int(calls.get("generate", 0)),
            "judge_calls": int(calls.get("annotate", 0)),
            "calls_per_second": round(sum(calls.values()) / seconds, 1),
            "judge_calls_stored": stored_judge_calls(workdir / "results" / "cache" / "calls"),
            "files": files,
            "megabytes": round(size / 1e6, 1),
            "cache_files": cache_files,
            "cache_bytes": cache_bytes,
            "cpu_seconds": round(cpu, 1),
            "answer_seconds": round(answering, 1),
            "server_cpu_seconds": round(server_cpu, 1),
            "pipeline_cpu_seconds": round(pipeline_cpu, 1),
            "pipeline_ms_per_call": round(1000 * pipeline_cpu / max(sum(calls.values()), 1), 3),
            "judge_usd": round(judge_dollars(ledger, args.protocol), 2),
            "cached_input_tokens": int(ledger["cached_input_tokens_spent"].sum()),
            "peak_child_rss_mb": round(peak),
            "largest_jobs_mb": largest_jobs(workdir / "results" / "benchmarks"),
        }
        checks = [*audit_agreement(workdir / "results"), *control_line(str(workdir / "results/analysis/controls.csv"))]
        print(json.dumps(summary))
        print("\n".join(checks))
        print("\n| quantity | this run | paper grid |\n| --- | --- | --- |")
        for name, value, grid in paper_grid(summary):
            print(f"| {name} | {readable(value)} | {readable(grid)} |")


if __name__ == "__main__":
    main()
