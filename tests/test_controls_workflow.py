"""Calibration controls through the whole DAG (the default target, then the report): synthetic
models with planted preferences answer 200 generated dilemmas, one of them (and the judge)
through the synthetic OpenAI-compatible server on 127.0.0.1, and the workflow's tables, figures
and report must show what was planted. The default target draws the figures the checks read
(``figures.only``)."""

import json
import subprocess
import sys
import time
import urllib.request

import pandas as pd
import pytest
import yaml
from servers import free_port

from valueprefs.runtime.cache import entries

from conftest import REPO, run_snakemake

pytestmark = pytest.mark.slow  # the workflow end to end: minutes

ITEMS = 200
CONTROLS = {
    "consistent": {"consistency": 1.0},
    "inconsistent": {"consistency": 0.0},
    "positional": {"position_bias": 0.3},
    "shifted": {"explicit_shift": 0.3},
}
# no value-level consistency, a strong preference for acting, in dilemmas whose values lean to
# one side (the data set's side_skew): values argued for acting win in both formats
CONFOUNDED = {"consistency": 0.0, "scenario": "side_bias", "side_bias": 2.0, "dilemma_effect": 0.0}
FIGURES = ["03a", "20"]


def controls_config(workdir, base_url: str, second_url: str) -> dict:
    synthetic = {"backend": "openai", "base_url": base_url, "api_key_env": "SYNTHETIC_SERVER_KEY"}
    models = {
        name: {"instruct": {"backend": "synthetic", "model": name, "control": control}}
        for name, control in CONTROLS.items()
    }
    models["shifted"]["instruct"]["token_caps"] = {"long_max_tokens": 400}  # its own limit
    # the same planted model as "consistent", answering over HTTP through the openai backend
    models["overhttp"] = {"instruct": {**synthetic, "model": "consistent", "control": CONTROLS["consistent"]}}
    models["confounded"] = {
        "instruct": {**synthetic, "base_url": second_url, "model": "confounded", "control": CONFOUNDED}
    }
    config = {
        "datasets": {
            "dailydilemmas": {
                "kind": "dilemmas",
                "source": "demo",
                "limit": 1,
                "generated": {"items": ITEMS, "side_skew": 3.0},
            }
        },
        "vocabulary": {"source": "demo"},
        "models": models,
        "generation": {"k": [4], "n_samples": 0, "seed": 0},  # greedy answers only: no check reads samples
        "cache_dir": "results/cache",
        "judges": [{"name": "reader", "model": "synthetic-judge", "steps": ["arguments", "values"], **synthetic}],
        "annotation": {"specificity": [], "value_batching": True, "max_tokens": {"arguments": 2048, "values": 512}},
        "analysis": {"bootstrap": 100, "shuffles": 2, "reference_dataset": "dailydilemmas"},
        # the figures the checks read; tests/test_analysis_workflow.py draws every one
        "figures": {"only": FIGURES},
        "calibration": {
            "studies": 3,
            "items": 60,
            "k": [3, 4],
            "n_samples": 2,
            "scenarios": ["assumptions", "dilemma_effects"],
        },
    }
    path = workdir / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def server_stats(base_url: str) -> dict:
    with urllib.request.urlopen(f"{base_url}/stats", timeout=5) as response:
        return json.loads(response.read())


def start_server(port: int, configfile, model: str, workdir) -> subprocess.Popen:
    """The synthetic OpenAI-compatible server for one model of the config (and the judge)."""
    command = [sys.executable, "-m", "valueprefs.synthetic.server", "--port", str(port), "--config", str(configfile)]
    command += ["--model", model, "--data", str(workdir / "results" / "data")]
    command += ["--schema", str(REPO / "workflow" / "schemas" / "config.schema.yaml")]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 30
    while True:
        try:
            server_stats(f"http://127.0.0.1:{port}/v1")
            return server
        except OSError:
            assert server.poll() is None and time.monotonic() < deadline, server.stdout.read()
            time.sleep(0.2)


@pytest.fixture(scope="module")
def controlled(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("controls")
    ports = (free_port(),)
    while len(ports) < 2:
        ports = tuple({*ports, free_port()})
    base_url, second_url = (f"http://127.0.0.1:{port}/v1" for port in ports)
    configfile = controls_config(workdir, base_url, second_url)
    servers = []
    try:
        servers.append(start_server(ports[0], configfile, "overhttp/instruct", workdir))
        servers.append(start_server(ports[1], configfile, "confounded/instruct", workdir))
        result = run_snakemake(
            workdir, "--cores", "2", configfile=configfile, timeout=900, env={"SYNTHETIC_SERVER_KEY": "x"}
        )
        assert result.returncode == 0, result.stderr[-4000:]
        stats = server_stats(base_url)
        stats["confounded"] = server_stats(second_url)
    finally:
        for server in servers:
            server.kill()
            server.wait(timeout=10)
    checks = pd.read_csv(workdir / "results" / "analysis" / "controls.csv")
    return workdir, checks.set_index(["model", "check", "task"], drop=False), stats


def check(checks, model, name, task=None):
    rows = checks.xs((model, name), level=("model", "check"))
    return rows.iloc[0] if task is None else rows.loc[task]


def test_every_control_passes_its_checks(controlled):
    """All but the confounded control's: its answers are decided by a side more than by its
    values, which the checks of the paper's statistics do not allow for (below)."""
    _, checks, _ = controlled
    failed = checks[~checks["passed"].astype(bool) & (checks["model"] != "confounded")]
    assert failed.empty, failed[["model", "check", "task", "k", "r", "ci_low", "ci_high", "expected", "ceiling"]]
    assert set(checks["model"]) == {*CONTROLS, "overhttp", "confounded"}


def test_a_preference_for_acting_fools_the_papers_r_and_not_the_headline_over_http(controlled):
    """The confounded control (no value-level consistency; it prefers acting, in dilemmas whose
    values lean to one side), served by its own server: its short answers mostly act; the
    paper's same-item r sees a consistent model, its interval above what the control's noise
    allows (its check fails); the headline consistency covers the planted correlation or says
    the measures are too unreliable to tell, and never claims consistency."""
    workdir, checks, stats = controlled
    assert stats["confounded"]["requests"] > ITEMS  # its answers came over HTTP
    row = check(checks, "confounded", "control_consistency")
    assert row["ci_low"] > 0 and row["ci_low"] > row["expected"] and not row["passed"]
    if row["consistency_low"] == row["consistency_low"]:  # estimated (not NaN)
        assert row["consistency_low"] <= row["planted_observed"] <= row["consistency_high"]
    table = pd.read_csv(workdir / "results" / "analysis" / "correlations.csv")
    papers = table[(table["model"] == "confounded") & (table["analysis"] == "short_vs_long")].iloc[0]
    assert papers["r"] == row["r"] and "consistency" in papers and "consistency_p" in papers
    figure = pd.read_csv(workdir / "results" / "figures" / "fig03a.csv").set_index("model")
    assert figure.loc["confounded", "paper_r"] == row["r"]  # the paper's r: the figure's second marker


def test_consistent_and_inconsistent_controls_recover_what_was_planted(controlled):
    _, checks, _ = controlled
    consistent = check(checks, "consistent", "control_consistency")
    inconsistent = check(checks, "inconsistent", "control_consistency")
    assert consistent["planted"] == pytest.approx(1.0) and inconsistent["planted"] == pytest.approx(0.0, abs=1e-9)
    assert consistent["ci_low"] <= consistent["expected"] <= consistent["ci_high"]
    assert inconsistent["ci_low"] <= 0 <= inconsistent["ci_high"]
    assert consistent["ci_low"] > inconsistent["ci_high"]  # told apart outside each other's intervals
    # both choose by the sum of each action's values, and the rows say so (no warning in the log)
    table = pd.read_csv(controlled[0] / "results" / "analysis" / "correlations.csv")
    rows = table[table["model"].isin(["consistent", "inconsistent"]) & (table["analysis"] == "short_vs_long")]
    assert len(rows) == 2 and set(rows["set_rule"]) == {"sum"} and (rows["set_rule_gain"] < 0).all()
    log = (controlled[0] / "results" / "logs" / "analyze_run" / "consistent" / "instruct.log").read_text()
    assert "strongest value" not in log and "correlations" in log
    long = check(checks, "consistent", "control_recovery", "long_k4")
    assert long["r"] > 0.6 and long["ci_low"] > 0.4
    # the comparisons table calls them different: paired over the same 200 dilemmas, Holm-adjusted
    workdir = controlled[0]
    found = pd.read_csv(workdir / "results" / "analysis" / "comparisons.csv")
    key = "short_vs_long/dailydilemmas/4"
    pair = found[(found["a"] == f"consistent/instruct: {key}") & (found["b"] == f"inconsistent/instruct: {key}")]
    headline = pair[pair["statistic"] == "headline consistency"].iloc[0]
    assert headline["scheme"] == "paired" and headline["ci_low"] > 0 and headline["p_adjusted"] < 0.05


def test_position_bias_shows_in_order_swap_and_explicit_shift_in_figure_20(controlled):
    workdir, checks, _ = controlled
    swap = check(checks, "positional", "control_order_swap")
    assert swap["expected"] == pytest.approx(0.7) and swap["ci_low"] <= 0.7 <= swap["ci_high"]
    assert check(checks, "consistent", "control_order_swap")["r"] == 1.0
    figure = pd.read_csv(workdir / "results" / "figures" / "fig20.csv").set_index("model")
    assert figure["control"].all()
    drop = figure.loc["consistent", "r"] - figure.loc["shifted", "r"]
    assert figure.loc["consistent", "r"] == 1.0 and drop == pytest.approx(0.3, abs=0.08)


def test_the_http_server_answers_as_the_in_process_engine_and_counts_what_it_served(controlled):
    workdir, _, stats = controlled
    table = pd.read_csv(workdir / "results" / "analysis" / "correlations.csv")
    rows = table.set_index(["model", "key"])["r"]
    assert rows.loc["overhttp"].sort_index().equals(rows.loc["consistent"].sort_index())
    ledger = pd.read_csv(workdir / "results" / "ledger.csv")
    served = ledger[(ledger["rule"] == "annotate") | (ledger["job"].str.startswith("overhttp/"))]
    assert stats["requests"] == served["requests_sent"].sum() > 0
    assert stats["prompt_tokens"] == served["prompt_tokens_spent"].sum()


def test_truth_files_and_hatched_controls_in_figures(controlled):
    workdir, _, _ = controlled
    truth = pd.read_csv(workdir / "results" / "controls" / "shifted" / "instruct" / "truth.csv")
    assert list(truth.columns[:3]) == ["value", "short_latent", "long_latent"]
    assert (truth["explicit_shift"] == 0.3).all() and len(truth) == 60
    assert pd.read_csv(workdir / "results" / "figures" / "fig03a.csv")["control"].all()


def test_answer_lengths_use_each_models_own_limit(controlled):
    """`shifted` has token_caps 400, the others generation's default 1,024; no synthetic k = 4
    answer reaches either, so none is cut (over HTTP neither)."""
    workdir, _, _ = controlled
    table = pd.read_csv(workdir / "results" / "answer_lengths.csv").set_index(["job", "task"])
    long = table.xs("long_k4", level="task")
    names = [*CONTROLS, "overhttp", "confounded"]
    assert long["limit"].to_dict() == {f"{name}/instruct": 400 if name == "shifted" else 1024 for name in names}
    assert (long["truncated"] == 0).all() and (long["tokens_max"] < long["limit"]).all()
    assert (long["tokens_p50"] > 50).all()  # four arguments, not a stub


def test_calibrate_rule_reports_coverage_per_statistic(controlled):
    """`snakemake calibrate` (a small version; bench/RESULTS.md has the full one)."""
    workdir, _, _ = controlled
    result = run_snakemake(workdir, "--cores", "2", "calibrate", configfile=workdir / "config.yaml")
    assert result.returncode == 0, result.stderr[-3000:]
    table = pd.read_csv(workdir / "results" / "calibration" / "coverage.csv")
    assert set(table["control"]) == {"consistent", "inconsistent"} and (table["studies"] == 3).all()
    tuned = table.groupby("scenario")["tuned_on"].first().to_dict()
    assert tuned == {"assumptions": True, "dilemma_effects": False}
    assert {"short_vs_long", "temperature", "between_k", "control_consistency"} <= set(table["statistic"])
    assert table["coverage"].between(0, 1).all() and (table["estimate_in_interval"] == 1.0).all()
    planted = table[table["statistic"] == "control_consistency"].groupby("control")["planted"].first()
    assert planted.to_dict() == {"consistent": 1.0, "inconsistent": 0.0}


def test_every_call_of_the_run_was_made_once(controlled):
    """Jobs ran two at a time from an empty cache, some asking the judge the same calls (an
    argument repeated across k): the calls the jobs made add up to the distinct calls stored."""
    workdir, _, _ = controlled
    ledger = pd.read_csv(workdir / "results" / "ledger.csv")
    stored = entries(workdir / "results" / "cache" / "calls")
    assert ledger["calls_made"].sum() == len(stored) > 0
    assert not list((workdir / "results" / "cache").rglob("*.claims"))


def test_the_report_opens_with_what_the_run_found(controlled):
    """In a real browser: the report's front page loads without a console error, says how many
    control checks passed, shows one table row per check, and each of its figure links opens
    that figure (a link to a file the report lacks would log an error and show nothing)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from browser import chromium, console_errors

    workdir, checks, _ = controlled
    result = run_snakemake(workdir, "--report", "results/report.html", configfile=workdir / "config.yaml")
    assert result.returncode == 0, result.stderr[-3000:]
    passed = int(checks["passed"].astype(bool).sum())
    assert 0 < passed < len(checks)  # the confounded control fails one by design
    figures = {path.name for path in (workdir / "results/figures").glob("*.png")}
    assert figures == {f"fig{number}.png" for number in FIGURES} | {"alignment_differences.png"}  # figures.only
    with chromium() as driver:
        driver.get((workdir / "results/report.html").as_uri())
        table = "//table[caption[contains(., 'Control checks')]]"
        WebDriverWait(driver, 60).until(lambda d: d.find_elements(By.XPATH, table))
        assert console_errors(driver) == []
        page = driver.find_element(By.TAG_NAME, "body").get_attribute("textContent")
        assert f"Control checks: {passed} of {len(checks)} passed." in page
        assert len(driver.find_elements(By.XPATH, f"{table}/tbody/tr")) == len(checks)
        for caption in ("The paper's claims on this run", "Run summary"):
            assert driver.find_elements(By.XPATH, f'//table[caption[contains(., "{caption}")]]/tbody/tr'), caption
        assert not driver.find_elements(By.CSS_SELECTOR, ".system-message, .problematic")  # no reST error
        links = {
            link.get_attribute("textContent"): link.get_attribute("href")
            for link in driver.find_elements(By.TAG_NAME, "a")
            if "showResultInfo" in (link.get_attribute("href") or "")
        }
        assert set(links) == figures
        for name, href in sorted(links.items()):
            driver.execute_script(href.removeprefix("javascript:"))
            shown = f"results/figures/{name}"
            WebDriverWait(driver, 10).until(lambda d, shown=shown: shown in d.find_element(By.TAG_NAME, "body").text)
            assert console_errors(driver) == [], name
    log = (workdir / "results/logs/findings.log").read_text()
    assert f"control checks: {passed} of {len(checks)} passed" in log
