"""The SLURM profile against a real one-node SLURM (tests/slurm/cluster.sh): generation jobs are
submitted with sbatch and ask for a GPU; annotation, analysis and figures stay on this host."""

import json
import os
import re
import subprocess

import pytest
import yaml

from conftest import REPO, run_snakemake

CLUSTER = REPO / "tests" / "slurm" / "cluster.sh"
PROFILE = REPO / "profiles" / "slurm-ci"
RUNS = ("gemma3-270m/base", "smollm2-135m/instruct")
TARGETS = ("results/analysis/correlations.csv", "figure_06", "results/ledger.csv")


@pytest.fixture(scope="session")
def slurm_cluster(tmp_path_factory):
    """A real SLURM controller, node daemon and munge for this session, stopped by PID after it."""
    state = tmp_path_factory.mktemp("slurm")
    up = subprocess.run(["bash", str(CLUSTER), "up", str(state)], capture_output=True, text=True, timeout=300)
    if up.returncode != 0:
        message = f"no SLURM cluster: {up.stderr.strip()}"
        if os.environ.get("CI") == "true" or os.geteuid() == 0:
            pytest.fail(message)
        pytest.skip(message)
    yield state
    subprocess.run(["bash", str(CLUSTER), "down", str(state)], check=True, timeout=120)


def job_history() -> dict[str, dict[str, str]]:
    """Every job the controller remembers (MinJobAge keeps finished ones): id -> fields."""
    out = subprocess.run(
        ["squeue", "--states=all", "--noheader", "--Format", "JobID:|,Partition:|,State:|,tres-per-job:|,Comment:"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    jobs = {}
    for line in out.splitlines():
        job, partition, state, tres, comment = line.split("|")
        jobs[job] = {"partition": partition, "state": state, "tres": tres, "comment": comment}
    return jobs


def small_config(workdir):
    """The demo config on a slice of its data, one llama.cpp thread per model (one CPU per job)."""
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    config["datasets"]["dailydilemmas"]["limit"] = 2
    config["datasets"]["opinionqa"]["limit"] = 1
    config["datasets"]["valueprism"]["limit"] = 1
    config["generation"].update(k=[2], n_samples=1, short_max_tokens=8, long_max_tokens=24)
    for alignments in config["models"].values():
        for spec in alignments.values():
            spec["n_threads"] = 1
    path = workdir / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.fixture(scope="module")
def slurm_run(slurm_cluster, tmp_path_factory):
    """The demo workflow (analysis and one figure) through the CI SLURM profile."""
    workdir = tmp_path_factory.mktemp("slurm-run")
    configfile = small_config(workdir)
    before = set(job_history())
    result = run_snakemake(workdir, "--profile", str(PROFILE), *TARGETS, configfile=configfile, timeout=1200)
    assert result.returncode == 0, result.stderr[-4000:]
    new_jobs = {job: fields for job, fields in job_history().items() if job not in before}
    return workdir, configfile, new_jobs


def slurm_job_in_log(path) -> tuple[str, str] | None:
    """(job id, partition) from the first line of a rule log, if the rule ran under SLURM."""
    match = re.search(r"SLURM job (\d+) \(partition (\w+)\)", path.read_text().splitlines()[0])
    return match.groups() if match else None


def test_generation_jobs_went_through_sbatch_asking_for_a_gpu(slurm_run):
    workdir, _, jobs = slurm_run
    by_comment = {fields["comment"]: (job, fields) for job, fields in jobs.items()}
    assert sorted(by_comment) == sorted(f"rule_generate_wildcards_{run.replace('/', '_')}" for run in RUNS)
    for run in RUNS:
        job, fields = by_comment[f"rule_generate_wildcards_{run.replace('/', '_')}"]
        assert fields["state"] == "COMPLETED"
        assert fields["partition"] == "gpu"
        assert fields["tres"] == "gres:gpu:1"
        log = workdir / f"results/logs/generate/{run}.log"
        assert slurm_job_in_log(log) == (job, "gpu")
        assert re.search(r"GPUs [01]$", log.read_text().splitlines()[0])
        assert (workdir / f".snakemake/slurm_logs/rule_generate/{run.replace('/', '_')}/{job}.log").is_file()
        summary = json.loads((workdir / f"results/generation/{run}/summary.json").read_text())
        assert summary["model_calls"] == summary["calls"] > 0


def test_annotation_analysis_and_figures_ran_on_the_submit_host(slurm_run):
    workdir, _, _ = slurm_run
    local_logs = [
        *(workdir / "results/logs/annotate").rglob("*.log"),
        *(workdir / "results/logs/analyze_run").rglob("*.log"),
        workdir / "results/logs/figures/fig06.log",
    ]
    assert len(local_logs) > 10
    assert all(slurm_job_in_log(path) is None for path in local_logs)
    assert (workdir / "results/figures/fig06.png").stat().st_size > 10_000
    assert "short_vs_long" in (workdir / "results/analysis/correlations.csv").read_text()


def test_finished_run_submits_nothing_more(slurm_run):
    workdir, configfile, _ = slurm_run
    before = set(job_history())
    again = run_snakemake(workdir, "--profile", str(PROFILE), *TARGETS, configfile=configfile, timeout=300)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "Nothing to be done" in again.stdout + again.stderr
    assert set(job_history()) == before
