"""The cluster plan: which rules' jobs a cluster profile sends to SLURM under this config."""


rule cluster_plan:
    """Not part of the default target: `snakemake cluster_plan --configfile ...`."""
    output:
        PATHS.report_table("cluster_plan.csv"),
    log:
        PATHS.log("cluster_plan"),
    localrule: True
    conda:
        "../../envs/annotation.yaml"
    params:
        plan=slurm_plan(),
    script:
        "../scripts/cluster_plan.py"
