"""The synthetic engine over HTTP: an OpenAI-compatible server on 127.0.0.1, so the ``openai``
backend, judges and fault paths can be rehearsed at any size for free.

    python -m valueprefs.synthetic.server --port 8011 --config config.yaml \\
        --model control-consistent/instruct [--faults 429=0.05,500=0.02] [--latency 0.01]

It speaks OpenAI's wire protocol (``valueprefs.synthetic.wire``: chat and completions, where a
chat's first user message is the prompt, models, and the Batch API), with ``usage`` in word
counts; ``usage.prompt_tokens_details.cached_tokens`` counts the words its prompt cache served,
by OpenAI's documented rule (``--prompt-cache``, 1024 words then steps of 128 by default). Model
prompts are answered with the planted ``control`` of the ``--model`` entry in ``--config``
(validated against the workflow's schema, which fills in the defaults: the same parameters the
workflow's truth and checks use), judge prompts as the synthetic judge. It learns the items it is
asked about from ``--data`` (the workflow's ``results/data``: ``vocabulary.csv`` and
``*/items.jsonl``), read again when a prompt names an item it has not seen. ``/stats`` reports
the requests, completions and tokens it answered, and the faults it injected.
"""

import argparse
from pathlib import Path

from valueprefs.config import check_config, load_config_file
from valueprefs.errors import ConfigError
from valueprefs.prompts import JUDGE_TEMPLATE_NAMES, TEMPLATE_NAMES, Templates, default_template_paths
from valueprefs.synthetic.behaviour import ControlParams
from valueprefs.synthetic.budget import within_limit
from valueprefs.synthetic.engine import MODEL_TEMPLATES, SyntheticEngine
from valueprefs.synthetic.prompt_cache import PrefixCache, parse_prompt_cache
from valueprefs.synthetic.wire import OpenAIService, Server, completion_object, handler_for, parse_faults
from valueprefs.synthetic.world import World
from valueprefs.tokens import CACHE_INCREMENT, CACHE_MIN_TOKENS

SCHEMA = Path("workflow") / "schemas" / "config.schema.yaml"


def configured_control(config_path: str, model: str, schema: str | Path = SCHEMA) -> dict:
    """The ``control`` section of model ``FAMILY/ALIGNMENT`` in a workflow config, defaults filled."""
    family, _, alignment = model.partition("/")
    config = load_config_file(config_path)
    check_config(config, [config_path], str(schema))
    spec = config["models"].get(family, {}).get(alignment)
    if spec is None or "control" not in spec:
        raise ConfigError(f"{config_path}: no model {model!r} with a control section (models.{family}.{alignment})")
    return spec["control"]


class SyntheticService(OpenAIService):
    """The synthetic engine answering over the wire: the judge for judge prompts, the planted
    ``control`` for model prompts about the items under ``data_dir``."""

    def __init__(
        self,
        data_dir: str | Path,
        control: dict,
        faults: dict[int, float],
        latency: float,
        seed: int = 0,
        prompt_cache: PrefixCache | None = None,
    ):
        super().__init__(faults, latency, seed)
        self.data_dir = Path(data_dir)
        self.prompt_cache = prompt_cache
        self.templates = Templates.from_files(default_template_paths(TEMPLATE_NAMES + JUDGE_TEMPLATE_NAMES))
        self.params = ControlParams.from_spec(control)
        self.judge = SyntheticEngine(self.templates)
        self.model: SyntheticEngine | None = None  # read from the data at the first model prompt

    def _load(self) -> SyntheticEngine:
        vocabulary = self.data_dir / "vocabulary.csv"
        if not vocabulary.is_file():
            raise ValueError(f"synthetic server: no {vocabulary} yet (the workflow's data rules write it)")
        world = World.from_files(vocabulary, sorted(self.data_dir.glob("*/items.jsonl")))
        return SyntheticEngine(self.templates, self.params, world)

    def answer(self, prompt: str, temperature: float, seed: int) -> str:
        """The answer of the judge, or of the model (the data read again once if the prompt
        names an item it has not seen)."""
        found = self.judge.recognizer.recognize(prompt)
        if found.template not in MODEL_TEMPLATES:
            return self.judge.respond(found)
        with self.lock:
            self.model = self.model or self._load()
        try:
            return self.model.respond(found, temperature, seed)
        except ValueError as error:
            if "no dilemma" not in str(error):
                raise
            with self.lock:
                self.model = self._load()
            return self.model.respond(found, temperature, seed)

    def complete(self, body: dict, chat: bool) -> dict:
        """The response object of one request (``n`` choices, seeds ``seed``, ``seed + 1``, ...);
        tokens are words, and the prompt cache serves what OpenAI's rule would."""
        prompt = body["messages"][0]["content"] if chat else body["prompt"]
        temperature, seed = float(body.get("temperature") or 0.0), int(body.get("seed") or 0)
        answers = [self.answer(prompt, temperature, seed + index) for index in range(int(body.get("n") or 1))]
        texts, counts, reasons = zip(*(within_limit(answer, body.get("max_tokens")) for answer in answers), strict=True)
        words = prompt.split()
        cached = self.prompt_cache.cached_tokens(words) if self.prompt_cache else 0
        return completion_object(body, list(texts), list(reasons), (len(words), sum(counts), cached), chat)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--data", default="results/data", help="the workflow's normalized data directory")
    parser.add_argument("--config", required=True, help="the workflow config naming the control")
    parser.add_argument("--model", required=True, help="the control's FAMILY/ALIGNMENT in that config")
    parser.add_argument("--schema", default=str(SCHEMA), help="the workflow's config schema")
    parser.add_argument("--faults", default="", help="injected HTTP errors, e.g. 429=0.05,500=0.02")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before each answer")
    parser.add_argument("--seed", type=int, default=0, help="seeds the injected faults")
    parser.add_argument(
        "--prompt-cache",
        default=f"{CACHE_MIN_TOKENS},{CACHE_INCREMENT}",
        help="MIN_TOKENS,INCREMENT of cached prefixes (OpenAI's rule by default), or off",
    )
    args = parser.parse_args(argv)
    control = configured_control(args.config, args.model, args.schema)
    faults, cache = parse_faults(args.faults), parse_prompt_cache(args.prompt_cache)
    service = SyntheticService(args.data, control, faults, args.latency, args.seed, cache)
    server = Server((args.host, args.port), handler_for(service))
    print(f"synthetic OpenAI-compatible server on http://{args.host}:{args.port}/v1", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
