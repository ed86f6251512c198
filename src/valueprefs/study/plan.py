"""The study a config describes: its runs, data sets, tasks and every file the workflow builds.

The rules ask a ``StudyPlan`` for their inputs, outputs and params; the methods that take
``wildcards`` are Snakemake input functions (any object with the wildcards as attributes).
"""

import os

from valueprefs.accounting.summary import run_summary
from valueprefs.paths import Paths
from valueprefs.planning import active_steps, step_judges
from valueprefs.prompts import JUDGE_TEMPLATE_NAMES, TEMPLATE_NAMES
from valueprefs.runtime.code_digest import code_versions
from valueprefs.runtime.runlog import failed_jobs
from valueprefs.study.cluster import Cluster
from valueprefs.study.figures import FigurePlan, paper_figures
from valueprefs.tasks import Task, tasks_for

# Where a planning Snakemake process keeps the scripts' code digests (valueprefs.runtime.code_digest).
CODE_VERSIONS_MEMO = os.path.join(".snakemake", "valueprefs", "code_versions.json")
DEMO_FILES = {
    "dilemmas": "dilemmas.jsonl",
    "questions": "questions.jsonl",
    "recognition": "recognition.jsonl",
    "vocabulary": "values.csv",
}


class StudyPlan:
    """One config's study, with the checkout (``basedir``) whose library and templates it uses."""

    def __init__(self, config: dict, basedir: str) -> None:
        self.config, self.basedir = config, basedir
        self.paths = Paths(config["annotation"]["shards"], config["generation"]["shards"])
        self.datasets = sorted(config["datasets"])
        self.kinds = {name: entry["kind"] for name, entry in config["datasets"].items()}  # name -> kind
        self.runs = [
            (family, alignment)
            for family, alignments in sorted(config["models"].items())
            for alignment in sorted(alignments)
        ]
        self.samples = list(range(config["generation"]["n_samples"] + 1))
        self.steps = active_steps(config["judges"], config["annotation"])
        self._code_versions: dict[str, str] = {}
        self.cluster = Cluster(self)
        self.figures = FigurePlan(config, self.kinds, self.control_families)

    # what the config names
    @property
    def run_names(self) -> list[str]:
        """Every run as ``family/alignment``."""
        return [f"{family}/{alignment}" for family, alignment in self.runs]

    @property
    def control_families(self) -> list[str]:
        """Model families whose entries plant a truth (drawn hatched in figures)."""
        models = self.config["models"]
        return sorted(family for family, entries in models.items() if any("control" in e for e in entries.values()))

    @property
    def batch_judges(self) -> list[str]:
        return [judge["name"] for judge in self.config["judges"] if judge["batch"]]

    def tasks(self, dataset: str, mode: str | None = None) -> list[Task]:
        """The tasks of a data set (of one mode, with ``mode``)."""
        tasks = tasks_for(self.kinds[dataset], self.config["generation"])
        return [task for task in tasks if mode in (None, task.mode)]

    def generation_tasks(self) -> list[tuple[str, str]]:
        """(data set, task name) pairs every model answers, in a fixed order."""
        return [(dataset, task.name) for dataset in self.datasets for task in self.tasks(dataset)]

    def recognition_datasets(self) -> list[str]:
        return [name for name in self.datasets if self.kinds[name] == "recognition"]

    def dataset_spec(self, wildcards) -> dict:
        return self.config["datasets"][wildcards.dataset]

    def model_spec(self, wildcards) -> dict:
        return self.config["models"][wildcards.model][wildcards.alignment]

    def judge_spec(self, name: str) -> dict:
        return next(judge for judge in self.config["judges"] if judge["name"] == name)

    def standardize_judge(self) -> dict | None:
        """The judge that standardizes gold value names (None: names outside the vocabulary drop)."""
        name = self.config["annotation"]["standardize_judge"]
        return self.judge_spec(name) if name else None

    def warnings(self) -> list[str]:
        """What a user should know before the run starts."""
        if "path" in self.config["annotation"]["specificity"]:
            return []
        return [
            "this config rates no path-based specificity (annotation.specificity), so Figures 6 and 24-29 "
            'will say so instead of plotting; to rate it, add path there and "specificity" to the steps of '
            "an LLM judge in judges"
        ]

    # code and templates
    def code_version(self, script: str) -> str:
        """A digest of the library files a rule's script runs: a param, so editing one of them
        reruns just the rules that run it. The digests are kept in this working directory's
        ``.snakemake/`` while the library is unchanged."""
        if not self._code_versions:
            src, scripts = (os.path.join(self.basedir, *folder) for folder in (["src"], ["workflow", "scripts"]))
            self._code_versions = code_versions(src, scripts, CODE_VERSIONS_MEMO)
        return self._code_versions[script]

    def templates(self, judge: bool = False) -> dict[str, str]:
        """The prompt templates of the models (or of the judges) by name."""
        folder = os.path.join(self.basedir, "src", "valueprefs", "templates")
        names = JUDGE_TEMPLATE_NAMES if judge else TEMPLATE_NAMES
        return {name: os.path.join(folder, f"{name}.txt") for name in names}

    # data
    def source_file(self, wildcards=None) -> str | list:
        """The file a data set (or, without wildcards, the vocabulary) reads when it is one file."""
        spec = self.dataset_spec(wildcards) if wildcards else self.config["vocabulary"]
        if spec["source"] == "file":
            return spec["path"]
        if spec["source"] != "demo":
            return []
        kind = spec["kind"] if wildcards else "vocabulary"
        return os.path.join(self.basedir, "src", "valueprefs", "demo_data", DEMO_FILES[kind])

    def items_file(self, dataset: str) -> str:
        """The items an analysis reads: gold-standardized situations for recognition data sets."""
        name = "gold.jsonl" if dataset in self.recognition_datasets() else "items.jsonl"
        return self.paths.data(name, dataset)

    def reference_items(self, wildcards=None) -> str | list:
        """The items of the reference data set (configured, else the first dilemmas data set),
        whose size the power rule simulates unless ``power.items`` lists sizes."""
        if self.config["power"]["items"]:
            return []
        dilemmas = [name for name in self.datasets if self.kinds[name] == "dilemmas"]
        reference = self.config["analysis"]["reference_dataset"] or next(iter(dilemmas), None)
        if reference is None:
            raise ValueError(
                "config key 'power.items': no dilemmas data set to take the study size from; list the sizes"
            )
        return self.items_file(reference)

    # generation
    def responses(self, run: str = "{model}/{alignment}", shard=None) -> list[str]:
        """A run's response files (of one generation shard, with ``shard``)."""
        return [self.paths.responses(run, dataset, task, shard) for dataset, task in self.generation_tasks()]

    def model_shards(self, wildcards) -> int:
        """Generation jobs of one model: ``generation.shards``, or one for imported responses."""
        return 1 if self.model_spec(wildcards)["backend"] == "import" else self.config["generation"]["shards"]

    def generation_shard(self, wildcards) -> tuple[int, int]:
        """(index, count) of a generation job's shard; (0, 1) when unsharded."""
        return (int(wildcards.shard), self.model_shards(wildcards)) if self.paths.generation_shards > 1 else (0, 1)

    def generation_settings(self, family: str, alignment: str) -> dict:
        """What a model's generation job reads: ``generation`` without the DAG's shard count,
        the model entry's own ``token_caps`` in place of those of the same names."""
        settings = {key: value for key, value in self.config["generation"].items() if key != "shards"}
        return settings | self.config["models"][family][alignment].get("token_caps", {})

    def model_generation_settings(self, wildcards) -> dict:
        return self.generation_settings(wildcards.model, wildcards.alignment)

    def shard_files(self, name: str | None = None):
        """An input function: what ``merge_generation`` joins of one run, file ``name`` of every
        shard, or without ``name`` every shard's response files (shard 0's, then 1's, ...)."""

        def files(wildcards) -> list[str]:
            run, shards = f"{wildcards.model}/{wildcards.alignment}", range(self.model_shards(wildcards))
            if name:
                return [self.paths.generation(name, run, shard) for shard in shards]
            return [path for shard in shards for path in self.responses(run, shard)]

        return files

    def model_files(self, wildcards) -> list[str]:
        """Files a model's answers depend on besides the prompts: imported response files, or a
        local model file or folder (a hub id or a server's model name is no file)."""
        spec = self.model_spec(wildcards)
        if spec["backend"] == "import":
            return [os.path.join(spec["path"], dataset, f"{task}.jsonl") for dataset, task in self.generation_tasks()]
        path = spec["model"]
        if spec["backend"] not in ("llamacpp", "vllm") or not os.path.exists(path):
            return []
        if os.path.isfile(path):
            return [path]
        return sorted(
            os.path.join(folder, name) for folder, _, names in os.walk(path) for name in names if name[0] != "."
        )

    # annotation
    def long_files(self) -> list[tuple[str, str, str]]:
        """Every long-form response file as (run, data set, task name)."""
        return [
            (run, dataset, task.name)
            for run in self.run_names
            for dataset in self.datasets
            for task in self.tasks(dataset, "long")
        ]

    def recognized_files(self) -> list[tuple[str, str, str]]:
        """Every recognition response file as (run, data set, task name)."""
        return [(run, dataset, "recognize") for run in self.run_names for dataset in self.recognition_datasets()]

    def annotated_outputs(self, suffix: str) -> list[str]:
        """Output ``suffix`` of every annotated long-form response file (``.jsonl``: arguments)."""
        return [self.paths.annotated(suffix, *where) for where in self.long_files()]

    def long_responses(self) -> list[str]:
        """Every long-form response file."""
        return [self.paths.responses(*where) for where in self.long_files()]

    def step_source(self, wildcards) -> str:
        """What an annotation step reads: the responses (arguments) or the argument table."""
        where = (wildcards.dataset, wildcards.task)
        run = f"{wildcards.model}/{wildcards.alignment}"
        if wildcards.step == "arguments":
            return self.paths.responses(run, *where)
        return self.paths.step("arguments.jsonl", run, *where, shard=None)

    def collected_batches(self, wildcards, step: str) -> list[str]:
        """Batch API results an annotation step waits for (one per batch judge of the step)."""
        where = (f"{wildcards.model}/{wildcards.alignment}", wildcards.dataset, wildcards.task)
        judges = step_judges(self.config["judges"], step)
        return [self.paths.batch("collected", judge["name"], step, *where) for judge in judges if judge["batch"]]

    def annotation_shard(self, wildcards) -> tuple[int, int]:
        """(index, count) of an annotation job's shard; (0, 1) when unsharded."""
        count = self.paths.annotation_shards
        return (int(wildcards.shard), count) if count > 1 else (0, 1)

    def step_outputs(self, suffix: str) -> list[str]:
        """File ``{step}{suffix}`` of every active step in every shard of a response file."""
        return [path for step in self.steps for path in self.paths.step_shards(f"{step}{suffix}")]

    # preferences and analysis
    def preference_tables(self) -> list[str]:
        """One preference table per run, data set, task and sample."""
        return [
            self.paths.preference_table(sample, run, dataset, task.name)
            for run in self.run_names
            for dataset in self.datasets
            for task in self.tasks(dataset)
            if task.mode != "recognize"
            for sample in self.samples
        ]

    def run_files(self, family: str, alignment: str) -> tuple[dict, dict, dict]:
        """What one run's analysis reads: the short tasks' games, the long tasks' argument table
        and first positions, and the recognized values, by data set and task."""
        run, paths = f"{family}/{alignment}", self.paths
        short = self._by_dataset("short", lambda dataset, task: paths.preferences("games.npz", run, dataset, task))
        long = self._by_dataset(
            "long",
            lambda dataset, task: (
                paths.annotated(".table.csv", run, dataset, task),
                paths.preferences("positions.npz", run, dataset, task),
            ),
        )
        recognition = {
            dataset: paths.annotated(".jsonl", run, dataset, "recognize") for dataset in self.recognition_datasets()
        }
        return short, long, recognition

    def _by_dataset(self, mode: str, files) -> dict:
        """``files(dataset, task name)`` of each task of ``mode``, by data set (those with such tasks)."""
        by_dataset = {}
        for dataset in self.datasets:
            tasks = self.tasks(dataset, mode)
            if tasks:
                by_dataset[dataset] = {task.name: files(dataset, task.name) for task in tasks}
        return by_dataset

    def run_analysis_inputs(self, wildcards) -> list[str]:
        """Every file one run's analysis reads (flattened for Snakemake)."""
        short, long, recognition = self.run_files(wildcards.model, wildcards.alignment)
        games = [path for tasks in short.values() for path in tasks.values()]
        arguments = [path for tasks in long.values() for pair in tasks.values() for path in pair]
        return games + arguments + list(recognition.values())

    def control_truth(self, wildcards) -> list[str]:
        """A control model's planted truth (nothing for other models)."""
        if "control" not in self.model_spec(wildcards):
            return []
        return [self.paths.control_truth(f"{wildcards.model}/{wildcards.alignment}")]

    def run_outputs(self, name: str) -> list[str]:
        """File ``name`` of every run's analysis."""
        return [self.paths.run_analysis(name, run) for run in self.run_names]

    # accounting
    def ledger_jobs(self) -> dict[str, list[str]]:
        """The jobs the ledger lists, by kind: generation runs, annotated response files, gold values."""
        return {
            "generation": self.run_names,
            "annotation": [self.paths.annotation_job(*where) for where in self.long_files()],
            "gold": self.recognition_datasets(),
            "recognized": [self.paths.annotation_job(*where) for where in self.recognized_files()],
        }

    def ledger_inputs(self) -> dict[str, list[str]]:
        """The job summaries the ledger reads, by kind."""
        paths = self.paths
        return {
            "generation": [paths.generation("summary.json", run) for run in self.run_names],
            "annotation": [paths.annotated(".summary.json", *where) for where in self.long_files()],
            "gold": [paths.data("gold_report.json", dataset) for dataset in self.recognition_datasets()],
            "recognized": [paths.annotated(".summary.json", *where) for where in self.recognized_files()],
        }

    def answer_length_settings(self) -> dict[str, dict]:
        return {f"{family}/{alignment}": self.generation_settings(family, alignment) for family, alignment in self.runs}

    def run_summary_text(self, since: float, failed: bool = False) -> str:
        """The run summary printed last (``since``: when this run started, a Unix time)."""
        paths = self.paths
        text = run_summary(
            {run: paths.generation("summary.json", run) for run in self.run_names},
            {paths.annotation_job(*where): paths.annotated(".summary.json", *where) for where in self.long_files()},
            {dataset: paths.data("load_report.json", dataset) for dataset in self.datasets},
            paths.report_table("ledger_runs.csv"),
            since=since,
            controls=paths.analysis("controls.csv"),
            audit=(paths.annotation("judge_agreement.csv"), self.config["annotation"]["audit"]["floors"]),
        )
        if failed:
            failures = "".join(f"\n  failed: {line}" for line in failed_jobs(paths.logs, since))
            text += "\nthe run FAILED; what finished is kept" + (failures or " (see the error above)")
        return text

    def final_targets(self) -> list[str]:
        """Everything ``snakemake`` builds by default."""
        paths = self.paths
        return [
            paths.data_summary,
            *(paths.generation("summary.json", run) for run in self.run_names),
            paths.answer_lengths,
            *self.annotated_outputs(".jsonl"),
            paths.annotation("judge_agreement.csv"),
            paths.annotation("cost_estimate.csv"),
            paths.report_table("ledger.csv"),
            *self.preference_tables(),
            paths.analysis("correlations.csv"),
            paths.analysis("claims.csv"),
            *paper_figures(paths, self.figures.chosen),
            paths.findings,
        ]
