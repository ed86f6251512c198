"""Config validation: every bad config fails before any job runs, naming the key."""

import copy

import pytest
import yaml

from conftest import REPO

DEFAULT = yaml.safe_load((REPO / "config.yaml").read_text())
PAPER = yaml.safe_load((REPO / "config" / "paper.yaml").read_text())


def test_both_configs_use_the_same_keys():
    assert DEFAULT.keys() == PAPER.keys()
    assert DEFAULT["datasets"].keys() == PAPER["datasets"].keys()
    assert DEFAULT["generation"].keys() == PAPER["generation"].keys()
    assert {kind for family in PAPER["models"].values() for kind in family} == {"base", "instruct"}
    assert len(PAPER["models"]) == 5 and PAPER["generation"]["k"] == [5, 10, 20]
    assert PAPER["generation"]["n_samples"] == 10 and PAPER["judges"][0]["model"] == "gpt-4o"


def test_both_configs_plan_without_touching_data(snakemake_in):
    for configfile in (REPO / "config.yaml", REPO / "config" / "paper.yaml"):
        result = snakemake_in("-n", "--quiet", "rules", configfile=configfile)
        assert result.returncode == 0, result.stderr
        assert "dataset" in result.stdout and "vocabulary" in result.stdout


def test_paper_config_is_not_mixed_with_the_embedded_default(snakemake_in):
    result = snakemake_in("-n", "--print-compilation", configfile=REPO / "config" / "paper.yaml")
    assert result.returncode == 0, result.stderr
    plan = snakemake_in("-n", "--quiet", "rules", "--configfile", str(REPO / "config" / "paper.yaml"))
    assert "smollm2" not in plan.stdout + plan.stderr


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
]


@pytest.mark.parametrize(("label", "change", "message"), BAD_CONFIGS, ids=[b[0] for b in BAD_CONFIGS])
def test_bad_config_fails_before_any_job_naming_the_key(snakemake_in, label, change, message):
    configfile = snakemake_in.workdir / "bad.yaml"
    configfile.write_text(yaml.safe_dump(mutate(change)))
    result = snakemake_in("--cores", "1", "results/data/summary.csv", configfile=configfile)
    assert result.returncode != 0
    assert message in result.stderr, result.stderr
    assert "ConfigError" in result.stderr
    assert not (snakemake_in.workdir / "results").exists()
