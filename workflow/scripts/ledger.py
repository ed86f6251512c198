"""Snakemake adapter: the ledger of calls made, tokens spent and their price, and the run
summary's counts per job."""

from valueprefs.accounting.jobs import write_ledger, write_run_summary
from valueprefs.runtime.runlog import rule_log

with rule_log(snakemake.log[0]):
    jobs, inputs = snakemake.params.jobs, snakemake.input
    generation = dict(zip(jobs["generation"], inputs.generation, strict=True))
    annotation = dict(zip(jobs["annotation"], inputs.annotation, strict=True))
    standardized = {
        **dict(zip(jobs["gold"], inputs.gold, strict=True)),
        **dict(zip(jobs["recognized"], inputs.recognized, strict=True)),
    }
    write_ledger(
        summaries={"generation": generation, "annotation": annotation, "standardized": standardized},
        judges=snakemake.params.judges,
        prices=snakemake.params.prices,
        calls_dir=snakemake.params.calls_dir,
        outputs={"ledger": snakemake.output.ledger, "runs": snakemake.output.runs},
    )
    write_run_summary(generation, annotation, out_csv=snakemake.output.summary)
