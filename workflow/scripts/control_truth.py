"""Snakemake adapter: the planted truth of one control model."""

from valueprefs.analysis.jobs import write_control_truth
from valueprefs.runtime.runlog import rule_log

with rule_log(snakemake.log[0]):
    write_control_truth(
        vocabulary_csv=snakemake.input.vocabulary,
        control=snakemake.params.control,
        out_truth=snakemake.output.truth,
    )
