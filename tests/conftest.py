"""Shared fixtures: the repository root, the shared upstream data, and a Snakemake runner."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Upstream data files (DailyDilemmas, OpinionQA), from VALUEPREFS_SHARED_DATA or ../shared/data.

    Missing data skips the test on a developer machine but fails it in CI (CI=true).
    """
    path = Path(os.environ.get("VALUEPREFS_SHARED_DATA", REPO.parent / "shared" / "data"))
    if not (path / "dailydilemmas").is_dir():
        unavailable(f"shared upstream data not found at {path} (set VALUEPREFS_SHARED_DATA)")
    return path


def unavailable(message: str, root_provides_it: bool = False) -> None:
    """A test needs something missing here: fail in CI (CI=true), and as root when root could
    have provided it (a cluster, a mount); skip on a developer machine otherwise."""
    if os.environ.get("CI") == "true" or (root_provides_it and os.geteuid() == 0):
        pytest.fail(message)
    pytest.skip(message)


def run_snakemake(
    workdir: Path, *args: str, configfile: Path | None = None, timeout: int = 600, snakefile: Path | None = None
):
    """Run the workflow of this repository (or of ``snakefile``) in ``workdir``; returns the CompletedProcess.

    ``timeout -k`` bounds the run: Snakemake can ignore SIGTERM while it waits on cluster jobs.
    """
    snakefile = snakefile or REPO / "Snakefile"
    command = ["timeout", "-k", "10", str(timeout), SNAKEMAKE, "-s", str(snakefile), "-d", str(workdir)]
    command += [*args, "--configfile", str(configfile or REPO / "config.yaml")]  # it takes several values
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout + 30, check=False)


@pytest.fixture
def snakemake_in(tmp_path):
    """A function running the workflow in a fresh temporary working directory."""

    def run(*args: str, configfile: Path | None = None, timeout: int = 600):
        return run_snakemake(tmp_path, *args, configfile=configfile, timeout=timeout)

    run.workdir = tmp_path
    return run


def copy_checkout(target: Path) -> Path:
    """A copy of the workflow, its library and environments (Snakefile, workflow/, src/, envs/) to edit."""
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    target.mkdir(parents=True)
    shutil.copy2(REPO / "Snakefile", target / "Snakefile")
    for folder in ("workflow", "src", "envs"):
        shutil.copytree(REPO / folder, target / folder, ignore=ignore)
    return target / "Snakefile"


def model_entry(**spec) -> dict:
    """A model or judge entry with the config schema's defaults filled in, as jobs receive it."""
    import tempfile

    import yaml
    from snakemake.utils import validate

    schema = yaml.safe_load((REPO / "workflow/schemas/config.schema.yaml").read_text())
    wrapper = {
        "$schema": schema["$schema"],
        "type": "object",
        "properties": {"entry": {"$ref": "#/$defs/backend_options"}},
        "$defs": schema["$defs"],
    }
    with tempfile.NamedTemporaryFile("w", suffix=".yaml") as stream:
        yaml.safe_dump(wrapper, stream)
        stream.flush()
        config = {"entry": dict(spec)}
        validate(config, stream.name)
    return config["entry"]
