"""The synthetic engine over HTTP: an OpenAI-compatible server on 127.0.0.1, so the ``openai``
backend, judges and fault paths can be rehearsed at any size for free.

    python -m valueprefs.synthetic.server --port 8011 --config config.yaml \\
        --model control-consistent/instruct [--faults 429=0.05,500=0.02] [--latency 0.01]

It serves ``/v1/chat/completions`` (a chat's first user message is the prompt), ``/v1/completions``
and ``/v1/models``, with ``usage`` in word counts; ``usage.prompt_tokens_details.cached_tokens``
counts the words its prompt cache served, by OpenAI's documented rule (``--prompt-cache``,
1024 words then steps of 128 by default). Model prompts are answered with the planted
``control`` of the ``--model`` entry in ``--config`` (validated against the workflow's schema,
which fills in the defaults: the same parameters the workflow's truth and checks use), judge
prompts as the synthetic judge. It learns the items it is asked about from ``--data`` (the workflow's ``results/data``:
``vocabulary.csv`` and ``*/items.jsonl``), read again when a prompt names an item it has not seen.
``/stats`` reports the requests, completions and tokens it answered, and the faults it injected.
"""

import argparse
import http.server
import json
import threading
import time
from pathlib import Path

import numpy as np

from valueprefs.config import check_config, load_config_file
from valueprefs.errors import ConfigError
from valueprefs.prompts import JUDGE_TEMPLATE_NAMES, TEMPLATE_NAMES, Templates, default_template_paths
from valueprefs.synthetic.behaviour import ControlParams
from valueprefs.synthetic.budget import within_limit
from valueprefs.synthetic.engine import MODEL_TEMPLATES, SyntheticEngine
from valueprefs.synthetic.prompt_cache import PrefixCache, parse_prompt_cache
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


class SyntheticService:
    """The engine, the data it knows, injected faults, and counts of what it answered."""

    def __init__(
        self,
        data_dir: str | Path,
        control: dict,
        faults: dict[int, float],
        latency: float,
        seed: int = 0,
        prompt_cache: PrefixCache | None = None,
    ):
        self.data_dir = Path(data_dir)
        self.prompt_cache = prompt_cache
        self.templates = Templates.from_files(default_template_paths(TEMPLATE_NAMES + JUDGE_TEMPLATE_NAMES))
        self.params = ControlParams.from_spec(control)
        self.faults, self.latency = faults, latency
        self.random = np.random.default_rng(seed)
        self.lock = threading.Lock()
        self.stats = {"requests": 0, "completions": 0, "prompt_tokens": 0, "completion_tokens": 0}
        self.stats |= {"cached_input_tokens": 0, "faults": {}}
        self.judge = SyntheticEngine(self.templates)
        self.model: SyntheticEngine | None = None  # read from the data at the first model prompt

    def _load(self) -> SyntheticEngine:
        vocabulary = self.data_dir / "vocabulary.csv"
        if not vocabulary.is_file():
            raise ValueError(f"synthetic server: no {vocabulary} yet (the workflow's data rules write it)")
        world = World.from_files(vocabulary, sorted(self.data_dir.glob("*/items.jsonl")))
        return SyntheticEngine(self.templates, self.params, world)

    def fault(self) -> int | None:
        """An injected HTTP status for this request, or None."""
        with self.lock:
            draw = self.random.random()
            for status, probability in self.faults.items():
                if draw < probability:
                    self.stats["faults"][status] = self.stats["faults"].get(status, 0) + 1
                    return status
                draw -= probability
        return None

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
        """The response object of one request (``n`` choices, seeds ``seed``, ``seed + 1``, ...)."""
        prompt = body["messages"][0]["content"] if chat else body["prompt"]
        temperature, seed = float(body.get("temperature") or 0.0), int(body.get("seed") or 0)
        limit = body.get("max_tokens")
        answers = [self.answer(prompt, temperature, seed + index) for index in range(int(body.get("n") or 1))]
        texts, counts, reasons = zip(*(within_limit(answer, limit) for answer in answers), strict=True)
        words = prompt.split()
        prompt_tokens, completion_tokens = len(words), sum(counts)
        cached = self.prompt_cache.cached_tokens(words) if self.prompt_cache else 0
        with self.lock:
            self.stats["requests"] += 1
            self.stats["completions"] += len(texts)
            self.stats["prompt_tokens"] += prompt_tokens
            self.stats["completion_tokens"] += completion_tokens
            self.stats["cached_input_tokens"] += cached
        choices = [
            {"index": index, "finish_reason": reason}
            | ({"message": {"role": "assistant", "content": text}} if chat else {"text": text})
            for index, (text, reason) in enumerate(zip(texts, reasons, strict=True))
        ]
        return {
            "id": f"synthetic-{self.stats['requests']}",
            "object": "chat.completion" if chat else "text_completion",
            "created": 0,
            "model": body.get("model", "synthetic"),
            "choices": choices,
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
                "prompt_tokens_details": {"cached_tokens": cached},
            },
        }


def handler_for(service: SyntheticService) -> type:
    """The request handler class serving ``service``."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _send(self, status: int, payload: dict) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            if self.path.rstrip("/").endswith("/models"):
                self._send(200, {"object": "list", "data": [{"id": "synthetic", "object": "model"}]})
            elif self.path.rstrip("/").endswith("/stats"):
                with service.lock:
                    self._send(200, json.loads(json.dumps(service.stats)))
            else:
                self._send(404, {"error": {"message": f"no route {self.path}"}})

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
            chat = self.path.rstrip("/").endswith("/chat/completions")
            if not chat and not self.path.rstrip("/").endswith("/completions"):
                self._send(404, {"error": {"message": f"no route {self.path}"}})
                return
            time.sleep(service.latency)
            status = service.fault()
            if status is not None:
                self._send(status, {"error": {"message": f"injected fault {status}", "type": "synthetic_fault"}})
                return
            try:
                self._send(200, service.complete(body, chat))
            except Exception as error:  # an unrecognized prompt, an unknown item, a malformed body
                self._send(400, {"error": {"message": str(error), "type": "invalid_request_error"}})

    return Handler


class Server(http.server.ThreadingHTTPServer):
    """A thread per connection and a listen backlog for a whole judge's concurrency: with the
    standard library's 5, connections beyond it can fail before the server sees a request,
    which the client counts as sent and the server does not."""

    request_queue_size = 256
    daemon_threads = True


def parse_faults(text: str) -> dict[int, float]:
    """``429=0.05,500=0.02`` -> {429: 0.05, 500: 0.02}."""
    faults = {}
    for part in filter(None, text.split(",")):
        status, _, probability = part.partition("=")
        faults[int(status)] = float(probability)
    if sum(faults.values()) > 1:
        raise ValueError(f"--faults {text!r}: the probabilities add up to more than 1")
    return faults


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
