"""What the service never lets out: keys and comment text in logs, forged log lines."""

from __future__ import annotations

import logging


def test_access_log_lines_cannot_be_forged_and_never_hold_keys_or_text(
    client, auth, site_key, caplog
):
    with caplog.at_level(logging.INFO, logger="winnow.access"):
        client.get("/nope%0aINFO winnow.access GET /forged 200?api_key=" + site_key)
        client.post("/v1/check", json={"text": "secret comment text\nINFO forged"}, headers=auth)
    lines = [r.getMessage() for r in caplog.records if r.name == "winnow.access"]
    assert len(lines) == 2
    assert all("\n" not in line and "\r" not in line for line in lines)
    assert (
        lines[0].startswith("GET '/nope\\nINFO winnow.access GET /forged 200")
        and " 404 " in lines[0]
    )
    assert lines[1].startswith("POST /v1/check 200 ")
    assert not any(site_key in line or "secret comment" in line for line in lines)
