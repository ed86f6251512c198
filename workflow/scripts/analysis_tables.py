"""Snakemake adapter: every run's analysis tables together, plus the framework view."""

from valueprefs.analysis.jobs import collect_analyses
from valueprefs.runtime.runlog import rule_log

with rule_log(snakemake.log[0]):
    collect_analyses(
        correlations=list(snakemake.input.correlations),
        replicates=list(snakemake.input.replicates),
        attributes=list(snakemake.input.attributes),
        vocabulary_csv=snakemake.input.vocabulary,
        kinds=dict(snakemake.params.kinds),
        outputs=dict(snakemake.output.items()),
    )
