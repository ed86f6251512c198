"""Snakemake adapter: simulate studies of the configured sizes and plot recovery per estimator."""

from valueprefs.figures.jobs import write_recovery
from valueprefs.runtime.runlog import rule_log

with rule_log(snakemake.log[0]) as log:
    frame = write_recovery(
        snakemake.input.vocabulary, snakemake.params.settings, snakemake.output.table, snakemake.output.figure,
        snakemake.params.style,
    )  # fmt: skip
    log.info("recovery:\n%s", frame.to_string(index=False))
