"""Snakemake adapter: agreement between judges over every annotated response file."""

from valueprefs.annotation.jobs import write_judge_agreement
from valueprefs.runtime.runlog import rule_log

with rule_log(snakemake.log[0]) as log:
    table = write_judge_agreement(list(snakemake.input.labels), snakemake.output[0])
    log.info("%d judge pairs compared", len(table))
