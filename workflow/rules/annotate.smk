"""Annotation: arguments, values and specificity of every long-form response, by the judges."""


rule annotate:
    input:
        responses="results/generation/{model}/{alignment}/{dataset}/{task}.jsonl",
        vocabulary="results/data/vocabulary.csv",
        templates=list(JUDGE_PROMPTS.values()),
    output:
        arguments="results/annotation/{model}/{alignment}/{dataset}/{task}.jsonl",
        labels="results/annotation/{model}/{alignment}/{dataset}/{task}.labels.jsonl",
        summary="results/annotation/{model}/{alignment}/{dataset}/{task}.summary.json",
    log:
        "results/logs/annotate/{model}/{alignment}/{dataset}/{task}.log",
    benchmark:
        "results/benchmarks/annotate/{model}/{alignment}/{dataset}/{task}.tsv"
    wildcard_constraints:
        task="long_k[0-9]+",
    conda:
        "../../envs/analysis.yaml"
    threads: 2
    resources:
        gpu=judge_uses_gpu,
    params:
        judges=config["judges"],
        settings=config["annotation"],
        templates=JUDGE_PROMPTS,
        cache_dir=config["cache_dir"],
    script:
        "../scripts/annotate.py"


rule judge_agreement:
    input:
        labels=[
            path.replace(".jsonl", ".labels.jsonl") for path in annotated_arguments()
        ],
    output:
        report(
            "results/annotation/judge_agreement.csv",
            caption="../report/judge_agreement.rst",
            category="Annotation",
        ),
    log:
        "results/logs/judge_agreement.log",
    conda:
        "../../envs/analysis.yaml"
    script:
        "../scripts/judge_agreement.py"


rule cost_estimate:
    input:
        responses=[
            path.replace("results/annotation/", "results/generation/")
            for path in annotated_arguments()
        ],
        vocabulary="results/data/vocabulary.csv",
        templates=list(JUDGE_PROMPTS.values()),
    output:
        report(
            "results/annotation/cost_estimate.csv",
            caption="../report/cost_estimate.rst",
            category="Annotation",
        ),
    log:
        "results/logs/cost_estimate.log",
    conda:
        "../../envs/analysis.yaml"
    params:
        judges=config["judges"],
        settings=config["annotation"],
        templates=JUDGE_PROMPTS,
        prices=config["prices"],
        cache_dir=config["cache_dir"],
    script:
        "../scripts/cost_estimate.py"


rule ledger:
    input:
        generation=[
            f"results/generation/{model}/{alignment}/summary.json"
            for model, alignment in MODEL_RUNS
        ],
        annotation=[
            path.replace(".jsonl", ".summary.json") for path in annotated_arguments()
        ],
    output:
        report(
            "results/ledger.csv",
            caption="../report/ledger.rst",
            category="Annotation",
        ),
    log:
        "results/logs/ledger.log",
    conda:
        "../../envs/analysis.yaml"
    script:
        "../scripts/ledger.py"
