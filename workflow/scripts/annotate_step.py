"""Snakemake adapter: one annotation step (arguments, values or specificity) of one response file."""

from valueprefs.annotation.jobs import annotate_step
from valueprefs.runtime.runlog import rule_log

with rule_log(snakemake.log[0]) as log:
    stats = annotate_step(
        step=snakemake.params.step,
        source_path=snakemake.input.source,
        vocabulary_csv=snakemake.input.vocabulary,
        judging={
            "judges": snakemake.params.judges,
            "settings": snakemake.params.settings,
            "templates": snakemake.params.templates,
            "cache_dir": snakemake.params.cache_dir,
        },
        outputs=dict(snakemake.output.items()),
        shard=tuple(snakemake.params.shard),
    )
    log.info("step: %s", stats)
