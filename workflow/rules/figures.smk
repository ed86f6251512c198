"""Every figure of the paper, one rule each (`snakemake figure_06`), and Table 1."""

for spec in FIGURES:

    rule:
        name:
            f"figure_{spec.number}"
        input:
            correlations=PATHS.analysis("correlations.csv"),
            replicates=PATHS.analysis("replicates.jsonl"),
            frameworks=PATHS.analysis("frameworks.csv"),
        output:
            png=report(
                PATHS.figure(f"fig{spec.number}.png"),
                caption="../report/figure.rst",
                category="Figures",
                labels=FIGURE_PLAN.labels(spec.number),
            ),
            pdf=PATHS.figure(f"fig{spec.number}.pdf"),
            data=PATHS.figure(f"fig{spec.number}.csv"),
        log:
            PATHS.log("figures", f"fig{spec.number}"),
        localrule: True
        conda:
            "../../envs/analysis.yaml"
        params:
            code=code_version("figure.py"),
            number=spec.number,
            caption=FIGURE_PLAN.caption(spec.number),
            study=FIGURE_PLAN.study(spec.number),
            style=FIGURE_PLAN.style(spec.number),
        script:
            "../scripts/figure.py"


rule table1:
    output:
        table=report(
            PATHS.figure("table1.csv"),
            caption="../report/table1.rst",
            category="Figures",
            labels={"figure": "Table 1", "shows": "TrueSkill beliefs, worked example"},
        ),
        markdown=PATHS.figure("table1.md"),
    log:
        PATHS.log("figures", "table1"),
    localrule: True
    conda:
        "../../envs/analysis.yaml"
    params:
        code=code_version("table1.py"),
    script:
        "../scripts/table1.py"


rule figure_alignment:
    """The companion of the consistency figures: instruct minus base, per family and pooled."""
    input:
        comparisons=PATHS.analysis("comparisons.csv"),
    output:
        png=report(
            PATHS.figure("alignment_differences.png"),
            caption="../report/alignment_differences.rst",
            category="Figures",
            labels={
                "figure": "Alignment",
                "shows": "instruct minus base, with intervals",
            },
        ),
        pdf=PATHS.figure("alignment_differences.pdf"),
        data=PATHS.figure("alignment_differences.csv"),
    log:
        PATHS.log("figures", "alignment_differences"),
    localrule: True
    conda:
        "../../envs/analysis.yaml"
    params:
        code=code_version("figure_alignment.py"),
        style=FIGURE_PLAN.style("alignment"),
    script:
        "../scripts/figure_alignment.py"


rule paper_figures:
    input:
        paper_figures(PATHS),


rule power:
    """Not part of the default target: `snakemake power`."""
    input:
        vocabulary=PATHS.vocabulary,
        dilemmas=PLAN.reference_items,
    output:
        table=PATHS.simulation("power.csv"),
        figure=report(
            PATHS.simulation("power.png"),
            caption="../report/power.rst",
            category="Study size",
        ),
    log:
        PATHS.log("power"),
    benchmark:
        PATHS.benchmark("power")
    localrule: True
    conda:
        "../../envs/analysis.yaml"
    params:
        code=code_version("power.py"),
        power=config["power"],
        calibration=config["calibration"],
        analysis=config["analysis"],
        ks=config["generation"]["k"],
        style=FIGURE_PLAN.style("power"),
    script:
        "../scripts/power.py"


rule simulate_recovery:
    input:
        vocabulary=PATHS.vocabulary,
    output:
        table=PATHS.simulation("recovery.csv"),
        figure=report(
            PATHS.simulation("recovery.png"),
            caption="../report/recovery.rst",
            category="Study size",
        ),
    log:
        PATHS.log("simulate_recovery"),
    benchmark:
        PATHS.benchmark("simulate_recovery")
    localrule: True
    conda:
        "../../envs/analysis.yaml"
    params:
        code=code_version("simulate_recovery.py"),
        settings=config["simulation"],
        style=FIGURE_PLAN.style("recovery"),
    script:
        "../scripts/simulate_recovery.py"
