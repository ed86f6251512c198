"""The benchmarks keep working as the library changes: each one imports, and the analysis
benchmark runs end to end at a tiny size."""

import importlib.util
import json
import subprocess
import sys

import pytest

from conftest import REPO

BENCHES = sorted((REPO / "bench").glob("bench_*.py"))


@pytest.mark.parametrize("path", BENCHES, ids=[path.stem for path in BENCHES])
def test_every_benchmark_imports(path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # imports only: main() runs under __main__
    assert callable(module.main)


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
