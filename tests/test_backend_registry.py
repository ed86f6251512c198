"""Every model and judge backend is built through one registry from its entry and a run context."""

from pathlib import Path

import pytest
import yaml

from valueprefs.data.demo import demo_dilemmas, demo_vocabulary
from valueprefs.errors import ConfigError
from valueprefs.llm.backends import BACKENDS, make_backend
from valueprefs.llm.context import RunContext
from valueprefs.llm.requests import Request
from valueprefs.prompts import Templates, default_template_paths, short_form_prompt
from valueprefs.synthetic.server import configured_control

from conftest import REPO

SCHEMA = REPO / "workflow/schemas/config.schema.yaml"


def test_the_registry_holds_every_backend_the_schema_lets_a_model_or_judge_name():
    schema = yaml.safe_load((REPO / "workflow/schemas/config.schema.yaml").read_text())
    model_backends = set(schema["$defs"]["model"]["allOf"][1]["properties"]["backend"]["enum"])
    answering = model_backends - {"import"}  # imported responses answer no prompt
    judge_entry = schema["properties"]["judges"]["items"]["allOf"][1]
    judge_backends = set(judge_entry["properties"]["backend"]["enum"])
    assert answering == set(BACKENDS) == judge_backends - {"offline"}  # the offline annotator calls no model


def test_an_unknown_backend_is_refused_naming_the_known_ones(tmp_path):
    with pytest.raises(ConfigError, match=r"unknown backend 'gpt5'.*synthetic, llamacpp, openai, vllm"):
        make_backend({"backend": "gpt5", "model": "x"}, RunContext(tmp_path))


def test_the_synthetic_backend_answers_about_the_runs_items_from_the_context_alone(tmp_path):
    """A control model, built like any other backend: its world is the context's vocabulary and
    items, so it answers a short-form prompt about an item of the run (a judge gets none)."""
    templates = Templates.from_files(default_template_paths())
    item = demo_dilemmas().iloc[0].to_dict()
    control = configured_control(str(REPO / "config.yaml"), "control-consistent/instruct", SCHEMA)
    spec = {"backend": "synthetic", "model": "control-consistent", "control": control}
    context = RunContext(
        Path(tmp_path), templates=templates, vocabulary=tuple(demo_vocabulary()["value"]), items=(item,)
    )
    backend = make_backend(spec, context)
    answers = {}
    request = Request(messages=({"role": "user", "content": short_form_prompt(templates, item)},), max_tokens=16)
    backend.generate([request], lambda index, completions: answers.setdefault(index, completions[0].text))
    assert answers[0].strip() in ("Action 1", "Action 2")
    with pytest.raises(ConfigError, match="needs the run's templates"):
        make_backend(spec, RunContext(Path(tmp_path)))
