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
    Identical requests (the same cache key) are made once and share one answer, so a run and
    its cached rerun give the same results even where a backend is not deterministic.

    The backend is built only if some call is missing from the cache, so a finished job
    reruns without loading the model at all. ``identity`` names the model (``cache_identity``);
    what the backend sent and received is added to ``meter``.
    """
    descriptions = [{**identity, **request.describe()} for request in requests]
    keys = [call_key(d) for d in descriptions]
    results: list[object] = [cache.get(key, description) for key, description in zip(keys, descriptions, strict=True)]
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
    backend = backend_factory()
    try:
        _make_calls(backend, requests, missing, descriptions, keys, results, cache, label)
    finally:
        meter.add(backend.meter)
        backend.close()
    for index, source in copies.items():
        results[index] = results[source]
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
