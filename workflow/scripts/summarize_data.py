"""Snakemake adapter: one table summarizing every data set's load report."""

from valueprefs.data import summarize
from valueprefs.io import write_csv
from valueprefs.runlog import rule_log

with rule_log(snakemake.log[0]):
    write_csv(snakemake.output[0], summarize(dict(zip(snakemake.params.names, snakemake.input.reports, strict=True))))
