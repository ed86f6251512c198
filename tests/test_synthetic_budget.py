"""The synthetic backend stops an answer at the request's max_tokens, as a real engine does."""

from pathlib import Path

from valueprefs.llm.context import RunContext
from valueprefs.llm.requests import Request
from valueprefs.llm.synthetic import SyntheticBackend
from valueprefs.prompts import JUDGE_TEMPLATE_NAMES, Templates, default_template_paths, value_prompt
from valueprefs.synthetic.budget import within_limit


def test_within_limit_keeps_the_first_words_and_their_line_breaks():
    assert within_limit("1. Honesty first.\n2. Care too.", 4) == ("1. Honesty first.\n2.", 4, "length")
    assert within_limit("one two", 2) == ("one two", 2, "stop")
    assert within_limit("one two", None) == ("one two", 2, "stop")


def test_the_backend_reports_what_it_cut():
    templates = Templates.from_files(default_template_paths(JUDGE_TEMPLATE_NAMES), ())
    prompt = value_prompt(templates, ["honesty", "care"], "Honesty keeps trust alive.")
    backend = SyntheticBackend(
        {"backend": "synthetic", "model": "judge"}, RunContext(Path("unused"), templates=templates)
    )
    found = {}
    requests = [Request(messages=({"role": "user", "content": prompt},), max_tokens=m) for m in (3, 96)]
    backend.generate(requests, lambda index, completions: found.setdefault(index, completions[0]))
    assert (found[0].text, found[0].completion_tokens, found[0].finish_reason) == (
        "List supporting values:",
        3,
        "length",
    )
    assert (found[1].text, found[1].finish_reason) == ("List supporting values: honesty", "stop")
    assert backend.meter.completion_tokens == 3 + 4
