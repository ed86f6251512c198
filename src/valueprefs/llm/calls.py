"""The call runner: cached results are read, missing calls are made and cached as they arrive."""

import logging
from collections.abc import Callable
from dataclasses import asdict

from tqdm import tqdm

from valueprefs.llm.cache import DiskCache, call_key
from valueprefs.llm.requests import CallFailure, CallMeter, Completion, Request, ScoreRequest

log = logging.getLogger("valueprefs.calls")


def run_calls(
    requests: list[Request | ScoreRequest],
    identity: dict,
    cache: DiskCache,
    backend_factory: Callable,
    meter: CallMeter,
    label: str = "calls",
) -> list[object]:
    """Results of every request, in order: cached ones are read, the rest are made and cached.

    The backend is built only if some call is missing from the cache, so a finished job
    reruns without loading the model at all. ``identity`` names the model (``cache_identity``);
    what the backend sent and received is added to ``meter``.
    """
    descriptions = [{**identity, **request.describe()} for request in requests]
    keys = [call_key(d) for d in descriptions]
    results: list[object] = [cache.get(key) for key in keys]
    missing = [i for i, result in enumerate(results) if result is None]
    log.info("%d calls: %d from cache, %d to make", len(requests), len(requests) - len(missing), len(missing))
    if not missing:
        return results
    backend = backend_factory()
    try:
        _make_calls(backend, requests, missing, descriptions, keys, results, cache, label)
    finally:
        meter.add(backend.meter)
        backend.close()
    return results


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
