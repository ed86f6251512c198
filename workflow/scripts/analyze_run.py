"""Snakemake adapter: consistency and attribute correlations of one model run."""

from valueprefs.analysis.files import analysis_settings, write_run_analysis
from valueprefs.runlog import rule_log

with rule_log(snakemake.log[0]):
    responses, arguments, recognition = snakemake.params.files
    write_run_analysis(
        model=snakemake.wildcards.model,
        alignment=snakemake.wildcards.alignment,
        vocabulary_csv=snakemake.input.vocabulary,
        items=snakemake.params.item_files,
        kinds=snakemake.params.kinds,
        responses=responses,
        arguments=arguments,
        recognition=recognition,
        settings=analysis_settings(snakemake.params.analysis, snakemake.params.generation, snakemake.params.annotation),
        out_correlations=snakemake.output.correlations,
        out_replicates=snakemake.output.replicates,
        out_attributes=snakemake.output.attributes,
    )
