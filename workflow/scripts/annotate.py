"""Snakemake adapter: join the annotation steps of one response file into its argument table."""

from valueprefs.annotation.jobs import merge_annotation
from valueprefs.runtime.runlog import rule_log

with rule_log(snakemake.log[0]) as log:
    summary = merge_annotation(
        responses_path=snakemake.input.responses,
        arguments_paths=list(snakemake.input.arguments),
        labels_paths=list(snakemake.input.labels),
        stats_paths=list(snakemake.input.stats),
        judges=snakemake.params.judges,
        outputs=dict(snakemake.output.items()),
    )
    log.info("summary: %s", summary)
