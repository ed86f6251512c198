"""Snakemake adapter: how long every generation job's answers ran, and the token limit they support."""

from valueprefs.accounting.jobs import write_answer_lengths
from valueprefs.runtime.runlog import rule_log

with rule_log(snakemake.log[0]):
    settings = snakemake.params.settings  # job -> its generation settings, in the inputs' order
    write_answer_lengths(
        dict(zip(settings, snakemake.input.summaries, strict=True)), settings, out_csv=snakemake.output.lengths
    )
