"""Snakemake adapter: a model's value-recognition answers mapped onto the vocabulary."""

from valueprefs.annotation.jobs import recognized_values
from valueprefs.runtime.runlog import rule_log

with rule_log(snakemake.log[0]) as log:
    summary = recognized_values(
        responses_path=snakemake.input.responses,
        vocabulary_csv=snakemake.input.vocabulary,
        judge=snakemake.params.judge,
        template_paths=snakemake.params.templates,
        cache_dir=snakemake.params.cache_dir,
        out_values=snakemake.output.values,
        out_summary=snakemake.output.summary,
    )
    log.info("recognized values: %s", summary)
