"""Snakemake adapter: how long every generation job's answers ran, and the token limit they support."""

from valueprefs.generation.jobs import write_answer_lengths
from valueprefs.runlog import rule_log

with rule_log(snakemake.log[0]):
    write_answer_lengths(
        dict(zip(snakemake.params.jobs, snakemake.input.summaries, strict=True)),
        snakemake.params.token_limits,
        out_csv=snakemake.output.lengths,
    )
