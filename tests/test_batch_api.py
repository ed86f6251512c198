"""Batch API mode against a local server speaking the Files + Batches wire protocol."""

import pytest
from servers import BatchAPIServer
from test_annotation import OFFLINE, SETTINGS, run

from valueprefs.annotation.batch import BatchPending


def reply(messages):
    return "4" if messages[0]["content"].startswith("Analyze the given argument") else "List supporting values: care"


def test_submit_poll_collect_and_no_resubmission_after_a_kill(tmp_path):
    settings = {**SETTINGS, "specificity": ["path"]}
    with BatchAPIServer(reply, polls_before_done=1) as server:
        judge = {"name": "gpt-4o", "backend": "openai", "model": "gpt-4o", "base_url": server.base_url}
        judge.update(steps=["specificity"], batch=True, batch_wait=0)
        with pytest.raises(BatchPending, match=r"batch batch_1 \(4 requests\) is in_progress"):
            run(tmp_path, [OFFLINE, judge], settings)
        assert server.log.count("POST /v1/batches") == 1 and server.log.count("POST /v1/files") == 1
        # The job was stopped here (as by a kill): the rerun polls the recorded batch, submits nothing.
        summary, arguments, _ = run(tmp_path, [OFFLINE, judge], settings)
        assert server.log.count("POST /v1/batches") == 1
        assert "GET /v1/files/file-2/content" in server.log
        assert [a["specificity_path"] for a in arguments] == [4, 4, 4, 4]
        assert summary["statuses"]["gpt-4o/specificity_path/ok"] == 4
        again, _, _ = run(tmp_path, [OFFLINE, judge], settings, name="again")
        assert server.log.count("POST /v1/batches") == 1 and again["judge_calls"] == 0


def test_waiting_run_collects_in_one_go(tmp_path):
    settings = {**SETTINGS, "specificity": ["path"]}
    with BatchAPIServer(reply, polls_before_done=2) as server:
        judge = {"name": "gpt-4o", "backend": "openai", "model": "gpt-4o", "base_url": server.base_url}
        judge.update(steps=["values"], batch=True, batch_wait=10, batch_poll=0.05)
        summary, _, _ = run(tmp_path, [OFFLINE, judge], settings)
    assert summary["statuses"]["gpt-4o/values/ok"] == 4
    assert server.log.count("POST /v1/batches") == 1
    assert server.log.count("GET /v1/batches/batch_1") == 3
