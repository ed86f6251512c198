"""Snakemake adapter: annotate one long-form response file with the configured judges."""

from valueprefs.annotation.annotate import annotate_responses
from valueprefs.runlog import rule_log

with rule_log(snakemake.log[0]) as log:
    summary = annotate_responses(
        responses_path=snakemake.input.responses,
        vocabulary_csv=snakemake.input.vocabulary,
        judges=snakemake.params.judges,
        settings=snakemake.params.settings,
        template_paths=snakemake.params.templates,
        cache_dir=snakemake.params.cache_dir,
        out_arguments=snakemake.output.arguments,
        out_labels=snakemake.output.labels,
        out_summary=snakemake.output.summary,
    )
    log.info("summary: %s", summary)
