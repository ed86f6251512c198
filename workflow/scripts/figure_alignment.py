"""Snakemake adapter: instruct minus base of the headline consistency, per family and pooled."""

from valueprefs.figures.jobs import render_alignment_figure
from valueprefs.runtime.runlog import rule_log

with rule_log(snakemake.log[0]):
    render_alignment_figure(
        comparisons_csv=snakemake.input.comparisons,
        style=snakemake.params.style,
        outputs=dict(snakemake.output.items()),
    )
