"""The SLURM profile against a real one-node SLURM (tests/slurm/cluster.sh): generation jobs are
submitted with sbatch and ask for a GPU; annotation, analysis and figures stay on this host.
Checked on the session's demo run (``demo_run``), which goes through SLURM wherever a cluster
can run (always in CI)."""

import json
import re

import pytest
from demo_run import PROFILE, RUNS, SMOLLM2_JOB, TARGETS, job_history

from conftest import run_snakemake, unavailable

pytestmark = pytest.mark.slow  # the workflow end to end: minutes


@pytest.fixture(scope="module")
def slurm_run(demo_run):
    if not demo_run.slurm:
        unavailable("no SLURM cluster here: the demo ran locally", root_provides_it=True)
    return demo_run


def slurm_job_in_log(path) -> tuple[str, str] | None:
    """(job id, partition) from the first line of a rule log, if the rule ran under SLURM."""
    match = re.search(r"SLURM job (\d+) \(partition (\w+)\)", path.read_text().splitlines()[0])
    return match.groups() if match else None


def test_generation_jobs_went_through_sbatch_asking_for_a_gpu(slurm_run):
    workdir, jobs = slurm_run.workdir, slurm_run.jobs
    finished = {fields["comment"]: job for job, fields in jobs.items() if fields["state"] == "COMPLETED"}
    for run in RUNS:
        comment = f"rule_generate_wildcards_{run.replace('/', '_')}"
        job = finished[comment]
        assert jobs[job]["partition"] == "gpu" and jobs[job]["tres"] == "gres:gpu:1"
        log = workdir / f"results/logs/generate/{run}.log"
        assert slurm_job_in_log(log) == (job, "gpu")
        assert re.search(r"GPUs [01]$", log.read_text().splitlines()[0])
        assert (workdir / f".snakemake/slurm_logs/rule_generate/{run.replace('/', '_')}/{job}.log").is_file()
    # nothing but generation was submitted (a `use rule` does not inherit `localrule`)
    assert sorted(fields["comment"] for fields in jobs.values()) == sorted([*finished, SMOLLM2_JOB])
    assert all(comment.startswith("rule_generate_wildcards_") for comment in finished), finished


def test_a_cancelled_job_is_retried_and_reuses_the_cached_calls(slurm_run):
    jobs, cancelled = slurm_run.jobs, slurm_run.cancelled
    assert jobs[cancelled]["state"] == "CANCELLED" and jobs[cancelled]["comment"] == SMOLLM2_JOB
    summary = json.loads((slurm_run.workdir / "results/generation/smollm2-135m/instruct/summary.json").read_text())
    assert summary["cache_hits"] >= 2 and summary["model_calls"] == summary["calls"] - summary["cache_hits"]


def test_annotation_analysis_and_figures_ran_on_the_submit_host(slurm_run):
    workdir = slurm_run.workdir
    logs = workdir / "results/logs"
    local_logs = [path for path in logs.rglob("*.log") if path.relative_to(logs).parts[0] != "generate"]
    assert {"annotate", "preferences", "analyze_run", "figures"} <= {
        path.relative_to(logs).parts[0] for path in local_logs
    }
    assert all(slurm_job_in_log(path) is None for path in local_logs)
    assert (workdir / "results/figures/fig06.png").stat().st_size > 10_000
    assert "short_vs_long" in (workdir / "results/analysis/correlations.csv").read_text()


def test_finished_run_submits_nothing_more(slurm_run):
    before = set(job_history())
    again = run_snakemake(
        slurm_run.workdir, "--profile", str(PROFILE), *TARGETS, configfile=slurm_run.configfile, timeout=300
    )
    assert again.returncode == 0, again.stderr[-3000:]
    assert "Nothing to be done" in again.stdout + again.stderr
    assert set(job_history()) == before
