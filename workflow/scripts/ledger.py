"""Snakemake adapter: the ledger of calls made, tokens spent and their price."""

from valueprefs.annotation.jobs import write_ledger
from valueprefs.runlog import rule_log

with rule_log(snakemake.log[0]):
    jobs, inputs = snakemake.params.jobs, snakemake.input
    write_ledger(
        generation=dict(zip(jobs["generation"], inputs.generation, strict=True)),
        annotation=dict(zip(jobs["annotation"], inputs.annotation, strict=True)),
        standardized={
            **dict(zip(jobs["gold"], inputs.gold, strict=True)),
            **dict(zip(jobs["recognized"], inputs.recognized, strict=True)),
        },
        judges=snakemake.params.judges,
        prices=snakemake.params.prices,
        out_csv=snakemake.output[0],
    )
