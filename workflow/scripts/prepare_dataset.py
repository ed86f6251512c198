"""Snakemake adapter: normalize one configured data set."""

from valueprefs.data.jobs import prepare_dataset
from valueprefs.runtime.runlog import rule_log

with rule_log(snakemake.log[0]) as log:
    report = prepare_dataset(
        snakemake.params.spec,
        snakemake.input.vocabulary,
        snakemake.output.dataset,
        snakemake.output.report,
    )
    log.info("%s: %s", snakemake.wildcards.dataset, report)
