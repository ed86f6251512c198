"""Snakemake adapter: calls, tokens and price of annotation, before any judge call."""

from valueprefs.annotation.cost import estimate_costs
from valueprefs.io import read_csv, write_csv
from valueprefs.prompts import JUDGE_TEMPLATE_NAMES, Templates
from valueprefs.runlog import rule_log

with rule_log(snakemake.log[0]) as log:
    table = estimate_costs(
        response_files=list(snakemake.input.responses),
        vocabulary=list(read_csv(snakemake.input.vocabulary)["value"]),
        judges=snakemake.params.judges,
        settings=snakemake.params.settings,
        templates=Templates.from_files(snakemake.params.templates, JUDGE_TEMPLATE_NAMES),
        prices=snakemake.params.prices,
        cache_dir=f"{snakemake.params.cache_dir}/tiktoken",
    )
    write_csv(snakemake.output[0], table)
    log.info("\n%s", table.to_string(index=False))
