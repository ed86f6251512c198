"""The benchmarks keep working as the library changes: each one imports, and the analysis
benchmark runs end to end at a tiny size."""

import importlib.util
import json
import subprocess
import sys

import pytest

from conftest import REPO

BENCHES = sorted((REPO / "bench").glob("bench_*.py"))


def load(path):
    """The benchmark module at ``path``, imported only: main() runs under __main__."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("path", BENCHES, ids=[path.stem for path in BENCHES])
def test_every_benchmark_imports(path):
    assert callable(load(path).main)


def test_analysis_benchmark_runs_at_a_tiny_size():
    command = [sys.executable, str(REPO / "bench/bench_analysis.py"), "--runs", "2", "--dilemmas", "40"]
    command += ["--samples", "2", "--bootstrap", "5", "--workers", "1"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "runs: 2 x 40 dilemmas" in result.stdout and "peak memory" in result.stdout


def test_cache_benchmark_finds_every_call_in_few_files():
    """Twenty jobs each leave a shard; the shards are merged, and a rerun finds every call."""
    command = [sys.executable, str(REPO / "bench/bench_cache.py"), "--calls", "400", "--jobs", "20"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)
    assert report["found"] == 400 and report["files_after_first_read"] <= 8


def test_the_paper_grid_scales_calls_by_runs_over_scale_and_files_by_runs():
    bench = load(REPO / "bench/bench_paper_shaped.py")
    runs = sum(len(alignments) for alignments in bench.PAPER["models"].values())
    assert runs == 10  # the paper's five families, base and instruct
    measured = {"scale": 0.5, "model_calls": 100, "judge_calls": 1_728_000, "cache_files": 3, "cache_bytes": 2e9}
    measured |= {"pipeline_cpu_seconds": 3600, "judge_usd": 1.5}
    grid = {name: (value, scaled) for name, value, scaled in bench.paper_grid(measured)}
    assert grid["model calls"] == (100, 2000) and grid["cache files"] == (3, 30)
    assert grid["cache GB"] == (2.0, 40.0) and grid["pipeline CPU hours"] == (1.0, 20.0)
    assert grid["judge USD (gpt-4o prices)"] == (1.5, 30.0)
    days = grid["days of judge calls (16 in flight, 1 s each)"]  # 1,728,000 calls / 16 per s = 1.25 days
    assert days == (pytest.approx(1.25), pytest.approx(25.0))


def test_the_economy_protocol_prices_the_primary_judge_at_the_batch_price_and_the_audit_as_sent(tmp_path):
    """The synthetic judge has no Batch API: under ``economy`` the primary judge's measured
    tokens are priced at gpt-4o's batch price (half), the audit judge's calls as the ledger
    priced them; the audit's agreement is printed per step with its interval."""
    import pandas as pd

    bench = load(REPO / "bench/bench_paper_shaped.py")
    ledger = pd.DataFrame(
        [
            {"rule": "generate", "judge_or_model": "synthetic-control", "usd_spent": None},
            {"rule": "annotate", "judge_or_model": "reader", "usd_spent": 12.5},
            {"rule": "annotate", "judge_or_model": "reader-audit", "usd_spent": 0.75},
        ]
    )
    ledger["prompt_tokens_spent"] = [0, 1_000_000, 0]
    ledger["cached_input_tokens_spent"] = [0, 0, 0]
    ledger["completion_tokens_spent"] = [0, 1_000_000, 0]
    assert bench.judge_dollars(ledger, "structured") == pytest.approx(13.25)
    assert bench.judge_dollars(ledger, "economy") == pytest.approx(1.25 + 5.0 + 0.75)
    (tmp_path / "annotation").mkdir()
    agreement = "step,judge_a,judge_b,n,exact_match,exact_match_low,exact_match_high\n"
    agreement += "arguments,structure,reader-audit,18,1.0,0.9,1.0\n"
    (tmp_path / "annotation" / "judge_agreement.csv").write_text(agreement)
    lines = bench.audit_agreement(tmp_path)
    assert lines == ["audit arguments: exact_match 1.00 [0.90, 1.00] over 18 (reader-audit)"]


def test_headline_benchmark_runs_with_the_readmes_options_at_a_tiny_size():
    """The README's demo-size command (--items, --k, --n-samples) and its paper-size one
    (--values, --studies), at a size that runs in seconds: one table line per rho and k."""
    command = [sys.executable, str(REPO / "bench/bench_headline.py"), "--items", "40", "--k", "3", "5"]
    command += ["--n-samples", "2", "--values", "30", "--studies", "2", "--rho", "0", "1", "--min-evidence", "1"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "scenario assumptions, 30 values, 40 dilemmas, k [3, 5], min_evidence 1" in result.stdout
    table = [line for line in result.stdout.splitlines() if line.startswith("|") and "---" not in line]
    assert len(table) == 1 + 4 and "largest detectable-from-0 consistency" in result.stdout


def test_short_form_confounds_benchmark_runs_at_a_tiny_size():
    """One line per scenario; on the estimators' own assumptions the short form follows the
    planted latent and its set mates' latent not at all (both could come out otherwise)."""
    command = [sys.executable, str(REPO / "bench/bench_short_form_confounds.py"), "--scenario", "assumptions"]
    command += ["max_rule", "--values", "30", "--items", "150", "--k", "3"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "30 values, 150 dilemmas, k 3, rho = 1, one study" in result.stdout
    table = [line.split("|")[1:-1] for line in result.stdout.splitlines() if line.startswith("| ")]
    header, rows = [cell.strip() for cell in table[0]], {row[0].strip(): row for row in table[1:]}
    assert set(rows) == {"assumptions", "max_rule"}
    assumptions = dict(zip(header, rows["assumptions"], strict=True))
    assert float(assumptions["short ~ latent"]) > 0.5 and abs(float(assumptions["short ~ set mates' latent"])) < 0.4


def test_set_rule_benchmark_runs_at_a_tiny_size():
    """One line per scenario with the reading of the rule and the halves the estimators follow; a
    model that sums its values is never read as choosing by the strongest one."""
    command = [sys.executable, str(REPO / "bench/bench_set_rule.py"), "--scenario", "assumptions", "max_rule"]
    command += ["--values", "40", "--items", "300", "--studies", "2"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "40 values, 300 dilemmas, rho = 1, 2 studies per scenario" in result.stdout
    table = [line.split("|")[1:-1] for line in result.stdout.splitlines() if line.startswith("| ")]
    header, rows = [cell.strip() for cell in table[0]], {row[0].strip(): row for row in table[1:]}
    assumptions = dict(zip(header, [cell.strip() for cell in rows["assumptions"]], strict=True))
    assert assumptions["strongest"] == "0 of 2" and float(assumptions["trueskill ~ latent, upper half"]) > 0.3


def test_claims_benchmark_runs_at_a_tiny_size():
    """Two studies of 60 dilemmas: one line per scenario and planted pair, shares in [0, 1]."""
    command = [sys.executable, str(REPO / "bench/bench_claims.py"), "--studies", "2", "--items", "60", "--k", "3"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "60 values, 60 dilemmas, k [3], claim alignment_short_long" in result.stdout
    table = [line for line in result.stdout.splitlines() if line.startswith("| (")]
    assert len(table) == 2 and "null, independent draws" in table[0] and "gain 0.6, shared" in table[1]


def test_the_suite_census_counts_each_python_process_under_its_kind_and_test_module():
    """The suite benchmark on five tests that each start one `python -m valueprefs...` command:
    each command's process is recorded once, under its own name and its test module."""
    command = [sys.executable, str(REPO / "bench/bench_test_suite.py"), "--workers", "0"]
    command += ["--", "tests/test_docs_commands.py", "-k", "test_each_python_command_runs"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "5 passed" in result.stdout and "pytest exit status 0" in result.stdout
    assert "| valueprefs/runtime/code_digest.py | 1 |" in result.stdout
    assert "| valueprefs/llm/engine_check.py | 1 |" in result.stdout
    assert "| tests/test_docs_commands.py | 5 |" in result.stdout
    assert "| (outside any test: pytest itself) | 1 |" in result.stdout


def test_the_suite_census_names_snakemake_runs_dry_runs_and_job_scripts():
    bench = load(REPO / "bench/bench_test_suite.py")
    kind = bench.process_kind
    assert kind(["/v/bin/snakemake", "-s", "Snakefile", "--cores", "2"]) == "snakemake (run)"
    assert kind(["/v/bin/snakemake", "-d", "runs/paper", "-n"]) == "snakemake (dry run)"
    assert kind(["/w/.snakemake/scripts/tmpa1b2c3.figure.py"]) == "job figure.py"
    assert kind(["-c"]) == kind([]) == "python -c (pytest workers, inline code)"
    records = [{"argv": ["-c"], "cpu": 2.0}, {"argv": ["x/scripts/tmpq.figure.py"], "cpu": 1.5}]
    records.append({"argv": ["y/scripts/tmpr.figure.py"], "cpu": 1.0})
    rows = bench.tally(records, lambda record: kind(record["argv"]))
    assert rows == [("job figure.py", 2, 2.5), ("python -c (pytest workers, inline code)", 1, 2.0)]
