"""Snakemake adapter: calls, tokens and price of annotation, before any judge call."""

from valueprefs.accounting.jobs import cost_estimate
from valueprefs.runtime.runlog import rule_log

with rule_log(snakemake.log[0]):
    cost_estimate(
        response_files=list(snakemake.input.responses),
        vocabulary_csv=snakemake.input.vocabulary,
        judges=snakemake.params.judges,
        settings=snakemake.params.settings,
        template_paths=snakemake.params.templates,
        prices=snakemake.params.prices,
        cache_dir=snakemake.params.cache_dir,
        out_csv=snakemake.output[0],
    )
