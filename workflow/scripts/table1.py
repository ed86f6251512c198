"""Snakemake adapter: the paper's Table 1 recomputed with the TrueSkill estimator."""

from valueprefs.preferences.jobs import write_table1
from valueprefs.runtime.runlog import rule_log

with rule_log(snakemake.log[0]):
    write_table1(snakemake.output.table, snakemake.output.markdown)
