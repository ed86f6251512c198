"""Snakemake adapter: poll a submitted batch and collect its answers into the call cache."""

from valueprefs.annotation.jobs import collect_batch
from valueprefs.runtime.runlog import rule_log

with rule_log(snakemake.log[0]) as log:
    params = snakemake.params
    result = collect_batch(params.judge, snakemake.input.submitted, params.cache_dir, snakemake.output[0])
    log.info("collected: %s", result)
