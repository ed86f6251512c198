"""llama.cpp in-process through llama-cpp-python: the CPU backend of the embedded default."""

import ctypes
import importlib.metadata
import logging
import time

import numpy as np

from valueprefs.llm.cpu import cpu_model
from valueprefs.llm.requests import CallMeter, Completion, Request, ResultSink, ScoreRequest

# Neutral sampling, as vLLM's defaults: no top-k/top-p/min-p truncation, no repeat penalty.
NEUTRAL_SAMPLING = {"top_k": 0, "top_p": 1.0, "min_p": 0.0, "repeat_penalty": 1.0}
# llama.cpp's own lines go to the job's log under this name (a crash leaves its last ones there).
ENGINE_LOG = logging.getLogger("valueprefs.llamacpp")
# ggml's log levels (ggml.h): DEBUG lines (about 2,000 per model load) are dropped, CONT continues a line.
_GGML_LEVELS = {2: logging.INFO, 3: logging.WARNING, 4: logging.ERROR}
_GGML_DEBUG, _GGML_CONT = 1, 5


class LlamaCppBackend:
    """One GGUF model loaded once; chat requests go through the model's own chat template."""

    name = "llamacpp"

    def __init__(self, model_path: str, n_ctx: int = 4096, n_threads: int | None = None, scoring: bool = False):
        import llama_cpp
        from llama_cpp import Llama

        _route_engine_log(llama_cpp)
        ENGINE_LOG.info(
            "llama-cpp-python %s on %s; build: %s",
            importlib.metadata.version("llama_cpp_python"),
            cpu_model() or "an unknown CPU",
            llama_cpp.llama_print_system_info().decode("utf-8", errors="replace").strip(),
        )
        self.meter = CallMeter()
        self.llm = Llama(
            model_path=model_path,
            n_ctx=n_ctx,
            n_threads=n_threads,
            n_threads_batch=n_threads,  # prompt processing too (llama-cpp-python would use every core)
            logits_all=scoring,
            verbose=False,
        )

    def close(self) -> None:
        """Free the model."""
        self.llm.close()

    def generate(self, requests: list[Request], sink: ResultSink) -> None:
        """Run each request's ``n`` samples one after another (seeds ``seed``, ``seed + 1``, ...)."""
        for index, request in enumerate(requests):
            sink(index, [self._complete(request, request.seed + sample) for sample in range(request.n)])

    def _complete(self, request: Request, seed: int) -> Completion:
        options = {"max_tokens": request.max_tokens, "temperature": request.temperature, "seed": seed}
        start = time.perf_counter()
        self.meter.requests += 1
        if request.messages:
            out = self.llm.create_chat_completion(messages=list(request.messages), **options, **NEUTRAL_SAMPLING)
            text = out["choices"][0]["message"]["content"] or ""
        else:
            out = self.llm.create_completion(prompt=request.prompt, **options, **NEUTRAL_SAMPLING)
            text = out["choices"][0]["text"]
        completion = Completion(
            text=text,
            seed=seed,
            prompt_tokens=out["usage"]["prompt_tokens"],
            completion_tokens=out["usage"]["completion_tokens"],
            finish_reason=out["choices"][0]["finish_reason"] or "",
            seconds=time.perf_counter() - start,
        )
        self.meter.received(completion)
        return completion

    def score(self, requests: list[ScoreRequest], sink: ResultSink) -> None:
        """Sum of token log-probabilities of each continuation after the (templated) prompt."""
        for index, request in enumerate(requests):
            self.meter.requests += 1
            self.meter.completions += 1
            prefix = self._prompt_text(request)
            sink(index, [self._continuation_logprob(prefix, continuation) for continuation in request.continuations])

    def _prompt_text(self, request: ScoreRequest) -> str:
        if not request.messages:
            return request.prompt or ""
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        formatter = Jinja2ChatFormatter(
            template=self.llm.metadata["tokenizer.chat_template"],
            eos_token=self._token_text(self.llm.token_eos()),
            bos_token=self._token_text(self.llm.token_bos()),
        )
        return formatter(messages=list(request.messages)).prompt

    def _token_text(self, token: int) -> str:
        return self.llm.detokenize([token], special=True).decode("utf-8", errors="replace")

    def _continuation_logprob(self, prefix: str, continuation: str) -> float:
        prefix_tokens = self.llm.tokenize(prefix.encode("utf-8"), add_bos=True, special=True)
        tokens = self.llm.tokenize((prefix + continuation).encode("utf-8"), add_bos=True, special=True)
        if tokens[: len(prefix_tokens)] != prefix_tokens or len(tokens) == len(prefix_tokens):
            tokens = prefix_tokens + self.llm.tokenize(continuation.encode("utf-8"), add_bos=False, special=False)
        self.llm.reset()
        self.llm.eval(tokens)
        logits = np.asarray(self.llm.scores[: len(tokens)], dtype=np.float64)
        total = 0.0
        for position in range(len(prefix_tokens), len(tokens)):
            row = logits[position - 1]
            log_normalizer = np.logaddexp.reduce(row)
            total += float(row[tokens[position]] - log_normalizer)
        return total


class _EngineLines:
    """Joins llama.cpp's log fragments into lines and logs each at its level (flushed as it
    comes: the job's log keeps the engine's last lines when the engine crashes the process)."""

    def __init__(self) -> None:
        self.pending = ""
        self.level = _GGML_DEBUG

    def __call__(self, level: int, text: bytes, _user_data) -> None:
        if level != _GGML_CONT:
            self.level = level
        self.pending += text.decode("utf-8", errors="replace")
        *lines, self.pending = self.pending.split("\n")
        if self.level in _GGML_LEVELS:
            for line in filter(None, lines):
                ENGINE_LOG.log(_GGML_LEVELS[self.level], "%s", line)


_routed: list = []  # the ctypes callback, kept alive for as long as llama.cpp may call it


def _route_engine_log(llama_cpp) -> None:
    """Send llama.cpp's log to ``ENGINE_LOG`` (once per process; llama-cpp-python prints errors
    only, to stderr)."""
    if not _routed:
        _routed.append(llama_cpp.llama_log_callback(_EngineLines()))
        llama_cpp.llama_log_set(_routed[0], ctypes.c_void_p(0))
