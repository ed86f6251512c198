"""Annotation: arguments, values and specificity of every long-form response, by the judges."""


rule annotate_arguments:
    input:
        source="results/generation/{model}/{alignment}/{dataset}/{task}.jsonl",
        vocabulary="results/data/vocabulary.csv",
        templates=list(JUDGE_PROMPTS.values()),
        batches=lambda wildcards: collected_batches(wildcards, "arguments"),
        code=library_code("annotate_step.py"),
    output:
        arguments="results/annotation/{model}/{alignment}/{dataset}/{task}/arguments.jsonl",
        labels="results/annotation/{model}/{alignment}/{dataset}/{task}/arguments.labels.jsonl",
        stats="results/annotation/{model}/{alignment}/{dataset}/{task}/arguments.stats.json",
    log:
        "results/logs/annotate/{model}/{alignment}/{dataset}/{task}/arguments.log",
    benchmark:
        "results/benchmarks/annotate/{model}/{alignment}/{dataset}/{task}/arguments.tsv"
    wildcard_constraints:
        task="long_k[0-9]+",
    retries: 2
    localrule: runs_locally("arguments")
    conda:
        "../../envs/analysis.yaml"
    threads: step_threads("arguments")
    resources:
        gpu=lambda wildcards: step_gpus("arguments"),
        gpu_model=lambda wildcards: step_gpu_model("arguments"),
    params:
        step="arguments",
        judges=config["judges"],
        settings=config["annotation"],
        templates=JUDGE_PROMPTS,
        cache_dir=config["cache_dir"],
    script:
        "../scripts/annotate_step.py"


rule annotate_step:
    input:
        source="results/annotation/{model}/{alignment}/{dataset}/{task}/arguments.jsonl",
        vocabulary="results/data/vocabulary.csv",
        templates=list(JUDGE_PROMPTS.values()),
        batches=lambda wildcards: collected_batches(wildcards, wildcards.step),
        code=library_code("annotate_step.py"),
    output:
        labels="results/annotation/{model}/{alignment}/{dataset}/{task}/{step}.labels.jsonl",
        stats="results/annotation/{model}/{alignment}/{dataset}/{task}/{step}.stats.json",
    log:
        "results/logs/annotate/{model}/{alignment}/{dataset}/{task}/{step}.log",
    benchmark:
        "results/benchmarks/annotate/{model}/{alignment}/{dataset}/{task}/{step}.tsv"
    wildcard_constraints:
        task="long_k[0-9]+",
        step="values|specificity",
    retries: 2
    localrule: runs_locally("values", "specificity")
    conda:
        "../../envs/analysis.yaml"
    threads: lambda wildcards: step_threads(wildcards.step)
    resources:
        gpu=lambda wildcards: step_gpus(wildcards.step),
        gpu_model=lambda wildcards: step_gpu_model(wildcards.step),
    params:
        step=lambda wildcards: wildcards.step,
        judges=config["judges"],
        settings=config["annotation"],
        templates=JUDGE_PROMPTS,
        cache_dir=config["cache_dir"],
    script:
        "../scripts/annotate_step.py"


rule batch_submit:
    input:
        source=step_source,
        vocabulary="results/data/vocabulary.csv",
        templates=list(JUDGE_PROMPTS.values()),
        code=library_code("batch_submit.py"),
    output:
        "results/annotation/batches/{judge}/{model}/{alignment}/{dataset}/{task}/{step}.submitted.json",
    log:
        "results/logs/batch_submit/{judge}/{model}/{alignment}/{dataset}/{task}/{step}.log",
    wildcard_constraints:
        task="long_k[0-9]+",
        step="arguments|values|specificity",
    retries: 2
    localrule: True
    conda:
        "../../envs/analysis.yaml"
    params:
        judge=lambda wildcards: judge_spec(wildcards.judge),
        settings=config["annotation"],
        templates=JUDGE_PROMPTS,
        cache_dir=config["cache_dir"],
    script:
        "../scripts/batch_submit.py"


rule batch_collect:
    input:
        submitted="results/annotation/batches/{judge}/{model}/{alignment}/{dataset}/{task}/{step}.submitted.json",
        code=library_code("batch_collect.py"),
    output:
        "results/annotation/batches/{judge}/{model}/{alignment}/{dataset}/{task}/{step}.collected.json",
    log:
        "results/logs/batch_collect/{judge}/{model}/{alignment}/{dataset}/{task}/{step}.log",
    wildcard_constraints:
        task="long_k[0-9]+",
        step="arguments|values|specificity",
    localrule: True
    conda:
        "../../envs/analysis.yaml"
    params:
        judge=lambda wildcards: judge_spec(wildcards.judge),
        cache_dir=config["cache_dir"],
    script:
        "../scripts/batch_collect.py"


rule annotate:
    input:
        responses="results/generation/{model}/{alignment}/{dataset}/{task}.jsonl",
        arguments="results/annotation/{model}/{alignment}/{dataset}/{task}/arguments.jsonl",
        labels=expand(
            "results/annotation/{{model}}/{{alignment}}/{{dataset}}/{{task}}/{step}.labels.jsonl",
            step=ANNOTATION_STEPS,
        ),
        stats=expand(
            "results/annotation/{{model}}/{{alignment}}/{{dataset}}/{{task}}/{step}.stats.json",
            step=ANNOTATION_STEPS,
        ),
        code=library_code("annotate.py"),
    output:
        arguments="results/annotation/{model}/{alignment}/{dataset}/{task}.jsonl",
        labels="results/annotation/{model}/{alignment}/{dataset}/{task}.labels.jsonl",
        summary="results/annotation/{model}/{alignment}/{dataset}/{task}.summary.json",
        table="results/annotation/{model}/{alignment}/{dataset}/{task}.table.csv",
    log:
        "results/logs/annotate/{model}/{alignment}/{dataset}/{task}.log",
    wildcard_constraints:
        task="long_k[0-9]+",
    localrule: True
    conda:
        "../../envs/analysis.yaml"
    params:
        judges=config["judges"],
    script:
        "../scripts/annotate.py"


rule recognized_values:
    input:
        responses="results/generation/{model}/{alignment}/{dataset}/recognize.jsonl",
        vocabulary="results/data/vocabulary.csv",
        templates=list(JUDGE_PROMPTS.values()),
        code=library_code("recognized_values.py"),
    output:
        values="results/annotation/{model}/{alignment}/{dataset}/recognize.jsonl",
        summary="results/annotation/{model}/{alignment}/{dataset}/recognize.summary.json",
    log:
        "results/logs/recognized_values/{model}/{alignment}/{dataset}.log",
    benchmark:
        "results/benchmarks/recognized_values/{model}/{alignment}/{dataset}.tsv"
    retries: 2
    localrule: gpus_of(standardize_judge()) == 0
    conda:
        "../../envs/analysis.yaml"
    resources:
        gpu=gpus_of(standardize_judge()),
        gpu_model=gpu_model_of(standardize_judge()),
    params:
        judge=standardize_judge(),
        templates=JUDGE_PROMPTS,
        cache_dir=config["cache_dir"],
    script:
        "../scripts/recognized_values.py"


rule judge_agreement:
    input:
        labels=[
            path.replace(".jsonl", ".labels.jsonl") for path in annotated_arguments()
        ],
        code=library_code("judge_agreement.py"),
    output:
        report(
            "results/annotation/judge_agreement.csv",
            caption="../report/judge_agreement.rst",
            category="Annotation",
        ),
    log:
        "results/logs/judge_agreement.log",
    localrule: True
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
        code=library_code("cost_estimate.py"),
    output:
        report(
            "results/annotation/cost_estimate.csv",
            caption="../report/cost_estimate.rst",
            category="Annotation",
        ),
    log:
        "results/logs/cost_estimate.log",
    localrule: True
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
            f"results/generation/{run}/summary.json"
            for run in ledger_jobs()["generation"]
        ],
        annotation=[
            f"results/annotation/{job}.summary.json"
            for job in ledger_jobs()["annotation"]
        ],
        gold=[
            f"results/data/{dataset}/gold_report.json"
            for dataset in ledger_jobs()["gold"]
        ],
        recognized=[
            f"results/annotation/{job}.summary.json"
            for job in ledger_jobs()["recognized"]
        ],
        code=library_code("ledger.py"),
    output:
        report(
            "results/ledger.csv",
            caption="../report/ledger.rst",
            category="Annotation",
        ),
    log:
        "results/logs/ledger.log",
    localrule: True
    conda:
        "../../envs/analysis.yaml"
    params:
        jobs=ledger_jobs(),
        judges=config["judges"],
        prices=config["prices"],
    script:
        "../scripts/ledger.py"
