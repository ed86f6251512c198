"""Snakemake adapter: join one model's generation shards into its response files and summary."""

from valueprefs.generation.jobs import merge_model_shards
from valueprefs.runtime.runlog import rule_log

with rule_log(snakemake.log[0]) as log:
    tasks = list(map(tuple, snakemake.params.tasks))
    files = list(snakemake.input.responses)  # every task of shard 0, then of shard 1, ...
    shards = [dict(zip(tasks, files[i : i + len(tasks)], strict=True)) for i in range(0, len(files), len(tasks))]
    summary = merge_model_shards(
        shard_outputs=shards,
        outputs=dict(zip(tasks, snakemake.output.responses, strict=True)),
        shard_timings=list(snakemake.input.timings),
        timings_path=snakemake.output.timings,
        shard_summaries=list(snakemake.input.summaries),
        summary_path=snakemake.output.summary,
    )
    log.info("summary: %s", summary)
