"""Snakemake adapter: every run's analysis tables together, plus the framework view."""

from valueprefs.analysis.jobs import collect_analyses
from valueprefs.runtime.runlog import rule_log

with rule_log(snakemake.log[0]):
    collect_analyses(
        correlations=list(snakemake.input.correlations),
        replicates=list(snakemake.input.replicates),
        attributes=list(snakemake.input.attributes),
        vocabulary_csv=snakemake.input.vocabulary,
        out_correlations=snakemake.output.correlations,
        out_replicates=snakemake.output.replicates,
        out_attributes=snakemake.output.attributes,
        out_frameworks=snakemake.output.frameworks,
        out_recognition=snakemake.output.recognition,
        out_controls=snakemake.output.controls,
        kinds=dict(snakemake.params.kinds),
        out_comparisons=snakemake.output.comparisons,
    )
