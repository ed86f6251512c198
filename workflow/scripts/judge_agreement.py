"""Snakemake adapter: agreement between judges over every annotated response file."""

from valueprefs.annotation.agreement import agreement_table
from valueprefs.io import write_csv
from valueprefs.runlog import rule_log

with rule_log(snakemake.log[0]) as log:
    table = agreement_table(list(snakemake.input.labels))
    write_csv(snakemake.output[0], table)
    log.info("%d judge pairs compared", len(table))
