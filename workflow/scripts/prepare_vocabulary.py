"""Snakemake adapter: write the configured value vocabulary."""

from valueprefs.data.jobs import prepare_vocabulary
from valueprefs.runtime.runlog import rule_log

with rule_log(snakemake.log[0]) as log:
    vocabulary = prepare_vocabulary(snakemake.params.spec, snakemake.output[0])
    log.info("vocabulary: %d values", len(vocabulary))
