"""Snakemake adapter: the scorecard of the paper's claims."""

from valueprefs.analysis.jobs import write_claims
from valueprefs.runtime.runlog import rule_log

with rule_log(snakemake.log[0]):
    write_claims(
        correlations_csv=snakemake.input.correlations,
        replicates_jsonl=snakemake.input.replicates,
        kinds=dict(snakemake.params.kinds),
        out_claims=snakemake.output.claims,
    )
