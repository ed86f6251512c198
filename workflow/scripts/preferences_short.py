"""Snakemake adapter: the preference tables of one run, data set and short task (one per sample)."""

from valueprefs.preferences.jobs import write_short_preferences
from valueprefs.runtime.runlog import rule_log

with rule_log(snakemake.log[0]):
    write_short_preferences(
        source_path=snakemake.input.source,
        items_path=snakemake.input.dataset,
        vocabulary_csv=snakemake.input.vocabulary,
        outputs=dict(zip(snakemake.params.samples, snakemake.output.tables, strict=True)),
        spread=snakemake.params.spread,
        out_evidence=snakemake.output.evidence,
    )
