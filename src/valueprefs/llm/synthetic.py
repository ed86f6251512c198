"""The synthetic backend: a control model with planted preferences, or a judge that reads the
text, answering the workflow's own prompts in microseconds (``valueprefs.synthetic``).

Token counts are whitespace-separated words (a stand-in, so the ledger has real numbers); an
answer stops at the request's ``max_tokens`` as a real engine's would."""

import time

from valueprefs.errors import ConfigError
from valueprefs.llm.context import RunContext
from valueprefs.llm.requests import CallMeter, Completion, Request, ResultSink, ScoreRequest
from valueprefs.synthetic.behaviour import ControlParams
from valueprefs.synthetic.budget import within_limit
from valueprefs.synthetic.engine import SyntheticEngine
from valueprefs.synthetic.world import World


def prompt_of(request: Request | ScoreRequest) -> str:
    """The text a request asks about: a raw prompt, or the first user message of a chat (a judge's
    repair conversation asks the first prompt again)."""
    if request.messages:
        return request.messages[0]["content"]
    return request.prompt or ""


class SyntheticBackend:
    """Answers each request with the synthetic engine; ``n`` samples use seeds ``seed``, ``seed + 1``, ..."""

    name = "synthetic"

    def __init__(self, spec: dict, context: RunContext):
        if context.templates is None:
            raise ConfigError(f"model {spec.get('model')!r}: the synthetic backend needs the run's templates")
        control = spec.get("control")
        params = ControlParams.from_spec(control) if control else None
        world = None
        if context.vocabulary:  # a model answers about the run's items; a judge reads the text only
            world = World(list(context.vocabulary))
            world.add_items(list(context.items))
        self.engine = SyntheticEngine(context.templates, params, world)
        self.meter = CallMeter()

    def close(self) -> None:
        """Nothing to free."""

    def generate(self, requests: list[Request], sink: ResultSink) -> None:
        for index, request in enumerate(requests):
            prompt = prompt_of(request)
            completions = []
            for offset in range(request.n):
                start = time.perf_counter()
                self.meter.requests += 1
                answer = self.engine.answer(prompt, request.temperature, request.seed + offset)
                text, tokens, finish_reason = within_limit(answer, request.max_tokens)
                completion = Completion(
                    text=text,
                    seed=request.seed + offset,
                    prompt_tokens=len(prompt.split()),
                    completion_tokens=tokens,
                    finish_reason=finish_reason,
                    seconds=time.perf_counter() - start,
                )
                self.meter.received(completion)
                completions.append(completion)
            sink(index, completions)

    def score(self, requests: list[ScoreRequest], sink: ResultSink) -> None:
        for index, request in enumerate(requests):
            self.meter.requests += 1
            self.meter.completions += 1
            sink(index, self.engine.score(prompt_of(request), request.continuations))
