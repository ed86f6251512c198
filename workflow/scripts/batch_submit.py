"""Snakemake adapter: submit one judge step's uncached calls as an OpenAI batch (once)."""

from valueprefs.annotation.jobs import submit_batch
from valueprefs.runtime.runlog import rule_log

with rule_log(snakemake.log[0]) as log:
    result = submit_batch(
        step=snakemake.wildcards.step,
        judge=snakemake.params.judge,
        source_path=snakemake.input.source,
        vocabulary_csv=snakemake.input.vocabulary,
        settings=snakemake.params.settings,
        template_paths=snakemake.params.templates,
        cache_dir=snakemake.params.cache_dir,
        out_submitted=snakemake.output[0],
    )
    log.info("batch %s: %d of %d requests submitted", result["batch_id"], result["submitted"], result["planned"])
