"""Data preparation: every source normalized into results/data/."""


rule vocabulary:
    input:
        source=source_file(),
    output:
        "results/data/vocabulary.csv",
    log:
        "results/logs/vocabulary.log",
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
        vocabulary="results/data/vocabulary.csv",
        source=source_file,
    output:
        dataset="results/data/{dataset}/items.jsonl",
        report="results/data/{dataset}/load_report.json",
    log:
        "results/logs/dataset/{dataset}.log",
    localrule: True
    conda:
        "../../envs/analysis.yaml"
    params:
        code=code_version("prepare_dataset.py"),
        spec=dataset_spec,
    script:
        "../scripts/prepare_dataset.py"


rule data_summary:
    input:
        reports=expand("results/data/{dataset}/load_report.json", dataset=DATASETS),
    output:
        report(
            "results/data/summary.csv",
            caption="../report/data_summary.rst",
            category="Data",
        ),
    log:
        "results/logs/data_summary.log",
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
        dataset="results/data/{dataset}/items.jsonl",
        vocabulary="results/data/vocabulary.csv",
        templates=list(JUDGE_PROMPTS.values()),
    output:
        gold="results/data/{dataset}/gold.jsonl",
        report="results/data/{dataset}/gold_report.json",
    log:
        "results/logs/gold_values/{dataset}.log",
    benchmark:
        "results/benchmarks/gold_values/{dataset}.tsv"
    retries: 2
    localrule: on_submit_host("gold_values")
    conda:
        "../../envs/annotation.yaml"
    resources:
        gpu=gpus_of(standardize_judge()),
        gpu_model=gpu_model_of(standardize_judge()),
    params:
        code=code_version("gold_values.py"),
        judge=standardize_judge(),
        templates=JUDGE_PROMPTS,
        cache_dir=config["cache_dir"],
    script:
        "../scripts/gold_values.py"
