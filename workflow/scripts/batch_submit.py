"""Snakemake adapter: submit one judge step's uncached calls as an OpenAI batch (once)."""

from valueprefs.annotation.batch import submit_batch
from valueprefs.annotation.steps import plan_step_requests
from valueprefs.io import write_json
from valueprefs.runlog import rule_log

with rule_log(snakemake.log[0]) as log:
    requests = plan_step_requests(
        step=snakemake.wildcards.step,
        judge=snakemake.params.judge,
        source_path=snakemake.input.source,
        vocabulary_csv=snakemake.input.vocabulary,
        settings=snakemake.params.settings,
        template_paths=snakemake.params.templates,
        cache_dir=snakemake.params.cache_dir,
    )
    state = submit_batch(snakemake.params.judge, requests, snakemake.params.cache_dir)
    log.info("batch %s: %d of %d requests submitted", state["batch_id"], state["requests"], len(requests))
    write_json(snakemake.output[0], {key: value for key, value in state.items() if key != "calls"})
