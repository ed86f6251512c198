"""Snakemake adapter: one paper figure (PNG, PDF and its data as CSV)."""

from valueprefs.figures.jobs import render_figure
from valueprefs.runtime.runlog import rule_log

with rule_log(snakemake.log[0]) as log:
    text = render_figure(
        number=snakemake.params.number,
        correlations_csv=snakemake.input.correlations,
        replicates_jsonl=snakemake.input.replicates,
        frameworks_csv=snakemake.input.frameworks,
        datasets=snakemake.params.datasets,
        ks=snakemake.params.ks,
        reference=snakemake.params.reference,
        intervals=snakemake.params.intervals,
        out_png=snakemake.output.png,
        out_pdf=snakemake.output.pdf,
        out_csv=snakemake.output.data,
        style=snakemake.params.style,
        controls=snakemake.params.controls,
        unrated=snakemake.params.unrated,
    )
    log.info("%s", text)
