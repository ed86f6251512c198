"""Analysis and figures through the workflow, on imported responses (no model needed)."""

import json
from functools import partial

import pytest
import yaml

from valueprefs.data.demo import demo_dilemmas, demo_questions, demo_recognition
from valueprefs.figures.registry import FIGURES

from conftest import copy_checkout, planned_rules, real_model_demo, run_snakemake

pytestmark = pytest.mark.slow  # the workflow end to end: minutes

FIGURE_NUMBERS = [spec.number for spec in FIGURES]

ARGUMENTS = [
    "Being honest builds trust with the people involved.",
    "Caring for others shows kindness and compassion.",
    "Fairness and justice matter for everyone.",
    "Protecting your own health and safety comes first.",
]
SAMPLES = (0, 1, 2)


def long_answer(shift: int, k: int = 3) -> str:
    return "\n".join(f"{i + 1}. {ARGUMENTS[(i + shift) % len(ARGUMENTS)]}" for i in range(k))


def write_rows(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))


def imported_responses(root, alignment):
    """Answers of one imported run: decisions, numbered arguments, named values."""
    dilemmas = demo_dilemmas()["dilemma_id"][:6]
    questions = demo_questions()["question_id"][:3]
    flip = alignment == "instruct"
    for task in ("short", "short_explicit"):
        rows = [
            {"item_id": d, "sample": s, "text": "Action 1" if (i + s + flip) % 3 else "Action 2"}
            for i, d in enumerate(dilemmas)
            for s in SAMPLES
        ]
        write_rows(root / alignment / "dailydilemmas" / f"{task}.jsonl", rows)
    for dataset, ids in (("dailydilemmas", dilemmas), ("opinionqa", questions)):
        for k in (3, 4):
            rows = [
                {"item_id": q, "sample": s, "text": long_answer(i + s // 2 + flip, k)}
                for i, q in enumerate(ids)
                for s in SAMPLES
            ]
            write_rows(root / alignment / dataset / f"long_k{k}.jsonl", rows)
    situations = demo_recognition()
    rows = [
        {"item_id": r.situation_id, "sample": 0, "text": ", ".join(r.values[: 2 + flip]) + ", patience"}
        for r in situations.itertuples()
    ]
    write_rows(root / alignment / "valueprism" / "recognize.jsonl", rows)


@pytest.fixture(scope="module")
def analyzed(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("analysis")
    config = real_model_demo()
    config["datasets"]["dailydilemmas"]["limit"] = 6
    config["datasets"]["opinionqa"]["limit"] = 3
    config["generation"].update(k=[3, 4], n_samples=2, counterbalance=False)
    imported = workdir / "imported"
    config["models"] = {}
    config["models"]["fam"] = {
        alignment: {"backend": "import", "model": f"fam-{alignment}", "path": str(imported / alignment)}
        for alignment in ("base", "instruct")
    }
    # the synthetic judge reads arguments off the text in microseconds: the analysis is the subject here
    config["judges"] = [{"name": "reader", "backend": "synthetic", "steps": ["arguments", "values", "specificity"]}]
    config["analysis"].update(bootstrap=30, shuffles=4)
    for alignment in ("base", "instruct"):
        imported_responses(imported, alignment)
    (workdir / "config.yaml").write_text(yaml.safe_dump(config))
    run = partial(run_snakemake, workdir, snakefile=copy_checkout(workdir / "checkout"))
    result = run("--cores", "2", configfile=workdir / "config.yaml", timeout=900)
    assert result.returncode == 0, result.stderr[-4000:]
    return workdir, run


def test_every_paper_figure_and_table_1_is_built(analyzed):
    workdir, _run = analyzed
    figures = workdir / "results" / "figures"
    for number in ("03a", "03b", "12", "04", "05a", "05b", "06", "07", "20", "24", "30", "36", "37", "40"):
        assert (figures / f"fig{number}.png").stat().st_size > 5000
        assert (figures / f"fig{number}.pdf").stat().st_size > 1000
        assert (figures / f"fig{number}.csv").exists()
    assert "Honesty: N(29.465, 7.934)" in (figures / "table1.md").read_text()
    # every figure job checked its labels with matplotlib's renderer (valueprefs.figures.overlaps)
    logs = [*(workdir / "results/logs").glob("figures/*.log"), *(workdir / "results/logs").glob("*recovery.log")]
    logs += (workdir / "results/logs").glob("power.log")
    assert len(logs) >= 30
    collisions = [line for log in logs for line in log.read_text().splitlines() if "WARNING valueprefs.figures" in line]
    assert not collisions, collisions


def test_correlations_table_has_every_analysis_with_intervals(analyzed):
    workdir, _run = analyzed
    import pandas as pd

    table = pd.read_csv(workdir / "results/analysis/correlations.csv")
    assert set(table["alignment"]) == {"base", "instruct"}
    analyses = set(table["analysis"])
    assert {"short_vs_long", "temperature", "between_k", "implicit_vs_explicit", "compression_ratio"} <= analyses
    assert {"recognition_overall_f1", "recognition_f1", "recognition_precision", "recognition_recall"} <= analyses
    explicit = table[table["analysis"] == "implicit_vs_explicit"]
    assert (explicit["r"] == 1.0).all() and (explicit["n"] == 6).all()  # the same answers in both prompts
    f1 = table[table["analysis"] == "recognition_overall_f1"].set_index("alignment")["r"]
    assert f1["instruct"] > f1["base"]  # instruct names three gold values per situation, base two
    finite = table.dropna(subset=["r", "ci_low"])
    assert ((finite["ci_low"] <= finite["ci_high"]) & (finite["n"] >= 3)).all()
    figure = pd.read_csv(workdir / "results/figures/fig36.csv")
    assert list(figure["alignment"]) == ["base", "instruct"]


def test_comparisons_pair_base_and_instruct_on_the_same_items(analyzed):
    """Base and instruct answered the same dilemmas: every alignment difference is paired and
    equals the two rows of the correlation table; dilemmas minus questions are independent."""
    workdir, _run = analyzed
    import pandas as pd

    table = pd.read_csv(workdir / "results/analysis/correlations.csv")
    found = pd.read_csv(workdir / "results/analysis/comparisons.csv")
    aligned = found[found["comparison"] == "alignment"]
    assert len(aligned) and (aligned["scheme"] == "paired").all() and set(aligned["family"]) == {"fam"}
    f1 = table[table["analysis"] == "recognition_overall_f1"].set_index("alignment")["r"]
    recognition = aligned[aligned["analysis"] == "recognition_overall_f1"].iloc[0]
    assert recognition["estimate"] == pytest.approx(f1["instruct"] - f1["base"]) and recognition["estimate"] > 0
    tested = found.dropna(subset=["p", "p_adjusted"])
    assert len(tested) and (tested["p_adjusted"] >= tested["p"]).all() and set(tested["adjustment"]) == {"holm"}
    data = found[found["comparison"] == "dataset"]
    assert set(data["dataset"]) == {"dailydilemmas minus opinionqa"} and (data["scheme"] == "independent").all()
    assert set(data["analysis"]) == {"temperature", "between_k"}


def test_the_alignment_companion_figure_draws_each_difference(analyzed):
    """One family with base and instruct: the figure's data are the comparisons table's
    alignment rows of the consistency analyses (on six dilemmas the headline is too unreliable:
    the paper's statistic alone), and the figure is drawn (not the no-data message)."""
    workdir, _run = analyzed
    import pandas as pd

    data = pd.read_csv(workdir / "results/figures/alignment_differences.csv")
    found = pd.read_csv(workdir / "results/analysis/comparisons.csv")
    expected = found[(found["comparison"] == "alignment")]
    expected = expected[expected["analysis"].isin(["short_vs_long", "between_k", "temperature"])]
    expected = expected[expected["estimate"].notna()]  # a row without an estimate has nothing to draw
    assert len(data) == len(expected) > 0 and set(data["family"]) == {"fam"}
    assert (workdir / "results/figures/alignment_differences.png").stat().st_size > 20_000


def test_the_scorecard_tests_what_the_config_allows(analyzed):
    """Base and instruct of one family, two k and a questions data set: the alignment claims
    and dilemmas over questions have estimates; three k settings are missing, which the k claim
    names; every claim has a line; no control ran, so all lines are the models'."""
    workdir, _run = analyzed
    import pandas as pd

    claims = pd.read_csv(workdir / "results/analysis/claims.csv").set_index("claim")
    assert len(claims) == 11 and set(claims["runs"]) == {"models"}
    assert claims.loc["k_large_agree", "verdict"] == "untestable"
    assert "generation.k" in claims.loc["k_large_agree", "needs"]
    for claim in ("alignment_short_long", "alignment_recognition", "dilemmas_over_questions", "recognition_unrelated"):
        assert claims.loc[claim, "verdict"] in {"supported", "contradicted", "undecided"}, claim
    assert claims.loc["alignment_recognition", "parts"] == 1
    f1 = pd.read_csv(workdir / "results/analysis/correlations.csv")
    f1 = f1[f1["analysis"] == "recognition_overall_f1"].set_index("alignment")["r"]
    assert claims.loc["alignment_recognition", "estimate"] == pytest.approx(f1["instruct"] - f1["base"])


def test_preference_tables_per_sample(analyzed):
    workdir, _run = analyzed
    import pandas as pd

    base = workdir / "results/preferences/fam/base"
    short = pd.read_csv(base / "dailydilemmas/short/sample0.csv")
    assert {"mu", "sigma", "games", "shuffle_sd"} <= set(short.columns) and short["games"].sum() > 0
    long = pd.read_csv(base / "opinionqa/long_k3/sample1.csv")
    assert long["responses"].max() >= 1 and long["preference"].dropna().between(-1, 0).all()


def test_one_figure_rebuilds_alone_from_cached_intermediates(analyzed):
    workdir, run = analyzed
    plan = run("-n", "--forcerun", "figure_06", "--cores", "1", configfile=workdir / "config.yaml")
    assert plan.returncode == 0, plan.stderr
    jobs = plan.stdout.split("Job stats:")[1].split("Reasons:")[0]
    assert "figure_06" in jobs and "generate" not in jobs and "annotate" not in jobs and "analyze_run" not in jobs
    # the README's command, as written
    again = run("--cores", "1", "figure_06", "--forcerun", "figure_06", configfile=workdir / "config.yaml")
    assert again.returncode == 0 and "Finished jobid" in again.stderr
    assert "this run: 0 generation jobs ran, 0 model calls made" in again.stdout


def test_restyling_one_figure_plans_only_that_figure(analyzed):
    workdir, run = analyzed
    config = yaml.safe_load((workdir / "config.yaml").read_text())
    config["figures"] = {"overrides": {"06": {"dpi": 220, "height": 5}}}
    restyled = workdir / "restyled.yaml"
    restyled.write_text(yaml.safe_dump(config))
    assert planned_rules(run("-n", configfile=restyled)) == {"figure_06": 1}


def test_editing_library_code_plans_only_the_rules_that_import_it(analyzed):
    workdir, run = analyzed
    library = workdir / "checkout/src/valueprefs"
    for module, expected, untouched in (
        ("figures/plots.py", {f"figure_{number}" for number in FIGURE_NUMBERS} | {"figure_alignment"}, set()),
        (
            "preferences/trueskill_games.py",
            {"preferences_short", "analyze_run", "table1", "figure_06"},
            {"generate", "annotate_arguments", "annotate_step", "annotate", "dataset", "preferences_long"},
        ),
    ):
        path = library / module
        original = path.read_text()
        path.write_text(original + "\n# an edit\n")
        listing = run("-n", configfile=workdir / "config.yaml")
        plan = planned_rules(listing)
        path.write_text(original)
        # the reason names the code digest; no job lists library files among its inputs
        assert "Params have changed since last execution" in listing.stdout and "library code" in listing.stdout
        assert "src/valueprefs" not in listing.stdout
        assert expected <= set(plan) and not untouched & set(plan)
        if not untouched:
            assert set(plan) == expected
    # the finished run, its library back to the same content, plans nothing
    assert planned_rules(run("-n", configfile=workdir / "config.yaml")) == {}


def test_report_gathers_figures_with_captions(analyzed):
    workdir, run = analyzed
    result = run("--report", "results/report.html", configfile=workdir / "config.yaml")
    assert result.returncode == 0, result.stderr[-3000:]
    html = (workdir / "results/report.html").read_text()
    assert len(html) > 100_000
    # figures sharing a title are told apart by the data set and k they show
    for setting in ("dailydilemmas, k = 3 (paper: 5)", "opinionqa, k = 4 (paper: 10)", "opinionqa, no k (paper: 20)"):
        assert setting in html, setting
    assert "every step has a single judge" in html  # why the judge agreement table is empty
    assert "run_summary.csv" in html
    assert "Start here: the paper's claims, tested on this run" in html and "claims.csv" in html
    assert "showCategory(&#39;Claims&#39;)" in html or "showCategory('Claims')" in html  # the first link


def test_run_summary_table_counts_every_job(analyzed):
    import pandas as pd

    workdir, _run = analyzed
    table = pd.read_csv(workdir / "results/run_summary.csv").set_index("job")
    generated = table[table["stage"] == "generate"]
    assert sorted(generated.index) == ["fam/base", "fam/instruct"]
    for job in generated.index:
        summary = json.loads((workdir / f"results/generation/{job}/summary.json").read_text())
        assert generated.loc[job, "decisions"] == summary["decisions"] > 0
        assert generated.loc[job, "responses"] == summary["responses"] > 0
    annotated = table[table["stage"] == "annotate"]
    assert len(annotated) == 2 * 2 * 2  # runs x data sets x k
    assert (annotated["arguments"] > 0).all() and (annotated["judge_calls"] >= 0).all()


def test_an_edited_imported_file_reruns_its_run_and_changes_the_preferences(analyzed):
    """Imported responses are inputs of their generate job, like a model's prompts."""
    import pandas as pd

    workdir, run = analyzed
    table = workdir / "results/preferences/fam/base/dailydilemmas/short/sample0.csv"
    before = pd.read_csv(table)
    imported = workdir / "imported/base/dailydilemmas/short.jsonl"
    original = imported.read_text()
    imported.write_text(original.replace('"Action 1"', '"Action X"').replace('"Action 2"', '"Action 1"'))
    plan = planned_rules(run("-n", configfile=workdir / "config.yaml"))
    assert plan.get("generate") == 1 and "preferences_short" in plan and "analyze_run" in plan
    result = run("--cores", "2", str(table.relative_to(workdir)), configfile=workdir / "config.yaml")
    assert result.returncode == 0, result.stderr[-3000:]
    after = pd.read_csv(table)
    assert not before["mu"].equals(after["mu"])
    imported.write_text(original)
    restored = run("--cores", "2", str(table.relative_to(workdir)), configfile=workdir / "config.yaml")
    assert restored.returncode == 0, restored.stderr[-3000:]
    assert pd.read_csv(table)["mu"].equals(before["mu"])


def test_keys_no_analysis_reads_rerun_no_analysis(analyzed):
    """The run analysis's params hold its settings only (not whole config sections), and the
    annotation steps' and the cost estimate's no audit floors (the run summary reads them as it
    prints): changing the floors and the style of every figure plans every figure and nothing
    else; changing the bootstrap reruns the run analyses."""
    workdir, run = analyzed
    config = yaml.safe_load((workdir / "config.yaml").read_text())
    config["annotation"].setdefault("audit", {})["floors"] = {"values": 0.9}
    config["figures"] = {"style": {"palette": "muted"}}
    changed = workdir / "elsewhere.yaml"
    changed.write_text(yaml.safe_dump(config))
    plan = planned_rules(run("-n", configfile=changed))
    assert set(plan) == {f"figure_{number}" for number in FIGURE_NUMBERS} | {"figure_alignment"}, plan
    config["analysis"]["bootstrap"] = 31
    changed.write_text(yaml.safe_dump(config))
    assert planned_rules(run("-n", configfile=changed)).get("analyze_run") == 2


def test_switching_value_or_specificity_batching_reruns_that_step_only(analyzed):
    """Each annotation step's params hold only the settings it reads."""
    workdir, run = analyzed
    config = yaml.safe_load((workdir / "config.yaml").read_text())
    config["annotation"]["value_batching"] = not config["annotation"].get("value_batching", False)
    changed = workdir / "batching.yaml"
    changed.write_text(yaml.safe_dump(config))
    plan = planned_rules(run("-n", configfile=changed))
    long_files = 2 * 2 * 2  # alignments x data sets x k
    assert plan.get("annotate_step") == long_files and "annotate_arguments" not in plan  # values, not specificity
    config["annotation"]["value_batching"] = not config["annotation"]["value_batching"]
    config["annotation"]["specificity_batching"] = True
    changed.write_text(yaml.safe_dump(config))
    plan = planned_rules(run("-n", configfile=changed))
    assert plan.get("annotate_step") == long_files and "annotate_arguments" not in plan  # specificity only
