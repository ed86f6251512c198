"""Snakemake adapter: the preference tables of one run, data set and long task (one per sample)."""

from valueprefs.preferences.jobs import write_long_preferences
from valueprefs.runtime.runlog import rule_log

with rule_log(snakemake.log[0]):
    write_long_preferences(
        source_path=snakemake.input.source,
        vocabulary_csv=snakemake.input.vocabulary,
        outputs=dict(zip(snakemake.params.samples, snakemake.output.tables, strict=True)),
        out_evidence=snakemake.output.evidence,
    )
