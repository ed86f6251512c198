"""Snakemake adapter: the report's front page (what the run found)."""

from valueprefs.analysis.jobs import write_findings
from valueprefs.runtime.runlog import rule_log

with rule_log(snakemake.log[0]) as log:
    headline = write_findings(
        controls_csv=snakemake.input.controls,
        claims_csv=snakemake.input.claims,
        correlations_csv=snakemake.input.correlations,
        summary_csv=snakemake.input.summary,
        figures=dict(snakemake.params.figures),
        out_rst=snakemake.output[0],
    )
    log.info("%s", headline)
