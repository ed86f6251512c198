"""Snakemake adapter: coverage of the reported intervals over seeded control studies."""

from valueprefs.analysis.jobs import write_calibration
from valueprefs.runtime.runlog import rule_log

with rule_log(snakemake.log[0]):
    write_calibration(
        vocabulary_csv=snakemake.input.vocabulary,
        calibration=snakemake.params.calibration,
        analysis=snakemake.params.analysis,
        out_coverage=snakemake.output.coverage,
    )
