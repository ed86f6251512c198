"""Snakemake adapter: the ledger of calls made, tokens spent and their price."""

from valueprefs.annotation.ledger import ledger
from valueprefs.io import write_csv
from valueprefs.runlog import rule_log

with rule_log(snakemake.log[0]):
    jobs = snakemake.params.jobs
    inputs = snakemake.input
    table = ledger(
        generation=dict(zip(jobs["generation"], inputs.generation, strict=True)),
        annotation=dict(zip(jobs["annotation"], inputs.annotation, strict=True)),
        standardized={
            **dict(zip(jobs["gold"], inputs.gold, strict=True)),
            **dict(zip(jobs["recognized"], inputs.recognized, strict=True)),
        },
        judges=snakemake.params.judges,
        prices=snakemake.params.prices,
    )
    write_csv(snakemake.output[0], table)
