"""Config validation, the study plan every rule asks for its files, and the hooks of a run."""

import time
from dataclasses import replace

from valueprefs.analysis.settings import analysis_params
from valueprefs.config import check_config, unset_api_keys
from valueprefs.errors import ConfigError
from valueprefs.figures.registry import FIGURES
from valueprefs.planning import annotation_settings, step_judges, step_settings
from valueprefs.study.figures import paper_figures
from valueprefs.study.plan import StudyPlan
from valueprefs.tasks import WILDCARD

try:
    CONFIG_WARNINGS = check_config(
        config,
        workflow.configfiles,
        os.path.join(workflow.basedir, "workflow", "schemas", "config.schema.yaml"),
    )
    PLAN = StudyPlan(config, workflow.basedir)
except ConfigError as error:
    raise SystemExit(f"error: {error}") from None

from valueprefs.results_owner import claim, owner_conflict

OWNER_CONFLICT = owner_conflict(config, workflow.configfiles)
if OWNER_CONFLICT:
    raise SystemExit(f"error: {OWNER_CONFLICT}")

PATHS = PLAN.paths
CLUSTER = PLAN.cluster
FIGURE_PLAN = PLAN.figures
DATASETS = PLAN.datasets
SAMPLES = PLAN.samples
PROMPTS = PLAN.templates()
JUDGE_PROMPTS = PLAN.templates(judge=True)
code_version = PLAN.code_version
for warning in CONFIG_WARNINGS + PLAN.warnings():
    print(f"warning: {warning}", file=sys.stderr)


wildcard_constraints:
    dataset="|".join(DATASETS),
    model="|".join(sorted(config["models"])),
    alignment="base|instruct",
    task="[a-z0-9_]+",
    shard="[0-9]+",
    judge="|".join(PLAN.batch_judges) or "(?!)",


# Job logs written after this (a second of slack for coarse file times) belong to this run.
RUN_STARTED = time.time() - 1


def check_api_keys():
    """Before the first job: every key the jobs about to run need is in the environment."""
    params = [dict(job.params.items()) for job in workflow.dag.needrun_jobs()]
    unset = unset_api_keys(params)
    if unset:
        raise SystemExit(
            f"error: environment variable(s) {', '.join(unset)} (named by api_key_env in "
            f"{', '.join(map(str, workflow.configfiles))}) not set; export them and run again"
        )


def drop_cluster_resources_of_local_rules():
    """Apply a profile's `set-resources` only to rules that go to SLURM under this config, so a
    dry run lists no GPU partition for annotation jobs that run on the submit host. Snakemake
    applies them while it reads the rules, so this runs before the rules are included; the
    settings are replaced whole (Snakemake parses them once per settings object).
    """
    local = CLUSTER.local_rules()
    settings = workflow.resource_settings
    kept = {
        name: resources
        for name, resources in settings.overwrite_resources.items()
        if name not in local
    }
    workflow.resource_settings = replace(settings, overwrite_resources=kept)


def profile_resources():
    """The resources the profile (or command line) sets: defaults, per rule, threads per rule."""
    settings = workflow.resource_settings

    def raw(resources):
        return {
            name: each.raw for name, each in resources.items() if each.raw is not None
        }

    return (
        raw(settings.default_resources or {}),
        {name: raw(each) for name, each in settings.overwrite_resources.items()},
        {name: getattr(n, "raw", n) for name, n in settings.overwrite_threads.items()},
    )


def slurm_plan():
    """The cluster plan's rows: the rules that may go to SLURM, and a count of the others."""
    others = {each.name for each in workflow.rules if not each.norun}
    others -= CLUSTER.rules_that_may_go()
    return CLUSTER.slurm_plan(profile_resources(), len(others))


def run_summary_text(failed=False):
    """The run summary Snakemake prints last."""
    return PLAN.run_summary_text(RUN_STARTED, failed)
