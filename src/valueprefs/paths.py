"""Every file the workflow writes, named in one place.

Each method returns one path under the results folder. Arguments left at their defaults stay
Snakemake wildcards (``{model}/{alignment}``, ``{dataset}``, ``{task}``, ...), so a rule's
output pattern and a target list come from the same method. A run is ``family/alignment``.
"""

from dataclasses import dataclass

RUN, DATASET, TASK = "{model}/{alignment}", "{dataset}", "{task}"
SHARD, STEP, JUDGE = "{shard}", "{step}", "{judge}"


@dataclass(frozen=True)
class Paths:
    """The results folder's layout. With ``annotation_shards`` > 1 the annotation steps of a
    response file write per shard of its items (under ``shards/{shard}``), and with
    ``generation_shards`` > 1 a model's generation jobs do."""

    annotation_shards: int = 1
    generation_shards: int = 1
    root: str = "results"

    # data
    @property
    def vocabulary(self) -> str:
        return f"{self.root}/data/vocabulary.csv"

    @property
    def data_summary(self) -> str:
        return f"{self.root}/data/summary.csv"

    def data(self, name: str, dataset: str = DATASET) -> str:
        """A data set's file: ``items.jsonl``, ``load_report.json``, ``gold.jsonl``, ``gold_report.json``."""
        return f"{self.root}/data/{dataset}/{name}"

    # generation
    @property
    def generation_shard(self) -> str | None:
        """The shard wildcard of generation outputs (None: generation is not sharded)."""
        return SHARD if self.generation_shards > 1 else None

    def generation_job(self, run: str = RUN, shard: str | int | None = SHARD) -> str:
        """One generation job's name: the run, or the run's shard when generation is sharded."""
        return f"{run}/shards/{shard}" if self.generation_shards > 1 and shard is not None else run

    def responses(self, run: str = RUN, dataset: str = DATASET, task: str = TASK, shard=None) -> str:
        """A run's answers to one task (or one generation shard's, with ``shard``)."""
        folder = f"{run}/shards/{shard}" if shard is not None else run
        return f"{self.root}/generation/{folder}/{dataset}/{task}.jsonl"

    def generation(self, name: str, run: str = RUN, shard=None) -> str:
        """A generation job's ``summary.json`` or ``timings.jsonl`` (a shard's, with ``shard``)."""
        folder = f"{run}/shards/{shard}" if shard is not None else run
        return f"{self.root}/generation/{folder}/{name}"

    @property
    def answer_lengths(self) -> str:
        return f"{self.root}/answer_lengths.csv"

    # annotation
    def annotation_job(self, run: str = RUN, dataset: str = DATASET, task: str = TASK) -> str:
        """An annotated response file's name: run, data set and task."""
        return f"{run}/{dataset}/{task}"

    def annotated(self, suffix: str, run: str = RUN, dataset: str = DATASET, task: str = TASK) -> str:
        """An annotated response file's output: ``.jsonl`` (arguments), ``.labels.jsonl``,
        ``.summary.json``, ``.table.csv``; for ``recognize``, ``.jsonl`` and ``.summary.json``."""
        return f"{self.root}/annotation/{self.annotation_job(run, dataset, task)}{suffix}"

    def step_job(self, run: str = RUN, dataset: str = DATASET, task: str = TASK, shard=SHARD) -> str:
        """One annotation step job's folder name (per shard when annotation is sharded and
        ``shard`` is not None)."""
        job = self.annotation_job(run, dataset, task)
        return f"{job}/shards/{shard}" if self.annotation_shards > 1 and shard is not None else job

    def step(self, name: str, run: str = RUN, dataset: str = DATASET, task: str = TASK, shard=SHARD) -> str:
        """A file of an annotation step: ``arguments.jsonl``, ``{step}.labels.jsonl``, ``{step}.stats.json``."""
        return f"{self.root}/annotation/{self.step_job(run, dataset, task, shard)}/{name}"

    def step_shards(self, name: str) -> list[str]:
        """File ``name`` of a step in every shard of a response file, in shard order."""
        return [self.step(name, shard=shard) for shard in range(self.annotation_shards)]

    def batch(
        self, state: str, judge: str = JUDGE, step: str = STEP, run: str = RUN, dataset=DATASET, task=TASK
    ) -> str:
        """A Batch API job's record: ``submitted`` or ``collected``."""
        return f"{self.root}/annotation/batches/{judge}/{run}/{dataset}/{task}/{step}.{state}.json"

    def annotation(self, name: str) -> str:
        """A table over every annotation job: ``judge_agreement.csv``, ``cost_estimate.csv``."""
        return f"{self.root}/annotation/{name}"

    def report_table(self, name: str) -> str:
        """A table at the top of the results: the ledgers, the run summary, the cluster plan."""
        return f"{self.root}/{name}"

    # preferences and analysis
    def preferences(self, name: str, run: str = RUN, dataset: str = DATASET, task: str = TASK) -> str:
        """A preference job's file: ``sample{n}.csv``, ``games.npz`` or ``positions.npz``."""
        return f"{self.root}/preferences/{run}/{dataset}/{task}/{name}"

    def preference_table(self, sample: int, run: str = RUN, dataset: str = DATASET, task: str = TASK) -> str:
        return self.preferences(f"sample{sample}.csv", run, dataset, task)

    def control_truth(self, run: str = RUN) -> str:
        return f"{self.root}/controls/{run}/truth.csv"

    def run_analysis(self, name: str, run: str = RUN) -> str:
        """One run's analysis: ``correlations.csv``, ``replicates.jsonl``, ``attributes.csv``."""
        return f"{self.root}/analysis/{run}/{name}"

    def analysis(self, name: str) -> str:
        """A table over all runs (``correlations.csv``, ``claims.csv``, ...)."""
        return f"{self.root}/analysis/{name}"

    def calibration(self, name: str) -> str:
        return f"{self.root}/calibration/{name}"

    def simulation(self, name: str) -> str:
        """The study-size simulations: ``power.csv``/``.png``, ``recovery.csv``/``.png``."""
        return f"{self.root}/simulation/{name}"

    # figures and report
    def figure(self, name: str) -> str:
        """A figure or table file: ``fig06.png``, ``table1.md``, ``alignment_differences.pdf``."""
        return f"{self.root}/figures/{name}"

    @property
    def findings(self) -> str:
        return f"{self.root}/report/findings.rst"

    # logs and benchmarks
    @property
    def logs(self) -> str:
        return f"{self.root}/logs"

    def log_folder(self, rule: str) -> str:
        """The folder of a rule's job logs (a job's name in the call cache's spend table starts so)."""
        return f"{self.logs}/{rule}/"

    def log(self, rule: str, *job: str) -> str:
        """A job's log: ``logs/{rule}/{job parts}.log``, or ``logs/{rule}.log`` for a rule of one job."""
        return f"{self.logs}/{'/'.join((rule, *job))}.log"

    def benchmark(self, rule: str, *job: str) -> str:
        """A job's benchmark table, named like its log."""
        return f"{self.root}/benchmarks/{'/'.join((rule, *job))}.tsv"
