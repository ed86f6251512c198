"""Every figure of the paper, one rule each (`snakemake figure_06`), and Table 1."""

for spec in FIGURES:

    rule:
        name:
            f"figure_{spec.number}"
        input:
            correlations="results/analysis/correlations.csv",
            replicates="results/analysis/replicates.jsonl",
            frameworks="results/analysis/frameworks.csv",
        output:
            png=report(
                f"results/figures/fig{spec.number}.png",
                caption="../report/figure.rst",
                category="Figures",
                labels=figure_labels(spec.number),
            ),
            pdf=f"results/figures/fig{spec.number}.pdf",
            data=f"results/figures/fig{spec.number}.csv",
        log:
            f"results/logs/figures/fig{spec.number}.log",
        localrule: True
        conda:
            "../../envs/analysis.yaml"
        params:
            code=code_version("figure.py"),
            number=spec.number,
            caption=figure_caption(spec.number),
            study={
                "datasets": dataset_kinds(),
                "ks": config["generation"]["k"],
                "reference": config["analysis"]["reference_dataset"],
                "intervals": interval_settings(),
                "controls": CONTROL_MODELS,
                "unrated": unrated(spec, config["annotation"]["specificity"]),
            },
            style=figure_style(spec.number),
        script:
            "../scripts/figure.py"


rule table1:
    output:
        table=report(
            "results/figures/table1.csv",
            caption="../report/table1.rst",
            category="Figures",
            labels={"figure": "Table 1", "shows": "TrueSkill beliefs, worked example"},
        ),
        markdown="results/figures/table1.md",
    log:
        "results/logs/figures/table1.log",
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
        comparisons="results/analysis/comparisons.csv",
    output:
        png=report(
            "results/figures/alignment_differences.png",
            caption="../report/alignment_differences.rst",
            category="Figures",
            labels={
                "figure": "Alignment",
                "shows": "instruct minus base, with intervals",
            },
        ),
        pdf="results/figures/alignment_differences.pdf",
        data="results/figures/alignment_differences.csv",
    log:
        "results/logs/figures/alignment_differences.log",
    localrule: True
    conda:
        "../../envs/analysis.yaml"
    params:
        code=code_version("figure_alignment.py"),
        style=figure_style("alignment"),
    script:
        "../scripts/figure_alignment.py"


rule paper_figures:
    input:
        paper_figures(),


rule power:
    """Not part of the default target: `snakemake power`."""
    input:
        vocabulary="results/data/vocabulary.csv",
        dilemmas=reference_items,
    output:
        table="results/simulation/power.csv",
        figure=report(
            "results/simulation/power.png",
            caption="../report/power.rst",
            category="Study size",
        ),
    log:
        "results/logs/power.log",
    benchmark:
        "results/benchmarks/power.tsv"
    localrule: True
    conda:
        "../../envs/analysis.yaml"
    params:
        code=code_version("power.py"),
        power=config["power"],
        calibration=config["calibration"],
        analysis=config["analysis"],
        ks=config["generation"]["k"],
        style=figure_style("power"),
    script:
        "../scripts/power.py"


rule simulate_recovery:
    input:
        vocabulary="results/data/vocabulary.csv",
    output:
        table="results/simulation/recovery.csv",
        figure=report(
            "results/simulation/recovery.png",
            caption="../report/recovery.rst",
            category="Study size",
        ),
    log:
        "results/logs/simulate_recovery.log",
    benchmark:
        "results/benchmarks/simulate_recovery.tsv"
    localrule: True
    conda:
        "../../envs/analysis.yaml"
    params:
        code=code_version("simulate_recovery.py"),
        settings=config["simulation"],
        style=figure_style("recovery"),
    script:
        "../scripts/simulate_recovery.py"
