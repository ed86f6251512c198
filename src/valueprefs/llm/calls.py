"""The call runner: cached results are read, missing calls are made and cached as they arrive."""

import logging
from collections.abc import Callable
from dataclasses import asdict

from tqdm import tqdm

from valueprefs.llm.requests import CallFailure, CallMeter, Completion, Request, ScoreRequest
from valueprefs.runtime.cache import DiskCache, call_key
from valueprefs.runtime.claims import claim as claim_calls

log = logging.getLogger("valueprefs.calls")


def run_calls(
    requests: list[Request | ScoreRequest],
    identity: dict,
    cache: DiskCache,
    backend_factory: Callable,
    meter: CallMeter,
    label: str = "calls",
    max_prompt_chars: int | None = None,
) -> list[object]:
    """Results of every request, in order: cached ones are read, the rest are made and cached.
    Identical requests (the same cache key) are made once and share one answer, within this job
    and across jobs running at once (``claims``), so a run and its cached rerun give the same
    results even where a backend is not deterministic.

    The backend is built only if some call is missing from the cache, so a finished job
    reruns without loading the model at all. ``identity`` names the model (``cache_identity``);
    what the backend sent and received is added to ``meter``. A request whose prompt is longer
    than ``max_prompt_chars`` is not sent (nor looked up): it fails naming its size.
    """
    descriptions = [{**identity, **request.describe()} for request in requests]
    keys = [call_key(d) for d in descriptions]
    oversized = _oversized(requests, max_prompt_chars)
    results: list[object] = [
        oversized[index] if index in oversized else cache.get(key, description)
        for index, (key, description) in enumerate(zip(keys, descriptions, strict=True))
    ]
    if oversized:
        log.warning("%d calls not sent: their prompt is over max_prompt_chars %d", len(oversized), max_prompt_chars)
    first: dict[str, int] = {}  # identical calls are made once and share the answer
    missing, copies = [], {}
    for index, result in enumerate(results):
        if result is None:
            if keys[index] in first:
                copies[index] = first[keys[index]]
            else:
                first[keys[index]] = index
                missing.append(index)
    log.info(
        "%d calls: %d from cache, %d to make, %d identical to one of those",
        len(requests), len(requests) - len(missing) - len(copies), len(missing), len(copies),
    )  # fmt: skip
    if not missing:
        return results
    calls = _Calls(requests, descriptions, keys, results, cache, backend_factory, label)
    try:
        while missing:
            missing = calls.make_or_wait(missing)
    finally:
        calls.close(meter)
    for index, source in copies.items():
        results[index] = results[source]
    return results


def prompt_chars(request: Request | ScoreRequest) -> int:
    """How many characters a request's prompt (or all its messages) holds."""
    if request.messages:
        return sum(len(str(message.get("content", ""))) for message in request.messages)
    return len(request.prompt or "")


def _oversized(requests: list[Request | ScoreRequest], limit: int | None) -> dict[int, CallFailure]:
    """The requests over ``limit`` characters, each with the failure that says so."""
    if limit is None:
        return {}
    sizes = {index: prompt_chars(request) for index, request in enumerate(requests)}
    return {
        index: CallFailure(
            f"prompt of {size:,} characters (about {size // 4:,} tokens) is over max_prompt_chars {limit:,}: not sent"
        )
        for index, size in sizes.items()
        if size > limit
    }


class _Calls:
    """The missing calls of one ``run_calls``, made by this job or by another running one."""

    def __init__(self, requests, descriptions, keys, results, cache, backend_factory, label):
        self.requests, self.descriptions, self.keys, self.results = requests, descriptions, keys, results
        self.cache, self.backend_factory, self.label = cache, backend_factory, label
        self.backend = None

    def make_or_wait(self, missing: list[int]) -> list[int]:
        """Claim the missing calls no other running job has claimed and make them; wait for the
        others' to end and read theirs. The calls still missing then (the other job failed
        or was killed) are returned, to be claimed again."""
        description = self.descriptions[missing[0]]
        claim = claim_calls(self.cache.folder(description), {self.keys[i] for i in missing})
        try:
            mine, theirs = [], []
            for index in missing:
                (mine if self.keys[index] in claim.mine else theirs).append(index)
            if self.cache.refresh(description):  # another job's batch ended before this claim
                mine = self._not_cached(mine)
            if mine:
                if self.backend is None:
                    self.backend = self.backend_factory()
                _make_calls(self.backend, self.requests, mine, self.descriptions, self.keys, self.results,
                            self.cache, self.label)  # fmt: skip
                self.cache.publish(description)  # readable by the jobs waiting for them
        finally:
            claim.release()
        if not theirs:
            return []
        log.info("%d calls are being made by other jobs; waiting for them", len(theirs))
        claim.wait()
        self.cache.refresh(description)
        return self._not_cached(theirs)

    def _not_cached(self, indices: list[int]) -> list[int]:
        for index in indices:
            self.results[index] = self.cache.get(self.keys[index], self.descriptions[index])
        return [index for index in indices if self.results[index] is None]

    def close(self, meter: CallMeter) -> None:
        if self.backend is not None:
            meter.add(self.backend.meter)
            self.backend.close()


def _make_calls(backend, requests, missing, descriptions, keys, results, cache, label) -> None:
    """Send the missing calls, generation first, then scoring; cache each result as it arrives."""
    progress = tqdm(total=len(missing), desc=label, unit="call", mininterval=1.0)
    for is_score in (False, True):
        batch = [i for i in missing if isinstance(requests[i], ScoreRequest) == is_score]
        if not batch:
            continue

        def sink(position: int, result: object, batch=batch) -> None:
            index = batch[position]
            if isinstance(result, CallFailure):
                results[index] = result
            else:
                stored = [asdict(c) if isinstance(c, Completion) else c for c in result]
                cache.put(keys[index], descriptions[index], stored)
                results[index] = stored
            progress.update(1)

        method = backend.score if is_score else backend.generate
        method([requests[i] for i in batch], sink)
    progress.close()
