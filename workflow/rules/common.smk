"""Config validation and the helpers that name every target of the workflow."""

from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from valueprefs.config import describe, find_validation_error
from valueprefs.annotation.steps import active_steps, step_judges
from valueprefs.generation import tasks_for
from valueprefs.prompts import JUDGE_TEMPLATE_NAMES, TEMPLATE_NAMES

try:
    validate(config, "../schemas/config.schema.yaml")
except WorkflowError as error:
    problem = find_validation_error(error)
    if problem is None:
        raise
    raise describe(problem, workflow.configfiles) from None


DATASETS = sorted(config["datasets"])
MODEL_RUNS = [
    (family, alignment)
    for family, alignments in sorted(config["models"].items())
    for alignment in sorted(alignments)
]
TEMPLATE_DIR = os.path.join(workflow.basedir, "src", "valueprefs", "templates")
PROMPTS = {name: os.path.join(TEMPLATE_DIR, f"{name}.txt") for name in TEMPLATE_NAMES}
JUDGE_PROMPTS = {
    name: os.path.join(TEMPLATE_DIR, f"{name}.txt") for name in JUDGE_TEMPLATE_NAMES
}
ANNOTATION_STEPS = active_steps(config["judges"], config["annotation"])
BATCH_JUDGES = [judge["name"] for judge in config["judges"] if judge["batch"]]


wildcard_constraints:
    dataset="|".join(DATASETS),
    model="|".join(sorted(config["models"])),
    alignment="base|instruct",
    task="[a-z0-9_]+",
    judge="|".join(BATCH_JUDGES) or "(?!)",


def dataset_spec(wildcards):
    """The config entry of the dataset named by the {dataset} wildcard."""
    return config["datasets"][wildcards.dataset]


def model_spec(wildcards):
    """The config entry of the model named by {model} and {alignment}."""
    return config["models"][wildcards.model][wildcards.alignment]


def generation_tasks():
    """(data set, task) pairs every model answers, in a fixed order."""
    return [
        (dataset, task)
        for dataset in DATASETS
        for task in tasks_for(config["datasets"][dataset]["kind"], config["generation"])
    ]


def generation_responses(model="{model}", alignment="{alignment}"):
    """Response files of one model (wildcards left in place by default)."""
    return [
        f"results/generation/{model}/{alignment}/{dataset}/{task}.jsonl"
        for dataset, task in generation_tasks()
    ]


def uses_gpu(wildcards):
    """GPU jobs are the vLLM ones; they ask SLURM for one GPU."""
    return int(model_spec(wildcards)["backend"] == "vllm")


def step_uses_gpu(step):
    """An annotation step asks for a GPU when one of its judges runs on vLLM."""
    return int(any(j["backend"] == "vllm" for j in step_judges(config["judges"], step)))


def judge_spec(name):
    """The config entry of the judge called ``name``."""
    return next(judge for judge in config["judges"] if judge["name"] == name)


def collected_batches(wildcards, step):
    """Batch API results an annotation step waits for (one per batch judge of the step)."""
    return [
        f"results/annotation/batches/{judge['name']}/{wildcards.model}/{wildcards.alignment}/"
        f"{wildcards.dataset}/{wildcards.task}/{step}.collected.json"
        for judge in step_judges(config["judges"], step)
        if judge["batch"]
    ]


def step_source(wildcards):
    """What an annotation step reads: the responses (arguments) or the argument table."""
    stem = (
        f"{wildcards.model}/{wildcards.alignment}/{wildcards.dataset}/{wildcards.task}"
    )
    if wildcards.step == "arguments":
        return f"results/generation/{stem}.jsonl"
    return f"results/annotation/{stem}/arguments.jsonl"


def annotated_arguments():
    """Argument tables of every long-form response file."""
    return [
        f"results/annotation/{model}/{alignment}/{dataset}/{task}.jsonl"
        for model, alignment in MODEL_RUNS
        for dataset, task in generation_tasks()
        if task.startswith("long_")
    ]


def final_targets():
    """Everything `snakemake` builds by default."""
    summaries = [
        f"results/generation/{model}/{alignment}/summary.json"
        for model, alignment in MODEL_RUNS
    ]
    return [
        "results/data/summary.csv",
        *summaries,
        *annotated_arguments(),
        "results/annotation/judge_agreement.csv",
        "results/annotation/cost_estimate.csv",
        "results/ledger.csv",
    ]
