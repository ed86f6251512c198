"""Config validation and the helpers that name every target of the workflow."""

import time

from valueprefs.analysis.settings import analysis_params
from valueprefs.runtime.code_digest import code_digest, library_files
from valueprefs.config import check_config, unset_api_keys
from valueprefs.errors import ConfigError
from valueprefs.figures.registry import BY_NUMBER, FIGURES, resolve, unrated
from valueprefs.figures.captions import caption
from valueprefs.figures.style import style_for
from valueprefs.planning import (
    active_steps,
    annotation_settings,
    step_judges,
    step_settings,
    tasks_for,
)
from valueprefs.prompts import JUDGE_TEMPLATE_NAMES, TEMPLATE_NAMES

try:
    check_config(
        config,
        workflow.configfiles,
        os.path.join(workflow.basedir, "workflow", "schemas", "config.schema.yaml"),
    )
except ConfigError as error:
    raise SystemExit(f"error: {error}") from None

from valueprefs.results_owner import claim, owner_conflict

OWNER_CONFLICT = owner_conflict(config, workflow.configfiles)
if OWNER_CONFLICT:
    raise SystemExit(f"error: {OWNER_CONFLICT}")


def check_api_keys():
    """Before the first job: every key the jobs about to run need is in the environment."""
    params = [dict(job.params.items()) for job in workflow.dag.needrun_jobs()]
    unset = unset_api_keys(params)
    if unset:
        raise SystemExit(
            f"error: environment variable(s) {', '.join(unset)} (named by api_key_env in "
            f"{', '.join(map(str, workflow.configfiles))}) not set; export them and run again"
        )


DATASETS = sorted(config["datasets"])
# One model run's file for one data set and task: the stem of every per-task output path.
STEM = "{model}/{alignment}/{dataset}/{task}"
# With annotation.shards > 1, the steps of a response file run per shard of its items, in
# this folder, and the `annotate` join reads every shard.
ANNOTATION_SHARDS = config["annotation"]["shards"]
STEP_STEM = f"{STEM}/shards/{{shard}}" if ANNOTATION_SHARDS > 1 else STEM
MODEL_RUNS = [
    (family, alignment)
    for family, alignments in sorted(config["models"].items())
    for alignment in sorted(alignments)
]
# Calibration controls: model families whose entries plant a truth (drawn hatched in figures).
CONTROL_MODELS = sorted(
    family
    for family, alignments in config["models"].items()
    if any("control" in entry for entry in alignments.values())
)
TEMPLATE_DIR = os.path.join(workflow.basedir, "src", "valueprefs", "templates")
PROMPTS = {name: os.path.join(TEMPLATE_DIR, f"{name}.txt") for name in TEMPLATE_NAMES}
JUDGE_PROMPTS = {
    name: os.path.join(TEMPLATE_DIR, f"{name}.txt") for name in JUDGE_TEMPLATE_NAMES
}
ANNOTATION_STEPS = active_steps(config["judges"], config["annotation"])
if "path" not in config["annotation"]["specificity"]:
    print(
        "warning: this config rates no path-based specificity (annotation.specificity), so "
        "Figures 6 and 24-29 will say so instead of plotting; to rate it, add path there and "
        '"specificity" to the steps of an LLM judge in judges',
        file=sys.stderr,
    )
SAMPLES = list(range(config["generation"]["n_samples"] + 1))
BATCH_JUDGES = [judge["name"] for judge in config["judges"] if judge["batch"]]


wildcard_constraints:
    dataset="|".join(DATASETS),
    model="|".join(sorted(config["models"])),
    alignment="base|instruct",
    task="[a-z0-9_]+",
    shard="[0-9]+",
    judge="|".join(BATCH_JUDGES) or "(?!)",


# Job logs written after this (a second of slack for coarse file times) belong to this run.
RUN_STARTED = time.time() - 1


CODE_VERSIONS = {}


def code_version(script):
    """A digest of the library files a rule's script imports: a param, so editing one of them
    reruns just the rules that run it (and the job listings stay free of ~40 file names).
    """
    if script not in CODE_VERSIONS:
        src = os.path.join(workflow.basedir, "src")
        path = os.path.join(workflow.basedir, "workflow", "scripts", script)
        CODE_VERSIONS[script] = code_digest(library_files(path, src), src)
    return CODE_VERSIONS[script]


DEMO_FILES = {"dilemmas": "dilemmas.jsonl", "questions": "questions.jsonl"}
DEMO_FILES.update(recognition="recognition.jsonl", vocabulary="values.csv")


def source_file(wildcards=None):
    """The file a data set (or the vocabulary) reads when it is one file: demo or `file`."""
    spec = dataset_spec(wildcards) if wildcards else config["vocabulary"]
    if spec["source"] == "file":
        return spec["path"]
    if spec["source"] != "demo":
        return []
    kind = spec["kind"] if wildcards else "vocabulary"
    return os.path.join(workflow.basedir, "src/valueprefs/demo_data", DEMO_FILES[kind])


def dataset_spec(wildcards):
    """The config entry of the dataset named by the {dataset} wildcard."""
    return config["datasets"][wildcards.dataset]


def model_spec(wildcards):
    """The config entry of the model named by {model} and {alignment}."""
    return config["models"][wildcards.model][wildcards.alignment]


def generation_tasks():
    """(data set, task) pairs every model answers, in a fixed order."""
    return [
        (dataset, task)
        for dataset in DATASETS
        for task in tasks_for(config["datasets"][dataset]["kind"], config["generation"])
    ]


def generation_responses(model="{model}", alignment="{alignment}", shard=""):
    """Response files of one model (wildcards left in place by default), or of one shard of its
    items with `shard` ("shards/{shard}/")."""
    return [
        f"results/generation/{model}/{alignment}/{shard}{dataset}/{task}.jsonl"
        for dataset, task in generation_tasks()
    ]


# With generation.shards > 1, a model's items are split among that many generation jobs (and
# merged by `merge_generation`); generation outputs then sit under this folder per shard.
SHARDED = config["generation"]["shards"] > 1
SHARD_DIR = "shards/{shard}/" if SHARDED else ""
GENERATION_JOB = (
    "{model}/{alignment}/shards/{shard}" if SHARDED else "{model}/{alignment}"
)


def model_shards(wildcards):
    """Generation jobs of one model: `generation.shards`, or one for imported responses."""
    return (
        1
        if model_spec(wildcards)["backend"] == "import"
        else config["generation"]["shards"]
    )


def generation_shard(wildcards):
    """(index, count) of a generation job's shard; (0, 1) when unsharded."""
    return (int(wildcards.shard), model_shards(wildcards)) if SHARDED else (0, 1)


def generation_settings(model, alignment):
    """The generation settings a model's generation job reads (how many shards is the DAG's
    business), the model entry's own `token_limits` in place of those of the same names.
    """
    settings = {
        key: value for key, value in config["generation"].items() if key != "shards"
    }
    return settings | config["models"][model][alignment].get("token_limits", {})


def model_generation_settings(wildcards):
    """`generation_settings` of the model named by {model} and {alignment}."""
    return generation_settings(wildcards.model, wildcards.alignment)


def shard_files(name=None):
    """What `merge_generation` joins of one model: file `name` ("timings.jsonl", "summary.json")
    of every shard, or without `name` every shard's response files (shard 0's, then 1's, ...).
    """

    def files(wildcards):
        run = f"{wildcards.model}/{wildcards.alignment}"
        shards = range(model_shards(wildcards))
        if name:
            return [
                f"results/generation/{run}/shards/{shard}/{name}" for shard in shards
            ]
        return [
            path
            for shard in shards
            for path in generation_responses(
                wildcards.model, wildcards.alignment, f"shards/{shard}/"
            )
        ]

    return files


def model_files(wildcards):
    """Files a model's answers depend on besides the prompts: imported response files, or a
    local model file or folder (a hub id or a server's model name is no file)."""
    spec = model_spec(wildcards)
    if spec["backend"] == "import":
        return [
            os.path.join(spec["path"], dataset, f"{task}.jsonl")
            for dataset, task in generation_tasks()
        ]
    path = spec["model"]
    if spec["backend"] not in ("llamacpp", "vllm"):
        return []
    if os.path.isfile(path):
        return [path]
    if os.path.isdir(path):
        return sorted(
            os.path.join(folder, name)
            for folder, _, names in os.walk(path)
            for name in names
            if not name.startswith(".")
        )
    return []


def gpus_of(spec):
    """GPUs a model or judge asks SLURM for: its vLLM tensor-parallel size, else none."""
    if spec is None or spec["backend"] != "vllm":
        return 0
    return int(
        spec["engine_args"].get("tensor_parallel_size", 1)
    )  # vLLM's own default: 1


def gpu_model_of(spec):
    """The GPU type a vLLM model or judge asks for ("" lets SLURM choose)."""
    return spec["gpu_model"] if gpus_of(spec) else ""


def generation_gpus(wildcards):
    """GPUs of one generation job (vLLM models only)."""
    return gpus_of(model_spec(wildcards))


def generation_gpu_model(wildcards):
    """GPU type of one generation job."""
    return gpu_model_of(model_spec(wildcards))


def step_gpus(step):
    """GPUs an annotation step asks for: the most any of its vLLM judges needs."""
    return max((gpus_of(j) for j in step_judges(config["judges"], step)), default=0)


def step_gpu_model(step):
    """GPU type of an annotation step: that of its first judge that names one."""
    models = [gpu_model_of(j) for j in step_judges(config["judges"], step)]
    return next(filter(None, models), "")


VLLM_JOB_CORES = 2  # a vLLM judge's job: the engine process and its tokenizer


def step_threads(step):
    """Cores an annotation step uses: a local model's threads; one for API and embedding judges."""
    cores = {
        "llamacpp": lambda judge: judge["n_threads"],
        "vllm": lambda judge: VLLM_JOB_CORES,
    }
    judges = step_judges(config["judges"], step)
    return max(
        (cores[j["backend"]](j) for j in judges if j["backend"] in cores), default=1
    )


def gpu_capable_rules():
    """Rules that go to SLURM only when this config gives them a vLLM judge: name -> GPUs."""
    return {
        "annotate_arguments": step_gpus("arguments"),
        "annotate_step": max(step_gpus("values"), step_gpus("specificity")),
        "gold_values": gpus_of(standardize_judge()),
        "recognized_values": gpus_of(standardize_judge()),
    }


def on_submit_host(rule):
    """Whether a rule that can go to SLURM stays on the submit host under this config (its
    `localrule`): `generate` never does; the others when their judge needs no GPU."""
    return rule != "generate" and gpu_capable_rules()[rule] == 0


def drop_cluster_resources_of_local_rules():
    """Apply a profile's `set-resources` only to rules that go to SLURM under this config, so a
    dry run lists no GPU partition for annotation jobs that run on the submit host. Snakemake
    applies them while it reads the rules, so this runs before the rules are included; the
    settings are replaced whole (Snakemake parses them once per settings object).
    """
    from dataclasses import replace

    local = {name for name in gpu_capable_rules() if on_submit_host(name)}
    settings = workflow.resource_settings
    kept = {
        name: resources
        for name, resources in settings.overwrite_resources.items()
        if name not in local
    }
    workflow.resource_settings = replace(settings, overwrite_resources=kept)


def judge_spec(name):
    """The config entry of the judge called ``name``."""
    return next(judge for judge in config["judges"] if judge["name"] == name)


def collected_batches(wildcards, step):
    """Batch API results an annotation step waits for (one per batch judge of the step)."""
    return [
        f"results/annotation/batches/{judge['name']}/{wildcards.model}/{wildcards.alignment}/"
        f"{wildcards.dataset}/{wildcards.task}/{step}.collected.json"
        for judge in step_judges(config["judges"], step)
        if judge["batch"]
    ]


def step_files(name):
    """File `name` of an annotation step in every shard of a response file, in shard order
    (wildcards left in place)."""
    if ANNOTATION_SHARDS == 1:
        return [f"results/annotation/{STEM}/{name}"]
    return [
        f"results/annotation/{STEM}/shards/{shard}/{name}"
        for shard in range(ANNOTATION_SHARDS)
    ]


def annotation_shard(wildcards):
    """(index, count) of an annotation job's shard; (0, 1) when unsharded."""
    return (
        (int(wildcards.shard), ANNOTATION_SHARDS) if ANNOTATION_SHARDS > 1 else (0, 1)
    )


def step_source(wildcards):
    """What an annotation step reads: the responses (arguments) or the argument table."""
    stem = (
        f"{wildcards.model}/{wildcards.alignment}/{wildcards.dataset}/{wildcards.task}"
    )
    if wildcards.step == "arguments":
        return f"results/generation/{stem}.jsonl"
    return f"results/annotation/{stem}/arguments.jsonl"


def standardize_judge():
    """The judge that standardizes gold value names (None: names outside the vocabulary drop)."""
    name = config["annotation"]["standardize_judge"]
    return judge_spec(name) if name else None


def annotated_arguments():
    """Argument tables of every long-form response file."""
    return [
        f"results/annotation/{model}/{alignment}/{dataset}/{task}.jsonl"
        for model, alignment in MODEL_RUNS
        for dataset, task in generation_tasks()
        if task.startswith("long_")
    ]


def ledger_jobs():
    """The jobs the ledger lists, by kind: generation runs, annotated response files, gold values."""
    return {
        "generation": [f"{model}/{alignment}" for model, alignment in MODEL_RUNS],
        "annotation": [
            path.removeprefix("results/annotation/").removesuffix(".jsonl")
            for path in annotated_arguments()
        ],
        "gold": recognition_datasets(),
        "recognized": [
            f"{model}/{alignment}/{dataset}/recognize"
            for model, alignment in MODEL_RUNS
            for dataset in recognition_datasets()
        ],
    }


def run_summary_text(failed=False):
    """The run summary Snakemake prints last: this config's data sets and jobs."""
    from valueprefs.accounting.summary import run_summary

    jobs = ledger_jobs()
    text = run_summary(
        {job: f"results/generation/{job}/summary.json" for job in jobs["generation"]},
        {job: f"results/annotation/{job}.summary.json" for job in jobs["annotation"]},
        {dataset: f"results/data/{dataset}/load_report.json" for dataset in DATASETS},
        "results/ledger_runs.csv",
        since=RUN_STARTED,
        controls="results/analysis/controls.csv",
        audit=(
            "results/annotation/judge_agreement.csv",
            config["annotation"]["audit"]["floors"],
        ),
    )
    if failed:
        from valueprefs.runtime.runlog import failed_jobs

        failures = failed_jobs("results/logs", RUN_STARTED)
        text += "\nthe run FAILED; what finished is kept"
        text += (
            "".join(f"\n  failed: {line}" for line in failures)
            or " (see the error above)"
        )
    return text


def final_targets():
    """Everything `snakemake` builds by default."""
    summaries = [
        f"results/generation/{model}/{alignment}/summary.json"
        for model, alignment in MODEL_RUNS
    ]
    return [
        "results/data/summary.csv",
        *summaries,
        "results/answer_lengths.csv",
        *annotated_arguments(),
        "results/annotation/judge_agreement.csv",
        "results/annotation/cost_estimate.csv",
        "results/ledger.csv",
        *preference_tables(),
        "results/analysis/correlations.csv",
        "results/analysis/claims.csv",
        *paper_figures(),
        "results/report/findings.rst",
    ]


def short_tasks(dataset):
    """Short-form tasks of a data set (only dilemmas have them)."""
    tasks = tasks_for(config["datasets"][dataset]["kind"], config["generation"])
    return [task for task in tasks if task.startswith("short")]


def long_tasks(dataset):
    """Long-form tasks of a data set, one per k (none for recognition data sets)."""
    tasks = tasks_for(config["datasets"][dataset]["kind"], config["generation"])
    return [task for task in tasks if task.startswith("long_")]


def recognition_datasets():
    """Data sets of value-recognition situations."""
    return [d for d in DATASETS if config["datasets"][d]["kind"] == "recognition"]


def items_file(dataset):
    """The items an analysis reads: gold-standardized situations for recognition data sets."""
    name = "gold" if dataset in recognition_datasets() else "items"
    return f"results/data/{dataset}/{name}.jsonl"


def reference_items(wildcards=None):
    """The items of the reference data set (the configured one, else the first dilemmas data
    set), whose size the power rule simulates unless `power.items` lists sizes."""
    if config["power"]["items"]:
        return []
    dilemmas = [d for d in DATASETS if config["datasets"][d]["kind"] == "dilemmas"]
    reference = config["analysis"]["reference_dataset"] or next(iter(dilemmas), None)
    if reference is None:
        raise ValueError(
            "config key 'power.items': no dilemmas data set to take the study size from; list the sizes"
        )
    return items_file(reference)


def run_files(model, alignment):
    """What one run's analysis reads: the preference rules' evidence per short and long task
    (games; argument table and first positions), and the recognized values."""
    stem = f"{model}/{alignment}"
    short = {
        dataset: {
            task: f"results/preferences/{stem}/{dataset}/{task}/games.npz"
            for task in short_tasks(dataset)
        }
        for dataset in DATASETS
        if short_tasks(dataset)
    }
    long = {
        dataset: {
            task: (
                f"results/annotation/{stem}/{dataset}/{task}.table.csv",
                f"results/preferences/{stem}/{dataset}/{task}/positions.npz",
            )
            for task in long_tasks(dataset)
        }
        for dataset in DATASETS
        if long_tasks(dataset)
    }
    recognition = {
        dataset: f"results/annotation/{stem}/{dataset}/recognize.jsonl"
        for dataset in recognition_datasets()
    }
    return short, long, recognition


def run_analysis_inputs(wildcards):
    """Every file one run's analysis reads (flattened for Snakemake)."""
    short, long, recognition = run_files(wildcards.model, wildcards.alignment)
    games = [path for tasks in short.values() for path in tasks.values()]
    arguments = [
        path for tasks in long.values() for pair in tasks.values() for path in pair
    ]
    return games + arguments + list(recognition.values())


def control_truth(wildcards):
    """A control model's planted truth (nothing for other models)."""
    if "control" not in model_spec(wildcards):
        return []
    return [f"results/controls/{wildcards.model}/{wildcards.alignment}/truth.csv"]


def preference_tables():
    """One preference table per run, data set, task and sample."""
    return [
        f"results/preferences/{model}/{alignment}/{dataset}/{task}/sample{sample}.csv"
        for model, alignment in MODEL_RUNS
        for dataset in DATASETS
        for task in short_tasks(dataset) + long_tasks(dataset)
        for sample in SAMPLES
    ]


def dataset_kinds():
    """Data set name -> kind (dilemmas, questions, recognition)."""
    return {name: entry["kind"] for name, entry in config["datasets"].items()}


def figure_setting(number):
    """The data set and k a paper figure shows under this config."""
    return resolve(
        BY_NUMBER[number],
        dataset_kinds(),
        config["generation"]["k"],
        config["analysis"]["reference_dataset"],
    )


def figure_caption(number):
    """The report caption of a paper figure under this config."""
    return caption(BY_NUMBER[number], figure_setting(number), interval_settings())


def figure_labels(number):
    """Report labels that tell figures apart (several share a title and differ in data set or k)."""
    setting = figure_setting(number)
    shown = setting["dataset"] or "all data sets"
    if setting["k"] is not None:
        shown += f", k = {setting['k']} (paper: {setting['paper_k']})"
    elif setting["paper_k"] is not None:
        shown += f", no k (paper: {setting['paper_k']})"
    return {"figure": number, "shows": BY_NUMBER[number].title, "setting": shown}


def report_figures():
    """Every figure of the report by file name, with what it shows and for which setting."""
    titles = {}
    for spec in FIGURES:
        labels = figure_labels(spec.number)
        number = spec.number.lstrip("0")
        titles[f"fig{spec.number}.png"] = (
            f"Figure {number}: {labels['shows']} ({labels['setting']})"
        )
    titles["alignment_differences.png"] = (
        "Alignment: instruct minus base, with intervals"
    )
    return titles


def interval_settings():
    """The analysis settings behind every interval, as figure captions describe them."""
    return {key: config["analysis"][key] for key in ("bootstrap", "resampling")}


def figure_style(number):
    """The style of one figure: `figures.style` with `figures.overrides[number]` on top."""
    return style_for(config["figures"], number, set(BY_NUMBER))


def paper_figures():
    """Every figure of the paper (PNG and PDF), Table 1, and the alignment companion figure."""
    return [
        f"results/figures/fig{spec.number}.{extension}"
        for spec in FIGURES
        for extension in ("png", "pdf")
    ] + ["results/figures/table1.md", "results/figures/alignment_differences.png"]


def slurm_job_kinds():
    """Each kind of job that may go to SLURM under this config, with its count in the whole
    grid: (label, rule, jobs, GPUs, GPU type); a rule whose jobs ask for different GPUs (the
    values and specificity steps, models of several sizes) has one kind per request."""
    from collections import Counter

    shards = config["generation"]["shards"]
    models = Counter(
        (gpus_of(spec), gpu_model_of(spec))
        for spec in (
            config["models"][family][alignment] for family, alignment in MODEL_RUNS
        )
    )
    long_files = len(annotated_arguments()) * ANNOTATION_SHARDS
    steps = [step for step in ("values", "specificity") if step in ANNOTATION_STEPS]
    gold, recognition = standardize_judge(), len(recognition_datasets())
    several = len(models) > 1
    return [
        (
            "generate" + (f" ({gpus} GPUs)" if several else ""),
            "generate",
            n * shards,
            gpus,
            kind,
        )
        for (gpus, kind), n in sorted(models.items())
    ] + [
        ("annotate_arguments", "annotate_arguments", long_files)
        + (step_gpus("arguments"), step_gpu_model("arguments")),
        *[
            (f"annotate_step ({step})", "annotate_step", long_files)
            + (step_gpus(step), step_gpu_model(step))
            for step in steps
        ],
        ("gold_values", "gold_values", recognition, gpus_of(gold), gpu_model_of(gold)),
        ("recognized_values", "recognized_values", len(MODEL_RUNS) * recognition)
        + (gpus_of(gold), gpu_model_of(gold)),
    ]


def profile_resources():
    """The resources the profile (or command line) sets: defaults, per rule, threads per rule."""
    settings = workflow.resource_settings

    def raw(resources):
        return {
            name: each.raw for name, each in resources.items() if each.raw is not None
        }

    return (
        raw(settings.default_resources or {}),
        {name: raw(each) for name, each in settings.overwrite_resources.items()},
        {name: getattr(n, "raw", n) for name, n in settings.overwrite_threads.items()},
    )


def slurm_plan():
    """Per kind of job that may go to SLURM, its count in the grid, where it runs under this
    config (a rule without `localrule` is submitted) and what it asks SLURM for; the other
    local rules in one row."""
    from valueprefs.planning import slurm_request

    plan, kinds, resources = [], slurm_job_kinds(), profile_resources()
    for label, name, jobs, gpus, gpu_model in kinds:
        if on_submit_host(name):
            where = {"runs_on": "submit host", "why": "localrule: no vLLM judge"}
        else:
            where = {"runs_on": "SLURM"} | slurm_request(
                name, gpus, gpu_model, *resources
            )
            where["why"] = (
                "every model generates in a SLURM job under a cluster profile"
                if name == "generate"
                else "a judge of the rule runs on vLLM"
            )
        plan.append({"rule": label, "jobs": jobs} | where)
    others = {each.name for each in workflow.rules if not each.norun} - {
        kind[1] for kind in kinds
    }
    plan.append(
        {
            "rule": "every other rule",
            "jobs": "",
            "runs_on": "submit host",
            "why": f"{len(others)} more localrules (data, Batch API, preferences, "
            "analysis, figures); `snakemake -n --quiet rules` counts their jobs",
        }
    )
    return sorted(plan, key=lambda row: row["runs_on"] != "SLURM")
