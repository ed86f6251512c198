"""Snakemake adapter: gold values of a recognition data set, standardized onto the vocabulary."""

from valueprefs.annotation.jobs import standardize_gold
from valueprefs.runtime.runlog import rule_log

with rule_log(snakemake.log[0]) as log:
    report = standardize_gold(
        items_path=snakemake.input.dataset,
        vocabulary_csv=snakemake.input.vocabulary,
        judge=snakemake.params.judge,
        template_paths=snakemake.params.templates,
        cache_dir=snakemake.params.cache_dir,
        out_gold=snakemake.output.gold,
        out_report=snakemake.output.report,
    )
    log.info("gold values: %s", report)
