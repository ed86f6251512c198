"""Data preparation: every source normalized into results/data/."""


rule vocabulary:
    output:
        "results/data/vocabulary.csv",
    log:
        "results/logs/vocabulary.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        spec=config["vocabulary"],
    script:
        "../scripts/prepare_vocabulary.py"


rule dataset:
    input:
        vocabulary="results/data/vocabulary.csv",
    output:
        dataset="results/data/{dataset}/items.jsonl",
        report="results/data/{dataset}/load_report.json",
    log:
        "results/logs/dataset/{dataset}.log",
    conda:
        "../../envs/analysis.yaml"
    params:
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
    conda:
        "../../envs/analysis.yaml"
    params:
        names=DATASETS,
    script:
        "../scripts/summarize_data.py"
