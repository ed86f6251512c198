"""Any OpenAI-compatible endpoint (OpenAI, vLLM's api_server, llama_cpp.server) via the openai SDK.

Calls run concurrently (bounded), with the SDK's retries and exponential backoff (it honours
Retry-After) and a per-call timeout. The API key is read from the environment variable named
in the config and is never part of a request description, a cache key or a log line.
"""

import asyncio
import time

from valueprefs.llm.requests import CallFailure, CallMeter, Completion, Request, ResultSink
from valueprefs.secrets import api_key_from_env, scrub


class OpenAICompatibleBackend:
    """Chat requests go to /chat/completions, raw prompts to /completions."""

    name = "openai"

    def __init__(
        self,
        model: str,
        base_url: str | None = None,
        api_key_env: str | None = None,
        max_concurrency: int = 8,
        timeout: float = 120.0,
        max_retries: int = 6,
    ):
        from openai import AsyncOpenAI

        self.meter = CallMeter()
        self.model = model
        self.max_concurrency = max_concurrency
        self._client_options = {
            "base_url": base_url,
            "api_key": api_key_from_env(api_key_env),
            "timeout": timeout,
            "max_retries": max_retries,
        }
        self._client_class = AsyncOpenAI

    def close(self) -> None:
        """Nothing to free: each generate call opens and closes its own client."""

    def generate(self, requests: list[Request], sink: ResultSink) -> None:
        """Send every request (``n`` calls each, seeds ``seed``..``seed + n - 1``); report each as it ends."""
        asyncio.run(self._generate_all(requests, sink))

    async def _generate_all(self, requests: list[Request], sink: ResultSink) -> None:
        limit = asyncio.Semaphore(self.max_concurrency)
        from openai import DefaultAsyncHttpxClient

        async def count(_request) -> None:  # every HTTP attempt, retries included
            self.meter.requests += 1

        http = DefaultAsyncHttpxClient(event_hooks={"request": [count]})
        async with self._client_class(**self._client_options, http_client=http) as client:

            async def one(index: int, request: Request) -> None:
                try:
                    samples = [await self._complete(client, limit, request, request.seed + s) for s in range(request.n)]
                except Exception as error:  # the SDK's error classes all end here after its retries
                    sink(index, CallFailure(reason=_reason(error), details={"type": type(error).__name__}))
                    return
                sink(index, samples)

            await asyncio.gather(*(one(index, request) for index, request in enumerate(requests)))

    async def _complete(self, client, limit: asyncio.Semaphore, request: Request, seed: int) -> Completion:
        options = {
            "model": self.model,
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
            "seed": seed,
        }
        async with limit:
            start = time.perf_counter()
            if request.messages:
                out = await client.chat.completions.create(messages=list(request.messages), **options)
                text = out.choices[0].message.content or ""
            else:
                out = await client.completions.create(prompt=request.prompt, **options)
                text = out.choices[0].text
            seconds = time.perf_counter() - start
        usage = out.usage
        completion = Completion(
            text=scrub(text),  # a server that echoes the key into its answer: never stored, never written
            seed=seed,
            prompt_tokens=usage.prompt_tokens if usage else 0,
            completion_tokens=usage.completion_tokens if usage else 0,
            finish_reason=out.choices[0].finish_reason or "",
            seconds=seconds,
            cached_input_tokens=cached_input_tokens(usage),
        )
        self.meter.received(completion)
        return completion


def cached_input_tokens(usage) -> int:
    """The prompt tokens an OpenAI-compatible server says its prompt cache served
    (``usage.prompt_tokens_details.cached_tokens``; 0 where it does not say)."""
    details = getattr(usage, "prompt_tokens_details", None) if usage else None
    return int(getattr(details, "cached_tokens", None) or 0)


def _reason(error: Exception) -> str:
    status = getattr(error, "status_code", None)
    text = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
    return scrub(f"HTTP {status}: {text}" if status else f"{type(error).__name__}: {text}")
