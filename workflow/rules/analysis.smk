"""Analysis: preferences per sample, consistency and attributes per run, tables of all runs."""


rule preferences_short:
    input:
        source=f"results/generation/{STEM}.jsonl",
        dataset="results/data/{dataset}/items.jsonl",
        vocabulary="results/data/vocabulary.csv",
    output:
        tables=[f"results/preferences/{STEM}/sample{sample}.csv" for sample in SAMPLES],
        evidence=f"results/preferences/{STEM}/games.npz",
    log:
        f"results/logs/preferences/{STEM}.log",
    benchmark:
        f"results/benchmarks/preferences/{STEM}.tsv"
    wildcard_constraints:
        task="short[a-z_]*",
    localrule: True
    conda:
        "../../envs/analysis.yaml"
    params:
        code=code_version("preferences_short.py"),
        samples=SAMPLES,
        spread={
            key: config["analysis"][key]
            for key in ("shuffles", "seed", "preference_sample")
        },
    script:
        "../scripts/preferences_short.py"


rule preferences_long:
    input:
        source=f"results/annotation/{STEM}.table.csv",
        vocabulary="results/data/vocabulary.csv",
    output:
        tables=[f"results/preferences/{STEM}/sample{sample}.csv" for sample in SAMPLES],
        evidence=f"results/preferences/{STEM}/positions.npz",
    log:
        f"results/logs/preferences/{STEM}.log",
    benchmark:
        f"results/benchmarks/preferences/{STEM}.tsv"
    wildcard_constraints:
        task="long_k[0-9]+",
    localrule: True
    conda:
        "../../envs/analysis.yaml"
    params:
        code=code_version("preferences_long.py"),
        samples=SAMPLES,
    script:
        "../scripts/preferences_long.py"


rule control_truth:
    input:
        vocabulary="results/data/vocabulary.csv",
    output:
        truth="results/controls/{model}/{alignment}/truth.csv",
    log:
        "results/logs/control_truth/{model}/{alignment}.log",
    localrule: True
    conda:
        "../../envs/analysis.yaml"
    params:
        code=code_version("control_truth.py"),
        control=lambda wildcards: model_spec(wildcards)["control"],
    script:
        "../scripts/control_truth.py"


rule analyze_run:
    input:
        runs=run_analysis_inputs,
        truth=control_truth,
        datasets=[items_file(dataset) for dataset in DATASETS],
        vocabulary="results/data/vocabulary.csv",
    output:
        correlations="results/analysis/{model}/{alignment}/correlations.csv",
        replicates="results/analysis/{model}/{alignment}/replicates.jsonl",
        attributes="results/analysis/{model}/{alignment}/attributes.csv",
    log:
        "results/logs/analyze_run/{model}/{alignment}.log",
    benchmark:
        "results/benchmarks/analyze_run/{model}/{alignment}.tsv"
    localrule: True
    conda:
        "../../envs/analysis.yaml"
    params:
        code=code_version("analyze_run.py"),
        files=lambda wildcards: run_files(wildcards.model, wildcards.alignment),
        limits=lambda wildcards: model_spec(wildcards)["limits"],
        item_files={
            dataset: f"results/data/{dataset}/items.jsonl" for dataset in DATASETS
        },
        kinds={name: spec["kind"] for name, spec in config["datasets"].items()},
        settings=analysis_params(config),
    script:
        "../scripts/analyze_run.py"


rule analysis_tables:
    input:
        correlations=expand(
            "results/analysis/{run}/correlations.csv",
            run=[f"{model}/{alignment}" for model, alignment in MODEL_RUNS],
        ),
        replicates=expand(
            "results/analysis/{run}/replicates.jsonl",
            run=[f"{model}/{alignment}" for model, alignment in MODEL_RUNS],
        ),
        attributes=expand(
            "results/analysis/{run}/attributes.csv",
            run=[f"{model}/{alignment}" for model, alignment in MODEL_RUNS],
        ),
        vocabulary="results/data/vocabulary.csv",
    output:
        correlations=report(
            "results/analysis/correlations.csv",
            caption="../report/correlations.rst",
            category="Analysis",
        ),
        replicates="results/analysis/replicates.jsonl",
        attributes=report(
            "results/analysis/attributes.csv",
            caption="../report/attributes.rst",
            category="Analysis",
        ),
        frameworks=report(
            "results/analysis/frameworks.csv",
            caption="../report/frameworks.rst",
            category="Analysis",
        ),
        recognition=report(
            "results/analysis/recognition_frameworks.csv",
            caption="../report/recognition_frameworks.rst",
            category="Analysis",
        ),
        controls=report(
            "results/analysis/controls.csv",
            caption="../report/controls.rst",
            category="Analysis",
        ),
        comparisons=report(
            "results/analysis/comparisons.csv",
            caption="../report/comparisons.rst",
            category="Analysis",
        ),
    log:
        "results/logs/analysis_tables.log",
    localrule: True
    conda:
        "../../envs/analysis.yaml"
    params:
        code=code_version("analysis_tables.py"),
        kinds=dataset_kinds(),
    script:
        "../scripts/analysis_tables.py"


rule claims:
    input:
        correlations="results/analysis/correlations.csv",
        replicates="results/analysis/replicates.jsonl",
    output:
        claims=report(
            "results/analysis/claims.csv",
            caption="../report/claims.rst",
            category="Claims",
        ),
    log:
        "results/logs/claims.log",
    localrule: True
    conda:
        "../../envs/analysis.yaml"
    params:
        code=code_version("claims.py"),
        kinds=dataset_kinds(),
    script:
        "../scripts/claims.py"


rule calibrate:
    """Not part of the default target: `snakemake calibrate`."""
    input:
        vocabulary="results/data/vocabulary.csv",
    output:
        coverage="results/calibration/coverage.csv",
    log:
        "results/logs/calibrate.log",
    benchmark:
        "results/benchmarks/calibrate.tsv"
    localrule: True
    conda:
        "../../envs/analysis.yaml"
    params:
        code=code_version("calibrate.py"),
        calibration=config["calibration"],
        analysis=config["analysis"],
    script:
        "../scripts/calibrate.py"


rule findings:
    """The report's front page: what the run found (workflow/report/workflow.rst includes it)."""
    input:
        controls="results/analysis/controls.csv",
        claims="results/analysis/claims.csv",
        correlations="results/analysis/correlations.csv",
        summary="results/run_summary.csv",
    output:
        report(
            "results/report/findings.rst",
            caption="../report/findings.rst",
            category="Run summary",
        ),
    log:
        "results/logs/findings.log",
    localrule: True
    conda:
        "../../envs/analysis.yaml"
    params:
        code=code_version("findings.py"),
        figures=report_figures(),
    script:
        "../scripts/findings.py"
