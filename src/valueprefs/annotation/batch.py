"""OpenAI Batch API mode for judges: a submit step and a poll-and-collect step.

``submit_requests`` uploads the requests of one judge step that are not in the cache yet as one
batch file and records the batch id in a state file under ``cache_dir/batches``, named after
the set of missing calls: submitting the same calls again finds that file and sends nothing.
``collect_answers`` polls the recorded batch (waiting up to ``batch_wait`` seconds) and writes
every answer into the disk cache, where the annotation step then finds it like any other.
A batch that failed, expired or was cancelled is forgotten, so a forced submit sends it again.
"""

import json
import time
from pathlib import Path

from valueprefs.errors import ValuePrefsError
from valueprefs.io import read_json, write_json
from valueprefs.llm.backends import cache_identity
from valueprefs.llm.requests import Request
from valueprefs.runtime.cache import DiskCache, call_key
from valueprefs.secrets import api_key_from_env, scrub

RUNNING = ("validating", "in_progress", "finalizing", "cancelling")
ENDPOINT = "/v1/chat/completions"


class BatchPending(ValuePrefsError):
    """A batch is still running: rerun later to collect it."""


def _client(spec: dict):
    from openai import OpenAI

    return OpenAI(
        base_url=spec.get("base_url"),
        api_key=api_key_from_env(spec.get("api_key_env")),
        max_retries=spec["max_retries"],
        timeout=spec["timeout"],
    )


def _described(spec: dict, requests: list[Request], cache_dir: str | Path) -> dict[str, tuple[dict, Request]]:
    """Cache key -> (call description, request), exactly as the annotation step keys them."""
    identity = cache_identity(spec, Path(cache_dir) / "models")
    described = {}
    for request in requests:
        description = {**identity, **request.describe()}
        described[call_key(description)] = (description, request)
    return described


def submit_requests(spec: dict, requests: list[Request], cache_dir: str | Path) -> dict:
    """Submit the uncached requests (once); the state records batch id and the calls in it."""
    cache = DiskCache(Path(cache_dir) / "calls")
    described = _described(spec, requests, cache_dir)
    missing = sorted(key for key, (description, _) in described.items() if not cache.has(key, description))
    if not missing:
        return {"judge": spec["name"], "batch_id": None, "requests": 0}
    state_path = Path(cache_dir) / "batches" / f"{call_key({'judge': spec['name'], 'keys': missing})}.json"
    if state_path.exists():
        return read_json(state_path)
    lines = []
    for key in missing:
        request = described[key][1]
        body = {
            "model": spec["model"],
            "messages": list(request.messages),
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
            "seed": request.seed,
        }
        lines.append(json.dumps({"custom_id": key, "method": "POST", "url": ENDPOINT, "body": body}))
    client = _client(spec)
    upload = client.files.create(file=("batch.jsonl", "\n".join(lines).encode()), purpose="batch")
    batch = client.batches.create(input_file_id=upload.id, endpoint=ENDPOINT, completion_window="24h")
    state = {
        "judge": spec["name"],
        "batch_id": batch.id,
        "input_file_id": upload.id,
        "requests": len(missing),
        "calls": {key: described[key][0] for key in missing},
        "state_file": str(state_path),
    }
    write_json(state_path, state)
    return state


def collect_answers(spec: dict, state: dict, cache_dir: str | Path, wait_seconds: float, poll_every: float) -> dict:
    """Poll a submitted batch and put its answers in the cache; BatchPending if still running."""
    if state["batch_id"] is None:
        return {"judge": spec["name"], "batch_id": None, "collected": 0, "failed": 0}
    client = _client(spec)
    deadline = time.monotonic() + wait_seconds
    batch = client.batches.retrieve(state["batch_id"])
    while batch.status in RUNNING and time.monotonic() < deadline:
        time.sleep(poll_every)
        batch = client.batches.retrieve(state["batch_id"])
    if batch.status in RUNNING:
        raise BatchPending(
            f"judge {spec['name']!r}: batch {batch.id} ({state['requests']} requests) is {batch.status}; "
            "rerun the workflow later to collect it (nothing will be resubmitted)"
        )
    if batch.status != "completed":
        Path(state["state_file"]).unlink(missing_ok=True)
        raise ValuePrefsError(
            f"judge {spec['name']!r}: batch {batch.id} ended as {batch.status}; "
            "submit it again with `snakemake --forcerun batch_submit`"
        )
    cache = DiskCache(Path(cache_dir) / "calls")
    calls = state["calls"]
    collected = failed = 0
    for line in client.files.content(batch.output_file_id).text.splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        response = record.get("response") or {}
        if record.get("custom_id") not in calls or response.get("status_code") != 200:
            failed += 1  # a failed request stays uncached: the annotation step sends it by itself
            continue
        body = response["body"]
        usage = body.get("usage") or {}
        completion = {
            "text": scrub(body["choices"][0]["message"]["content"] or ""),
            "seed": calls[record["custom_id"]].get("seed"),
            "prompt_tokens": usage.get("prompt_tokens", 0),
            "completion_tokens": usage.get("completion_tokens", 0),
            "cached_input_tokens": (usage.get("prompt_tokens_details") or {}).get("cached_tokens") or 0,
            "finish_reason": body["choices"][0].get("finish_reason") or "",
            "seconds": 0.0,
        }
        cache.put(record["custom_id"], calls[record["custom_id"]], [completion])
        collected += 1
    return {"judge": spec["name"], "batch_id": batch.id, "collected": collected, "failed": failed}
