"""Snakemake adapter: poll a submitted batch and collect its answers into the call cache."""

from valueprefs.annotation.batch import collect_batch
from valueprefs.io import read_json, write_json
from valueprefs.runlog import rule_log

with rule_log(snakemake.log[0]) as log:
    judge = snakemake.params.judge
    submitted = read_json(snakemake.input.submitted)
    state = read_json(submitted["state_file"]) if submitted["batch_id"] else submitted
    result = collect_batch(judge, state, snakemake.params.cache_dir, judge["batch_wait"], judge["batch_poll"])
    log.info("collected: %s", result)
    write_json(snakemake.output[0], result)
