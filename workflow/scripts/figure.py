"""Snakemake adapter: one paper figure (PNG, PDF and its data as CSV)."""

from valueprefs.figures.jobs import FigureStudy, render_figure
from valueprefs.runtime.runlog import rule_log

with rule_log(snakemake.log[0]) as log:
    text = render_figure(
        number=snakemake.params.number,
        inputs=dict(snakemake.input.items()),
        study=FigureStudy(**snakemake.params.study),
        outputs=dict(snakemake.output.items()),
        style=snakemake.params.style,
    )
    log.info("%s", text)
