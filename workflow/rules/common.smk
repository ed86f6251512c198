"""Config validation and the helpers that name every target of the workflow."""

from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from valueprefs.config import describe, find_validation_error

try:
    validate(config, "../schemas/config.schema.yaml")
except WorkflowError as error:
    problem = find_validation_error(error)
    if problem is None:
        raise
    raise describe(problem, workflow.configfiles) from None


DATASETS = sorted(config["datasets"])


wildcard_constraints:
    dataset="|".join(DATASETS),


def dataset_spec(wildcards):
    """The config entry of the dataset named by the {dataset} wildcard."""
    return config["datasets"][wildcards.dataset]


def final_targets():
    """Everything `snakemake` builds by default."""
    return ["results/data/summary.csv"]
