"""Snakemake adapter: one annotation step (arguments, values or specificity) of one response file."""

from valueprefs.annotation.jobs import annotate_step
from valueprefs.runtime.runlog import rule_log

with rule_log(snakemake.log[0]) as log:
    stats = annotate_step(
        step=snakemake.params.step,
        source_path=snakemake.input.source,
        vocabulary_csv=snakemake.input.vocabulary,
        judges=snakemake.params.judges,
        settings=snakemake.params.settings,
        template_paths=snakemake.params.templates,
        cache_dir=snakemake.params.cache_dir,
        out_labels=snakemake.output.labels,
        out_stats=snakemake.output.stats,
        out_arguments=snakemake.output.get("arguments"),
        shard=tuple(snakemake.params.shard),
    )
    log.info("step: %s", stats)
