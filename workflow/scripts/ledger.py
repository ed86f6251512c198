"""Snakemake adapter: the ledger of calls made and tokens spent."""

from valueprefs.annotation.ledger import ledger
from valueprefs.io import write_csv
from valueprefs.runlog import rule_log

with rule_log(snakemake.log[0]):
    write_csv(snakemake.output[0], ledger(list(snakemake.input.generation), list(snakemake.input.annotation)))
