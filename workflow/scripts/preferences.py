"""Snakemake adapter: the preference table of one run, data set, task and sample."""

from valueprefs.preferences.files import write_preferences
from valueprefs.runlog import rule_log

with rule_log(snakemake.log[0]) as log:
    counts = write_preferences(
        task=snakemake.wildcards.task,
        source_path=snakemake.input.source,
        items_path=snakemake.input.dataset,
        vocabulary_csv=snakemake.input.vocabulary,
        sample=int(snakemake.wildcards.sample),
        shuffles=snakemake.params.shuffles,
        seed=snakemake.params.seed,
        out_csv=snakemake.output[0],
    )
    log.info("counts: %s", counts)
