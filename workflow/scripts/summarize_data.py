"""Snakemake adapter: one table summarizing every data set's load report."""

from valueprefs.data.jobs import summarize_data
from valueprefs.runtime.runlog import rule_log

with rule_log(snakemake.log[0]):
    summarize_data(dict(zip(snakemake.params.names, snakemake.input.reports, strict=True)), snakemake.output[0])
