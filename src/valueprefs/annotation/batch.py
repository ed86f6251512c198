"""OpenAI Batch API mode for judges: submit once, poll, collect into the disk cache.

The missing calls of a judge step go into one batch file; the batch id is recorded in a state
file named after the set of calls. A later run finds the state file and polls instead of
resubmitting; a completed batch is downloaded into the cache, after which the step reads
every answer from the cache like any other. A batch that failed, expired or was cancelled is
forgotten, so the next run submits it again.
"""

import json
import time
from pathlib import Path

from valueprefs.cache import DiskCache, call_key
from valueprefs.errors import ValuePrefsError
from valueprefs.generation.openai_compat import api_key_from_env
from valueprefs.generation.requests import Request
from valueprefs.generation.run import cache_identity
from valueprefs.io import write_json

RUNNING = ("validating", "in_progress", "finalizing", "cancelling")
ENDPOINT = "/v1/chat/completions"


class BatchPending(ValuePrefsError):
    """A batch is submitted or still running: rerun later to collect it."""


class BatchRunner:
    """Sends a judge's uncached chat requests as one OpenAI batch."""

    def __init__(
        self, spec: dict, cache: DiskCache, state_dir: str | Path, wait_seconds: float = 0, poll_every: float = 30
    ):
        from openai import OpenAI

        self.spec = spec
        self.cache = cache
        self.state_dir = Path(state_dir)
        self.wait_seconds = wait_seconds
        self.poll_every = poll_every
        self.client = OpenAI(
            base_url=spec.get("base_url"),
            api_key=api_key_from_env(spec.get("api_key_env")),
            max_retries=spec.get("max_retries", 6),
            timeout=spec.get("timeout", 120.0),
        )

    def fill_cache(self, requests: list[Request]) -> None:
        """Make sure every request's answer is in the cache, or raise BatchPending."""
        identity = cache_identity(self.spec)
        descriptions = {}
        for request in requests:
            description = {**identity, **request.describe()}
            descriptions[call_key(description)] = (description, request)
        missing = sorted(key for key in descriptions if not self.cache.path(key).exists())
        if not missing:
            return
        state_path = self.state_dir / f"{call_key({'keys': missing})}.json"
        if not state_path.exists():
            self._submit(missing, descriptions, state_path)
        self._collect(state_path, descriptions)

    def _submit(self, keys: list[str], descriptions: dict, state_path: Path) -> None:
        lines = []
        for key in keys:
            request = descriptions[key][1]
            body = {
                "model": self.spec["model"],
                "messages": list(request.messages),
                "max_tokens": request.max_tokens,
                "temperature": request.temperature,
                "seed": request.seed,
            }
            lines.append(json.dumps({"custom_id": key, "method": "POST", "url": ENDPOINT, "body": body}))
        upload = self.client.files.create(file=("batch.jsonl", "\n".join(lines).encode()), purpose="batch")
        batch = self.client.batches.create(input_file_id=upload.id, endpoint=ENDPOINT, completion_window="24h")
        write_json(state_path, {"batch_id": batch.id, "input_file_id": upload.id, "requests": len(keys)})

    def _collect(self, state_path: Path, descriptions: dict) -> None:
        state = json.loads(state_path.read_text(encoding="utf-8"))
        deadline = time.monotonic() + self.wait_seconds
        batch = self.client.batches.retrieve(state["batch_id"])
        while batch.status in RUNNING and time.monotonic() < deadline:
            time.sleep(self.poll_every)
            batch = self.client.batches.retrieve(state["batch_id"])
        if batch.status in RUNNING:
            raise BatchPending(
                f"judge {self.spec['name']!r}: batch {batch.id} ({state['requests']} requests) is {batch.status}; "
                "rerun the workflow later to collect it (nothing will be resubmitted)"
            )
        if batch.status != "completed":
            state_path.unlink()
            raise ValuePrefsError(
                f"judge {self.spec['name']!r}: batch {batch.id} ended as {batch.status}; rerun to resubmit"
            )
        for line in self.client.files.content(batch.output_file_id).text.splitlines():
            if not line.strip():
                continue
            record = json.loads(line)
            response = record.get("response") or {}
            if record["custom_id"] not in descriptions or response.get("status_code") != 200:
                continue  # failed requests stay uncached; the step sends them again one by one
            body = response["body"]
            usage = body.get("usage") or {}
            completion = {
                "text": body["choices"][0]["message"]["content"] or "",
                "seed": descriptions[record["custom_id"]][1].seed,
                "prompt_tokens": usage.get("prompt_tokens", 0),
                "completion_tokens": usage.get("completion_tokens", 0),
                "finish_reason": body["choices"][0].get("finish_reason") or "",
                "seconds": 0.0,
            }
            self.cache.put(record["custom_id"], descriptions[record["custom_id"]][0], [completion])
        state_path.unlink()
