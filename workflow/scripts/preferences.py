"""Snakemake adapter: the preference tables of one run, data set and task (one per sample)."""

from valueprefs.preferences.jobs import write_preferences
from valueprefs.runtime.runlog import rule_log

with rule_log(snakemake.log[0]):
    write_preferences(
        task=snakemake.wildcards.task,
        source_path=snakemake.input.source,
        items_path=snakemake.input.dataset,
        vocabulary_csv=snakemake.input.vocabulary,
        outputs=dict(zip(snakemake.params.samples, snakemake.output.tables, strict=True)),
        shuffles=snakemake.params.shuffles,
        seed=snakemake.params.seed,
        preference_sample=snakemake.params.preference_sample,
        out_evidence=snakemake.output.evidence,
    )
