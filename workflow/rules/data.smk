"""Data preparation: every source normalized into results/data/."""


rule vocabulary:
    input:
        source=PLAN.source_file(),
    output:
        PATHS.vocabulary,
    log:
        PATHS.log("vocabulary"),
    localrule: True
    conda:
        "../../envs/analysis.yaml"
    params:
        code=code_version("prepare_vocabulary.py"),
        spec=config["vocabulary"],
    script:
        "../scripts/prepare_vocabulary.py"


rule dataset:
    input:
        vocabulary=PATHS.vocabulary,
        source=PLAN.source_file,
    output:
        dataset=PATHS.data("items.jsonl"),
        report=PATHS.data("load_report.json"),
    log:
        PATHS.log("dataset", "{dataset}"),
    localrule: True
    conda:
        "../../envs/analysis.yaml"
    params:
        code=code_version("prepare_dataset.py"),
        spec=PLAN.dataset_spec,
    script:
        "../scripts/prepare_dataset.py"


rule data_summary:
    input:
        reports=[PATHS.data("load_report.json", dataset) for dataset in DATASETS],
    output:
        report(
            PATHS.data_summary,
            caption="../report/data_summary.rst",
            category="Data",
        ),
    log:
        PATHS.log("data_summary"),
    localrule: True
    conda:
        "../../envs/analysis.yaml"
    params:
        code=code_version("summarize_data.py"),
        names=DATASETS,
    script:
        "../scripts/summarize_data.py"


rule gold_values:
    input:
        dataset=PATHS.data("items.jsonl"),
        vocabulary=PATHS.vocabulary,
        templates=list(JUDGE_PROMPTS.values()),
    output:
        gold=PATHS.data("gold.jsonl"),
        report=PATHS.data("gold_report.json"),
    log:
        PATHS.log("gold_values", "{dataset}"),
    benchmark:
        PATHS.benchmark("gold_values", "{dataset}")
    retries: 2
    localrule: CLUSTER.on_submit_host("gold_values")
    conda:
        "../../envs/annotation.yaml"
    resources:
        gpu=CLUSTER.standardize_gpus(),
        gpu_model=CLUSTER.standardize_gpu_model(),
    params:
        code=code_version("gold_values.py"),
        judge=PLAN.standardize_judge(),
        templates=JUDGE_PROMPTS,
        cache_dir=config["cache_dir"],
    script:
        "../scripts/gold_values.py"
