"""The study plan: task names, the results layout and the files a config's DAG is built from."""

import copy

import pytest
import yaml

from valueprefs.config import check_config
from valueprefs.errors import ConfigError
from valueprefs.paths import Paths
from valueprefs.study.figures import NUMBERS
from valueprefs.study.plan import StudyPlan
from valueprefs.tasks import EXPLICIT, RECOGNIZE, SHORT, SWAPPED, WILDCARD, Task, long_task, tasks_for

from conftest import REPO


def test_every_task_name_parses_back_to_its_task():
    tasks = [SHORT, SWAPPED, EXPLICIT, RECOGNIZE, long_task(5), long_task(20)]
    assert [task.name for task in tasks] == [
        "short", "short_swapped", "short_explicit", "recognize", "long_k5", "long_k20",
    ]  # fmt: skip
    assert [Task.parse(task.name) for task in tasks] == tasks
    assert long_task(10).k == 10 and SWAPPED.swapped and not SWAPPED.explicit and EXPLICIT.mode == "short"


@pytest.mark.parametrize("name", ["long_k", "long_k0", "long_k05x", "shorts", "short_both", "recognise", "", "Short"])
def test_a_name_that_is_no_task_is_refused_naming_it(name):
    with pytest.raises(ValueError, match=f"unknown task {name!r}"):
        Task.parse(name)


def test_a_task_cannot_be_built_inconsistent():
    for bad in ({"mode": "long"}, {"mode": "short", "k": 5}, {"mode": "short", "swapped": True, "explicit": True}):
        with pytest.raises(ValueError):
            Task(**bad)


def test_a_task_at_a_sample_keeps_its_name_and_differs_only_in_its_sample():
    sampled = long_task(10).at(3)
    assert (sampled.sample, sampled.name, sampled.k) == (3, "long_k10", 10)
    assert sampled != long_task(10) and sampled.at(0) == long_task(10) == Task.parse("long_k10")
    assert SHORT.sample == 0 and SWAPPED.at(1).swapped
    for bad in (-1, 1.5, "2"):
        with pytest.raises(ValueError, match="not a sample"):
            long_task(5).at(bad)


def test_the_wildcard_patterns_match_exactly_their_modes_tasks():
    import re

    names = ["short", "short_swapped", "short_explicit", "long_k5", "long_k20", "recognize"]
    for mode, pattern in WILDCARD.items():
        assert [n for n in names if re.fullmatch(pattern, n)] == [n for n in names if Task.parse(n).mode == mode]


def test_tasks_of_each_kind_of_data_set():
    settings = {"k": [5, 10], "counterbalance": False, "explicit_values": True}
    assert [t.name for t in tasks_for("dilemmas", settings)] == ["short", "short_explicit", "long_k5", "long_k10"]
    assert [t.name for t in tasks_for("questions", settings)] == ["long_k5", "long_k10"]
    assert tasks_for("recognition", settings) == [RECOGNIZE]


def test_paths_leave_wildcards_in_place_and_fill_what_is_given():
    paths = Paths()
    assert paths.responses() == "results/generation/{model}/{alignment}/{dataset}/{task}.jsonl"
    assert paths.responses("m/base", "dd", "short") == "results/generation/m/base/dd/short.jsonl"
    assert paths.step("arguments.jsonl") == "results/annotation/{model}/{alignment}/{dataset}/{task}/arguments.jsonl"
    assert paths.log("annotate", paths.step_job(), "{step}") == (
        "results/logs/annotate/{model}/{alignment}/{dataset}/{task}/{step}.log"
    )
    assert paths.log("ledger") == "results/logs/ledger.log"
    assert paths.generation_shard is None and paths.generation_job() == "{model}/{alignment}"


def test_sharded_paths_put_each_shard_in_a_folder_and_joins_read_every_shard():
    paths = Paths(annotation_shards=3, generation_shards=2)
    assert paths.step("values.labels.jsonl", "m/base", "dd", "long_k5", 1) == (
        "results/annotation/m/base/dd/long_k5/shards/1/values.labels.jsonl"
    )
    assert paths.step_shards("arguments.jsonl") == [
        f"results/annotation/{{model}}/{{alignment}}/{{dataset}}/{{task}}/shards/{n}/arguments.jsonl" for n in range(3)
    ]
    assert paths.generation_job() == "{model}/{alignment}/shards/{shard}"
    assert paths.generation("summary.json", "m/base", 1) == "results/generation/m/base/shards/1/summary.json"
    # the join of the shards (shard None) writes where an unsharded job would
    assert paths.step("arguments.jsonl", shard=None) == Paths().step("arguments.jsonl")


def test_the_library_names_results_paths_through_the_layout():
    """The ledger tells batch-collected calls by their job's log folder, and a results folder's
    owner is recorded in one file: both are the layout's paths."""
    from valueprefs.accounting.ledger import BATCH_COLLECT_LOGS
    from valueprefs.results_owner import MARKER

    assert BATCH_COLLECT_LOGS == "results/logs/batch_collect/"
    assert Paths().log("batch_collect", "judge/m/base/dd/long_k5/values").startswith(BATCH_COLLECT_LOGS)
    assert MARKER == "results/CONFIG"


def test_figures_only_chooses_what_the_default_target_draws_and_the_front_page_links():
    """The demo config with ``figures.only``: the default target draws those paper figures (in
    the paper's order, whatever order the config gives) besides Table 1 and the alignment
    figure, and the report's front page lists just them; a number the paper lacks is refused."""
    schema = str(REPO / "workflow/schemas/config.schema.yaml")
    default = yaml.safe_load((REPO / "config.yaml").read_text())

    def plan(figures: dict) -> StudyPlan:
        config = copy.deepcopy(default) | {"figures": figures}
        check_config(config, [], schema)
        return StudyPlan(config, str(REPO))

    def drawn(study: StudyPlan) -> list[str]:
        return [path for path in study.final_targets() if path.startswith("results/figures/")]

    every_figure = plan({})
    every = drawn(every_figure)
    assert len(every) == 2 * len(NUMBERS) + 2 and "results/figures/fig40.pdf" in every
    chosen = plan({"only": ["20", "03a"]})
    assert drawn(chosen) == [
        "results/figures/fig03a.png", "results/figures/fig03a.pdf", "results/figures/fig20.png",
        "results/figures/fig20.pdf", "results/figures/table1.md", "results/figures/alignment_differences.png",
    ]  # fmt: skip
    assert list(chosen.figures.report_titles()) == ["fig03a.png", "fig20.png", "alignment_differences.png"]
    assert len(every_figure.figures.report_titles()) == len(NUMBERS) + 1
    with pytest.raises(ConfigError, match=r"config key 'figures\.only': there is no paper figure 99 \(figures: 03a, "):
        plan({"only": ["06", "99"]})
    # an unknown override is refused as the plan is built too (the workflow's one-line error)
    with pytest.raises(ConfigError, match=r"config key 'figures\.overrides\.99': there is no paper figure 99 "):
        plan({"overrides": {"99": {"dpi": 100}}})
