"""Snakemake adapter: the headline consistency's power at this study's size (table and figure)."""

from valueprefs.figures.jobs import write_power
from valueprefs.runtime.runlog import rule_log

with rule_log(snakemake.log[0]) as log:
    frame = write_power(
        snakemake.input.vocabulary, snakemake.input.dilemmas or None, snakemake.params.power,
        snakemake.params.calibration, snakemake.params.analysis, snakemake.params.ks,
        dict(snakemake.output.items()), snakemake.params.style,
    )  # fmt: skip
    log.info("power:\n%s", frame.to_string(index=False))
