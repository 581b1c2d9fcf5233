"""Scenario: sustained load at a rated rate on SQLite, with 2 uvicorn workers.

``wrk`` (from Debian) sends a mix, cycled per wrk thread: native ``/v1/check``
(49 %), Akismet ``/1.1/comment-check`` (49 %) and ``/v1/feedback`` (2 %, each
text distinct). Python and httpx could not offer 300 requests/s on 2 shared cores
next to the server, so wrk paces itself: each of ``--connections`` keep-alive
connections waits ``connections / rate`` seconds, less the warm-up's time per
answer, between an answer and its next request: about ``--rate`` requests/s
while the server keeps up, and less (a FAIL: the achieved rate is measured) when
it does not. A Lua ``response`` hook counts answers by kind and keeps the
feedback ids.

Runs: a 10 s warm-up and a 5 s calibration of the pace; then ``--requests``
requests (about requests/rate s); then a lull of ``LULL_S`` s (longer than anyio's
10 s idle-thread timeout) and a 10 s burst.

Rated load: 300 requests/s with p99 <= 50 ms. PASS needs: no failed request, the
achieved rate within 2 % of the offered rate, p99 within the target, each
worker's RSS grown < 10 % from warm-up to the end, its open file descriptors
grown by at most ``FD_SLACK`` and its SQLite connections, at rest, no more than
the store's pool keeps idle, and every acknowledged feedback id in the database.

    .venv/bin/python benchmarks/scenario_load.py [--rate 300] [--requests 100000]
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote_plus, urlencode

from bench_service import WrkRun, lua_string, lua_table, parse_wrk
from scenario_tools import (
    HAM,
    SITE,
    SPAM,
    Service,
    describe,
    finish,
    open_files,
    rss_mib,
    running,
    service_env,
    worker_pids,
)
from winnow.store import SQLITE_IDLE_CONNECTIONS

P99_TARGET_MS = 50.0
RSS_GROWTH = 0.10
FD_SLACK = 4
WARMUP_S = 10
CALIBRATION_S = 5
LULL_S = 12
BURST_S = 10


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=300.0, help="offered requests/s")
    parser.add_argument("--requests", type=int, default=100_000, help="requests in the main run")
    parser.add_argument("--p99", type=float, default=P99_TARGET_MS, help="p99 target, ms")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    return parser.parse_args()


@dataclass(frozen=True)
class Snapshot:
    """One worker's RSS (MiB), open descriptors, SQLite descriptors (database, -wal,
    -shm), SQLite connections (descriptors of the database file itself) and threads."""

    rss: float
    fds: int
    db_fds: int
    connections: int
    threads: int


def snapshot(pids: list[int], db: Path) -> dict[int, Snapshot]:
    result = {}
    for pid in pids:
        files = open_files(pid)
        db_fds = sum(1 for f in files if f.startswith(str(db)))
        connections = files.count(str(db))
        threads = len(list(Path(f"/proc/{pid}/task").iterdir()))
        result[pid] = Snapshot(rss_mib(pid), len(files), db_fds, connections, threads)
    return result


LUA = """
local pause = 0
native, akismet, feedback, errors, ids, last_error = 0, 0, 0, 0, "", ""
local threads, made, n = {}, 0, 0

setup = function(thread)
  made = made + 1
  thread:set("tid", made)
  table.insert(threads, thread)
end

init = function(args) pause = tonumber(args[1]) end

delay = function() return pause end

request = function()
  n = n + 1
  local i = n % #json_texts + 1
  local mark = " [scenario " .. tid .. "-" .. n .. "]"
  if n % 50 == 49 then
    local label = (math.floor(n / 50) % 2 == 1) and "spam" or "ham"
    local body = json_texts[i] .. mark .. '","label":"' .. label .. '"}'
    return wrk.format("POST", "/v1/feedback", json_headers, body)
  elseif n % 2 == 1 then
    local body = form_prefix .. form_texts[i] .. "+%5Bscenario+" .. tid .. "-" .. n .. "%5D"
    return wrk.format("POST", "/1.1/comment-check", form_headers, body)
  end
  return wrk.format("POST", "/v1/check", json_headers, json_texts[i] .. mark .. '"}')
end

response = function(status, headers, body)
  if status == 201 then
    feedback = feedback + 1
    ids = ids .. (body:match('"id":(%d+)') or "?") .. " "
  elseif status == 200 and body:sub(1, 1) == "{" then
    native = native + 1
  elseif status == 200 then
    akismet = akismet + 1
  else
    errors = errors + 1
    last_error = status .. " " .. body:sub(1, 120)
  end
end

done = function(summary, latency, requests)
  local t, all_ids, last = {native=0, akismet=0, feedback=0, errors=0}, "", ""
  for _, thread in ipairs(threads) do
    for k, _ in pairs(t) do t[k] = t[k] + thread:get(k) end
    all_ids = all_ids .. thread:get("ids")
    if thread:get("last_error") ~= "" then last = thread:get("last_error") end
  end
  io.write(string.format("RESULT native=%d akismet=%d feedback=%d errors=%d\\n",
    t.native, t.akismet, t.feedback, t.errors))
  io.write("IDS " .. all_ids .. "\\n")
  io.write("LAST_ERROR " .. last .. "\\n")
end
"""


def lua_headers(headers: dict[str, str]) -> str:
    pairs = (f"[ {lua_string(k)} ] = {lua_string(v)}" for k, v in headers.items())
    return "{" + ", ".join(pairs) + "}"


def wrk_script(service: Service, path: Path) -> Path:
    """The Lua script: the comments (JSON- and form-encoded) and headers, then ``LUA``."""
    texts = SPAM + HAM
    fields = {"api_key": service.key, "blog": SITE, "user_ip": "203.0.113.7"}
    json_headers = {"Content-Type": "application/json", **service.auth}
    form_headers = {"Content-Type": "application/x-www-form-urlencoded"}
    json_texts = ['{"text":' + json.dumps(t)[:-1] for t in texts]  # the closing '"}' comes later
    path.write_text(
        f"json_texts = {lua_table(json_texts)}\n"
        f"form_texts = {lua_table([quote_plus(t) for t in texts])}\n"
        f"form_prefix = {lua_string(urlencode(fields) + '&comment_content=')}\n"
        f"json_headers = {lua_headers(json_headers)}\n"
        f"form_headers = {lua_headers(form_headers)}\n{LUA}"
    )
    return path


@dataclass(frozen=True)
class Phase:
    """One wrk run: wrk's figures, answers by kind, the feedback ids, wrk's CPU (s)."""

    name: str
    wrk: WrkRun
    answers: dict[str, int]
    ids: list[int]
    last_error: str
    cpu_s: float
    seconds: float


def run_wrk(
    service: Service, script: Path, pace: tuple[int, float], seconds: float, name: str
) -> Phase:
    """wrk for ``seconds`` with ``pace``: so many connections, each waiting so many ms
    between an answer and its next request."""
    connections, pause_ms = pace
    command = [
        shutil.which("wrk") or "wrk",
        "--threads=2",
        f"--connections={connections}",
        f"--duration={max(1, round(seconds))}s",
        "--timeout=10s",
        "--latency",
        f"--script={script}",
        service.url,
        "--",
        str(max(0, round(pause_ms))),
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(command, capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode or "RESULT" not in done.stdout:
        sys.exit(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    answers = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", done.stdout.split("RESULT")[1])}
    ids = [int(i) for i in re.search(r"^IDS (.*)$", done.stdout, re.M)[1].split()]
    last = re.search(r"^LAST_ERROR (.*)$", done.stdout, re.M)[1]
    return Phase(name, parse_wrk(done.stdout), answers, ids, last, cpu, seconds)


def show(phase: Phase) -> None:
    """One line of figures for a phase."""
    w, a = phase.wrk, phase.answers
    print(
        f"  {phase.name}: {w.requests:,} requests, {w.rps:.1f} req/s; p50 {w.latency_ms[50]:.1f} "
        f"ms, p90 {w.latency_ms[90]:.1f} ms, p99 {w.latency_ms[99]:.1f} ms; native {a['native']:,}"
        f", akismet {a['akismet']:,}, feedback {a['feedback']:,}; errors {a['errors']} "
        f"({w.errors()}){' last: ' + phase.last_error if phase.last_error else ''}; "
        f"wrk CPU {phase.cpu_s:.1f} s ({phase.cpu_s / phase.seconds:.0%} of a core)"
    )


def stored_ids(db: Path) -> set[int]:
    with closing(sqlite3.connect(db)) as connection:
        return {row[0] for row in connection.execute("SELECT id FROM feedback")}


def paced(args: argparse.Namespace, pause_ms: float, run: Phase) -> tuple[int, float]:
    """The pace for ``--rate``: each connection sends every pause + time per answer, so
    the pause is corrected by what ``run`` (sent with ``pause_ms``) fell short or over."""
    period_ms = args.connections / args.rate * 1e3
    return args.connections, pause_ms + period_ms - args.connections / run.wrk.rps * 1e3


def run_phases(service: Service, db: Path, args: argparse.Namespace) -> tuple[list[Phase], dict]:
    """Warm-up, main run, lull and burst; the phases and the workers' snapshots."""
    script = wrk_script(service, db.parent / "mix.lua")
    pids = worker_pids(service.pid)
    period_ms = args.connections / args.rate * 1e3
    warm = run_wrk(service, script, (args.connections, period_ms), WARMUP_S, "warm-up")
    pace = paced(args, period_ms, warm)
    calibration = run_wrk(service, script, pace, CALIBRATION_S, "calibration")
    pace = paced(args, pace[1], calibration)
    snapshots = {"after warm-up": snapshot(pids, db)}
    main = run_wrk(service, script, pace, args.requests / args.rate, "main run")
    snapshots["end of main run"] = snapshot(pids, db)
    time.sleep(LULL_S)
    burst = run_wrk(service, script, pace, BURST_S, f"burst after {LULL_S} s idle")
    snapshots["after lull + burst"] = snapshot(pids, db)
    return [warm, calibration, main, burst], snapshots


def figures(snap: Snapshot) -> str:
    return (
        f"RSS {snap.rss:.1f} MiB, fds {snap.fds}, SQLite fds {snap.db_fds}, "
        f"connections {snap.connections}, threads {snap.threads}"
    )


def grown(pid: int, before: Snapshot, now: Snapshot, name: str) -> list[str]:
    """What grew from the warm-up to ``now`` beyond the limits."""
    failures = []
    if now.rss / before.rss - 1 >= RSS_GROWTH:
        failures.append(f"worker {pid} RSS {before.rss:.0f} -> {now.rss:.0f} MiB ({name})")
    if now.fds > before.fds + FD_SLACK:
        failures.append(f"worker {pid} fds {before.fds} -> {now.fds} ({name})")
    if now.connections > SQLITE_IDLE_CONNECTIONS:
        failures.append(
            f"worker {pid} holds {now.connections} SQLite connections, more than the "
            f"{SQLITE_IDLE_CONNECTIONS} its pool keeps ({name})"
        )
    if now.connections > now.threads:
        failures.append(
            f"worker {pid} holds {now.connections} SQLite connections with "
            f"{now.threads} threads alive ({name})"
        )
    return failures


def judge_workers(snapshots: dict[str, dict[int, Snapshot]]) -> list[str]:
    """Prints each worker's snapshots; fails growth from the warm-up to the last one."""
    failures = []
    (first, start), *later = snapshots.items()
    for pid, before in start.items():
        print(f"  worker {pid}: {first}: {figures(before)}")
        for name, snaps in later:
            now = snaps.get(pid, Snapshot(0, 0, 0, 0, 0))
            print(f"    {name}: {figures(now)} (RSS {now.rss / before.rss - 1:+.1%})")
        failures += grown(pid, before, now, name)
    return failures


def judge(phases: list[Phase], args: argparse.Namespace, stored: set[int]) -> list[str]:
    """Prints each phase; returns what fails the scenario (errors, rate, p99, lost ids)."""
    for phase in phases:
        show(phase)
    main = phases[2]
    errors = sum(p.answers["errors"] + p.wrk.non_2xx for p in phases)
    socket_errors = [p.wrk.socket_errors for p in phases if p.wrk.socket_errors]
    acknowledged = {i for p in phases for i in p.ids}
    lost = acknowledged - stored
    print(f"feedback: {len(acknowledged)} acknowledged (201), {len(lost)} missing from the store")
    failures = [f"{errors} failed requests"] if errors else []
    failures += [f"socket errors {socket_errors}"] if socket_errors else []
    if main.wrk.rps < 0.98 * args.rate:
        failures.append(f"main run reached {main.wrk.rps:.0f} of {args.rate:g} req/s")
    if main.wrk.latency_ms[99] > args.p99:
        failures.append(f"main run p99 {main.wrk.latency_ms[99]:.1f} ms > {args.p99:g} ms")
    return failures + ([f"{len(lost)} acknowledged feedback missing"] if lost else [])


def main() -> None:
    args = parse_args()
    if shutil.which("wrk") is None:
        finish(["wrk is not installed: apt-get install -y wrk"])
    print(f"host: {describe()}")
    print(
        f"scenario: load, 2 workers, SQLite; {args.requests:,} requests at {args.rate:g} req/s "
        f"(wrk, {args.connections} paced keep-alive connections; 49% native, 49% Akismet, "
        f"2% feedback); target p99 <= {args.p99:g} ms"
    )
    with tempfile.TemporaryDirectory(prefix="winnow-load-") as tmp:
        db = Path(tmp) / "winnow.db"
        with running(service_env(f"sqlite:///{db}"), Path(tmp)) as service:
            phases, snapshots = run_phases(service, db, args)
        failures = judge(phases, args, stored_ids(db))
    print("workers:")
    finish(failures + judge_workers(snapshots))


if __name__ == "__main__":
    main()
