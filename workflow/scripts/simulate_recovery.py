"""Snakemake adapter: simulate studies of the configured sizes and plot recovery per estimator."""

from valueprefs.data.files import load_vocabulary_file
from valueprefs.figures.recovery import write_recovery
from valueprefs.runlog import rule_log

with rule_log(snakemake.log[0]) as log:
    values = list(load_vocabulary_file(snakemake.input.vocabulary)["value"])
    frame = write_recovery(
        values, snakemake.params.settings, snakemake.output.table, snakemake.output.figure, snakemake.params.style
    )
    log.info("recovery:\n%s", frame.to_string(index=False))
