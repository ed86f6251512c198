"""Snakemake adapter: consistency and attribute correlations of one model run."""

from valueprefs.analysis.jobs import write_run_analysis
from valueprefs.runtime.runlog import rule_log

with rule_log(snakemake.log[0]):
    short, long, recognition = snakemake.params.files
    write_run_analysis(
        run={"model": snakemake.wildcards.model, "alignment": snakemake.wildcards.alignment},
        files=dict(
            vocabulary=snakemake.input.vocabulary,
            items=snakemake.params.item_files,
            kinds=snakemake.params.kinds,
            short=short,
            long=long,
            recognition=recognition,
            truth=snakemake.input.truth[0] if snakemake.input.truth else None,
        ),
        settings=snakemake.params.settings,
        limits=snakemake.params.limits,
        outputs=dict(snakemake.output.items()),
    )
