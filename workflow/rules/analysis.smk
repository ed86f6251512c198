"""Analysis: preferences per sample, consistency and attributes per run, tables of all runs."""


rule preferences_short:
    input:
        source=PATHS.responses(),
        dataset=PATHS.data("items.jsonl"),
        vocabulary=PATHS.vocabulary,
    output:
        tables=[PATHS.preference_table(sample) for sample in SAMPLES],
        evidence=PATHS.preferences("games.npz"),
    log:
        PATHS.log("preferences", PATHS.annotation_job()),
    benchmark:
        PATHS.benchmark("preferences", PATHS.annotation_job())
    wildcard_constraints:
        task=WILDCARD["short"],
    localrule: True
    conda:
        "../../envs/analysis.yaml"
    params:
        code=code_version("preferences_short.py"),
        samples=SAMPLES,
        spread={key: config["analysis"][key] for key in ("shuffles", "seed")},
    script:
        "../scripts/preferences_short.py"


rule preferences_long:
    input:
        source=PATHS.annotated(".table.csv"),
        vocabulary=PATHS.vocabulary,
    output:
        tables=[PATHS.preference_table(sample) for sample in SAMPLES],
        evidence=PATHS.preferences("positions.npz"),
    log:
        PATHS.log("preferences", PATHS.annotation_job()),
    benchmark:
        PATHS.benchmark("preferences", PATHS.annotation_job())
    wildcard_constraints:
        task=WILDCARD["long"],
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
        vocabulary=PATHS.vocabulary,
    output:
        truth=PATHS.control_truth(),
    log:
        PATHS.log("control_truth", "{model}/{alignment}"),
    localrule: True
    conda:
        "../../envs/analysis.yaml"
    params:
        code=code_version("control_truth.py"),
        control=lambda wildcards: PLAN.model_spec(wildcards)["control"],
    script:
        "../scripts/control_truth.py"


rule analyze_run:
    input:
        runs=PLAN.run_analysis_inputs,
        truth=PLAN.control_truth,
        datasets=[PLAN.items_file(dataset) for dataset in DATASETS],
        vocabulary=PATHS.vocabulary,
    output:
        correlations=PATHS.run_analysis("correlations.csv"),
        replicates=PATHS.run_analysis("replicates.jsonl"),
        attributes=PATHS.run_analysis("attributes.csv"),
    log:
        PATHS.log("analyze_run", "{model}/{alignment}"),
    benchmark:
        PATHS.benchmark("analyze_run", "{model}/{alignment}")
    localrule: True
    conda:
        "../../envs/analysis.yaml"
    params:
        code=code_version("analyze_run.py"),
        files=lambda wildcards: PLAN.run_files(wildcards.model, wildcards.alignment),
        limits=lambda wildcards: PLAN.model_spec(wildcards)["limits"],
        item_files={dataset: PATHS.data("items.jsonl", dataset) for dataset in DATASETS},
        kinds=PLAN.kinds,
        settings=analysis_params(config),
    script:
        "../scripts/analyze_run.py"


rule analysis_tables:
    input:
        correlations=PLAN.run_outputs("correlations.csv"),
        replicates=PLAN.run_outputs("replicates.jsonl"),
        attributes=PLAN.run_outputs("attributes.csv"),
        vocabulary=PATHS.vocabulary,
    output:
        correlations=report(
            PATHS.analysis("correlations.csv"),
            caption="../report/correlations.rst",
            category="Analysis",
        ),
        replicates=PATHS.analysis("replicates.jsonl"),
        attributes=report(
            PATHS.analysis("attributes.csv"),
            caption="../report/attributes.rst",
            category="Analysis",
        ),
        frameworks=report(
            PATHS.analysis("frameworks.csv"),
            caption="../report/frameworks.rst",
            category="Analysis",
        ),
        recognition=report(
            PATHS.analysis("recognition_frameworks.csv"),
            caption="../report/recognition_frameworks.rst",
            category="Analysis",
        ),
        controls=report(
            PATHS.analysis("controls.csv"),
            caption="../report/controls.rst",
            category="Analysis",
        ),
        comparisons=report(
            PATHS.analysis("comparisons.csv"),
            caption="../report/comparisons.rst",
            category="Analysis",
        ),
    log:
        PATHS.log("analysis_tables"),
    localrule: True
    conda:
        "../../envs/analysis.yaml"
    params:
        code=code_version("analysis_tables.py"),
        kinds=PLAN.kinds,
    script:
        "../scripts/analysis_tables.py"


rule claims:
    input:
        correlations=PATHS.analysis("correlations.csv"),
        replicates=PATHS.analysis("replicates.jsonl"),
    output:
        claims=report(
            PATHS.analysis("claims.csv"),
            caption="../report/claims.rst",
            category="Claims",
        ),
    log:
        PATHS.log("claims"),
    localrule: True
    conda:
        "../../envs/analysis.yaml"
    params:
        code=code_version("claims.py"),
        kinds=PLAN.kinds,
    script:
        "../scripts/claims.py"


rule calibrate:
    """Not part of the default target: `snakemake calibrate`."""
    input:
        vocabulary=PATHS.vocabulary,
    output:
        coverage=PATHS.calibration("coverage.csv"),
    log:
        PATHS.log("calibrate"),
    benchmark:
        PATHS.benchmark("calibrate")
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
        controls=PATHS.analysis("controls.csv"),
        claims=PATHS.analysis("claims.csv"),
        correlations=PATHS.analysis("correlations.csv"),
        summary=PATHS.report_table("run_summary.csv"),
    output:
        report(
            PATHS.findings,
            caption="../report/findings.rst",
            category="Run summary",
        ),
    log:
        PATHS.log("findings"),
    localrule: True
    conda:
        "../../envs/analysis.yaml"
    params:
        code=code_version("findings.py"),
        figures=FIGURE_PLAN.report_titles(),
    script:
        "../scripts/findings.py"
