"""Snakemake adapter: where each rule's jobs run under a cluster profile."""

from valueprefs.accounting.jobs import write_cluster_plan
from valueprefs.runtime.runlog import rule_log

with rule_log(snakemake.log[0]) as log:
    text = write_cluster_plan(snakemake.params.plan, snakemake.output[0])
    log.info("cluster plan:\n%s", text)
    print(text)
