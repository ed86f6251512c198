"""Snakemake adapter: the paper's Table 1 recomputed with the TrueSkill estimator."""

from valueprefs.io import atomic_write_text, write_csv
from valueprefs.preferences.table1 import table1, table1_markdown
from valueprefs.runlog import rule_log

with rule_log(snakemake.log[0]):
    frame = table1()
    write_csv(snakemake.output.table, frame)
    atomic_write_text(snakemake.output.markdown, table1_markdown(frame))
