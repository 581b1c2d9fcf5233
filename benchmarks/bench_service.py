"""Benchmark: single-comment checks over HTTP, next to a no-op route of the same server.

Sets up a temporary SQLite database and API key, and starts one server: the
service's app with a trivial extra route (``noop_app.py``: ``POST /bench/noop``
answers ``false`` and reads nothing), served the way ``winnow serve`` serves the
app (uvicorn, factory mode, ``--workers``, access log off, same options), on a
free loopback port. So the no-op goes through the same app, middleware, server
and workers as the checks. It warms each route up and measures
``POST /1.1/comment-check`` (Akismet form), ``POST /v1/check`` (native JSON) and
``POST /bench/noop`` in two modes:

* saturation: ``wrk`` (closed loop, ``--connections`` connections), p50/p99 from
  its ``--latency`` distribution; ``--rounds`` runs per route, the routes taking turns,
  each route's row its median run and its ratio the median of the rounds' ratios;
* fixed load: an open-loop asyncio + httpx generator at ``--rate`` requests/s
  (plain wrk cannot fix the rate), one connection per request, latency counted
  from each request's scheduled send time, so a server that falls behind shows it.

Below the table, each row's error counts (wrk's non-2xx and socket errors) and how
the uvicorn workers shared the CPU during it.

The load generator runs on the same machine, so it competes with the server for CPU.
Requests alternate between a few spam and ham comments.

    .venv/bin/python benchmarks/bench_service.py [--duration 10] [--warmup 3]
        [--connections 16] [--threads 2] [--workers 2] [--rate 200] [--rounds 3]
        [--models-dir models]
        [--check-log metadata] [--json results.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from importlib.metadata import version
from pathlib import Path
from urllib.parse import urlencode

import httpx

from benchtools import describe  # benchmarks/ is on sys.path when a script here runs

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SITE = "https://news.example.com"
NOOP_PATH = "/bench/noop"
READY_TIMEOUT = 90.0
WRK_TIMEOUT = "10s"

SPAM = [
    "Great article!! I make $400 a day working from home with this simple trick, "
    "see http://quick-cash-daily.example.biz before they take it down",
    "Cheap replica watches and designer bags, 80% off this week only. Free shipping "
    "worldwide: www.best-replica-deals.example.ru",
    "Need a loan fast? No credit check, approval in 10 minutes. WhatsApp +1 555 0199 "
    "or visit http://easy-loans-now.example.top",
    "BUY FOLLOWERS AND LIKES cheap!!! 10k instagram followers for $9.99 visit "
    "social-boost-pro.example.xyz now",
]
HAM = [
    "The council already cut the library hours last year. I'd like to know where the "
    "money from the parking increase actually went.",
    "Good piece, but the chart in the third paragraph seems to mix up 2022 and 2023 figures.",
    "My kids go to that school and the new crossing guard has made a real difference "
    "at drop-off. Thanks for covering this.",
    "I disagree with the columnist here: the bus lane has made my commute shorter, "
    "not longer, and the buses are fuller than before.",
]


@dataclass(frozen=True)
class Target:
    """One endpoint to load: its label, URL, headers and the bodies it cycles through."""

    label: str
    url: str
    headers: dict[str, str]
    bodies: list[str]


@dataclass(frozen=True)
class Result:
    """One measurement row."""

    endpoint: str
    mode: str
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: str
    split: str = ""
    ratio: float | None = None  # to the no-op route, where measured in rounds
    rounds: str = ""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measurement")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of warm-up per target")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers for both servers")
    parser.add_argument("--rate", type=float, default=200.0, help="fixed offered load, req/s")
    parser.add_argument(
        "--rounds", type=int, default=3, help="saturation runs per route, the routes taking turns"
    )
    parser.add_argument("--models-dir", type=Path, default=ROOT / "models")
    parser.add_argument(
        "--check-log", choices=["off", "metadata", "full"], default="metadata", help="the service's"
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    if args.connections < args.threads:
        parser.error("--connections must be at least --threads (wrk's rule)")
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    return args


def require_tools(models_dir: Path) -> str:
    """The path of ``wrk``; exits with a clear message if it or the model is missing."""
    wrk = shutil.which("wrk")
    if wrk is None:
        sys.exit("wrk is not on PATH: install it with `apt-get install wrk` (Debian/Ubuntu).")
    if not (models_dir / "current").is_file():
        sys.exit(f"no promoted model in {models_dir}: run make train first")
    return wrk


def machine(wrk: str) -> str:
    """Cores, CPU, Python and library versions, as a few lines."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown CPU",
    )
    wrk_version = subprocess.run([wrk, "--version"], capture_output=True, text=True).stdout
    libs = ", ".join(
        f"{name} {version(name)}" for name in ("fastapi", "uvicorn", "scikit-learn", "httpx")
    )
    return "\n".join(
        [
            f"machine: {len(os.sched_getaffinity(0))} cores ({cpu}), {platform.platform()}",
            f"python: {platform.python_version()}; {libs}",
            f"load generator: {wrk_version.split(' [')[0].strip()}; httpx open loop",
        ]
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def create_key(env: dict[str, str]) -> str:
    """A fresh API key for ``SITE`` (the command also creates the database)."""
    done = subprocess.run(
        [str(BIN / "winnow"), "keys", "add", "--site", SITE],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        sys.exit(f"winnow keys add failed:\n{done.stderr}")
    return done.stdout.strip()


def uvicorn_app(port: int, workers: int) -> list[str]:
    """The service's app plus the no-op route, with the uvicorn options ``winnow serve``
    uses (see ``winnow.cli.serve``)."""
    return [
        str(BIN / "python"),
        "-m",
        "uvicorn",
        "noop_app:create_app",
        "--factory",
        "--app-dir",
        str(Path(__file__).resolve().parent),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "info",
        "--no-access-log",
        "--proxy-headers",
        "--no-server-header",
    ]


@contextmanager
def serving(
    command: list[str], env: dict[str, str], log: Path, ready: Callable[[], bool]
) -> Iterator[int]:
    """Runs a server until the block ends; waits until ``ready()`` first; yields its pid."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, env=env, cwd=log.parent, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        wait_ready(process, log, ready)
        yield process.pid
    finally:
        stop(process)


def wait_ready(process: subprocess.Popen[bytes], log: Path, ready: Callable[[], bool]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"server exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        try:
            if ready():
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    stop(process)
    sys.exit(f"server not ready after {READY_TIMEOUT:.0f} s:\n{log.read_text()[-3000:]}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGINT (uvicorn's graceful stop, workers included), then kill if it hangs."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def worker_cpu(server: int) -> dict[int, float]:
    """CPU seconds used so far by each uvicorn worker (spawned children) of ``server``."""
    ticks = os.sysconf("SC_CLK_TCK")
    used = {}
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(stat[1]) == server and b"spawn_main" in (entry / "cmdline").read_bytes():
                used[int(entry.name)] = (int(stat[11]) + int(stat[12])) / ticks
        except (OSError, ValueError, IndexError):
            continue
    return used


def cpu_shares(before: dict[int, float], after: dict[int, float]) -> tuple[list[float], float]:
    """Each worker's share of the CPU the workers used in between, and that CPU (s)."""
    spent = [after[pid] - before.get(pid, 0.0) for pid in sorted(after)]
    total = sum(spent)
    return ([s / total for s in spent] if total > 0 else []), total


def describe_split(shares: list[float], total: float) -> str:
    """E.g. ``48/52% of 9.6 CPU s``."""
    if not shares:
        return "n/a"
    return "/".join(f"{100 * s:.0f}" for s in shares) + f"% of {total:.1f} CPU s"


def balanced(shares: list[float]) -> bool:
    """No worker did more than 75% of the work (always true for one worker)."""
    return len(shares) < 2 or max(shares) <= 0.75


def with_split(row: Callable[[], Result], server: int, retries: int) -> Result:
    """Runs a measurement and notes how the workers shared the CPU during it.

    When one worker got most of the connections, measures again (up to ``retries``
    more times) and says so in the note.
    """
    for attempt in range(retries + 1):
        before = worker_cpu(server)
        result = row()
        shares, total = cpu_shares(before, worker_cpu(server))
        split = describe_split(shares, total)
        if balanced(shares) or attempt == retries:
            break
        print(f"    uneven worker split ({split}), measuring again", file=sys.stderr)
    if attempt:
        split += f" (measured {attempt + 1} times: earlier runs put the connections unevenly)"
    if not balanced(shares):
        split += " UNEVEN: one worker did most of the work"
    return replace(result, split=split)


def answers(url: str, method: str = "GET", **kwargs: object) -> Callable[[], bool]:
    """A readiness probe: true when ``url`` answers 200."""
    return lambda: httpx.request(method, url, timeout=2, **kwargs).status_code == 200


def akismet_body(key: str, text: str, n: int) -> str:
    return urlencode(
        {
            "api_key": key,
            "blog": SITE,
            "user_ip": f"203.0.113.{10 + n}",
            "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
            "comment_type": "comment",
            "comment_author": f"reader{n}",
            "comment_content": text,
            "permalink": f"{SITE}/2026/11/council-budget-vote",
        }
    )


def targets(base: str, key: str) -> list[Target]:
    """The two winnow endpoints, each cycling spam and ham comments."""
    texts = [text for pair in zip(SPAM, HAM, strict=True) for text in pair]
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    native = {"Content-Type": "application/json", "Authorization": f"Bearer {key}"}
    return [
        Target(
            "/1.1/comment-check",
            f"{base}/1.1/comment-check",
            form,
            [akismet_body(key, text, n) for n, text in enumerate(texts)],
        ),
        Target(
            "/v1/check",
            f"{base}/v1/check",
            native,
            [json.dumps({"text": text}) for text in texts],
        ),
    ]


def noop_target(base: str, key: str) -> Target:
    """The no-op endpoint, sent the same Akismet form bodies (it ignores them)."""
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    bodies = [akismet_body(key, text, n) for n, text in enumerate(SPAM + HAM)]
    return Target(f"{NOOP_PATH} (no-op)", f"{base}{NOOP_PATH}", form, bodies)


def sanity(service: list[Target]) -> str:
    """What the service answers for the first spam and first ham comment of each endpoint."""
    parts = []
    for target in service:
        got = [httpx.post(target.url, content=b, headers=target.headers) for b in target.bodies[:2]]
        shown = [f"{r.status_code} {answer(r)}" for r in got]
        parts.append(f"{target.label}: spam -> {shown[0]}, ham -> {shown[1]}")
    return "sanity check: " + "; ".join(parts)


def answer(response: httpx.Response) -> str:
    """``true``/``false`` (Akismet), the verdict (native), or the start of an error."""
    if response.status_code == 200 and response.headers["content-type"].startswith("text/"):
        return response.text
    if response.status_code == 200:
        return str(response.json().get("verdict"))
    return response.text[:120]


def lua_string(value: str) -> str:
    """A Lua long-bracket literal (no escaping needed)."""
    level = 0
    while f"]{'=' * level}]" in value:
        level += 1
    eq = "=" * level
    return f"[{eq}[{value}]{eq}]"


def lua_table(values: list[str]) -> str:
    return "{" + ", ".join(lua_string(v) for v in values) + "}"


def wrk_script(target: Target, path: Path) -> Path:
    """A wrk script that sends POSTs cycling through the target's bodies."""
    headers = ", ".join(f"[ {lua_string(k)} ] = {lua_string(v)}" for k, v in target.headers.items())
    url_path = "/" + target.url.split("/", 3)[3]
    path.write_text(
        f"""local bodies = {lua_table(target.bodies)}
local requests = {{}}
local i = 0
init = function(args)
  for n, body in ipairs(bodies) do
    requests[n] = wrk.format("POST", {lua_string(url_path)}, {{{headers}}}, body)
  end
end
request = function()
  i = i % #requests + 1
  return requests[i]
end
"""
    )
    return path


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4, "h": 3.6e6}


def to_ms(value: str, unit: str) -> float:
    return float(value) * UNITS[unit]


@dataclass(frozen=True)
class WrkRun:
    """What one wrk run reports."""

    rps: float
    latency_ms: dict[int, float]
    requests: int
    non_2xx: int
    socket_errors: str

    def errors(self) -> str:
        parts = [f"non-2xx {self.non_2xx}"] if self.non_2xx else []
        parts += [f"socket errors: {self.socket_errors}"] if self.socket_errors else []
        return "; ".join(parts) or "none"


def parse_wrk(output: str) -> WrkRun:
    """Requests/s, latency percentiles (ms), request and error counts from wrk's output."""
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in", output)
    if rps is None or total is None:
        sys.exit(f"could not parse wrk output:\n{output}")
    percentiles = {
        int(m[1]): to_ms(m[2], m[3])
        for m in re.finditer(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s|m|h)\s*$", output, re.MULTILINE)
    }
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.+)", output)
    return WrkRun(
        float(rps[1]),
        percentiles,
        int(total[1]),
        int(non_2xx[1]) if non_2xx else 0,
        socket_errors[1].strip() if socket_errors else "",
    )


def run_wrk(
    wrk: str, target: Target, args: argparse.Namespace, seconds: float, tmp: Path
) -> WrkRun:
    script = wrk_script(target, tmp / "post.lua")
    command = [
        wrk,
        f"--threads={args.threads}",
        f"--connections={args.connections}",
        f"--duration={max(1, round(seconds))}s",
        f"--timeout={WRK_TIMEOUT}",
        "--latency",
        f"--script={script}",
        target.url,
    ]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return parse_wrk(done.stdout)


def saturation(wrk: str, target: Target, args: argparse.Namespace, tmp: Path) -> Result:
    run = run_wrk(wrk, target, args, args.duration, tmp)
    mode = f"saturation ({args.connections} conns)"
    latency = run.latency_ms
    return Result(target.label, mode, run.rps, latency[50], latency[99], run.requests, run.errors())


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of sorted values."""
    if not sorted_values:
        return float("nan")
    rank = max(1, round(q / 100 * len(sorted_values) + 0.5))
    return sorted_values[min(rank, len(sorted_values)) - 1]


async def open_loop(
    target: Target, rate: float, duration: float, warmup: float
) -> tuple[list[float], int, float]:
    """Sends at a fixed rate whatever the answers; latencies (ms) after ``warmup``.

    Returns the latencies of the measured 2xx answers, the measured failures, and
    the seconds from the first measured send to the last measured answer.
    """
    # No keep-alive: a connection per request, like a typical Akismet plugin, so that
    # the requests spread over the workers (a few kept connections may stick to one).
    limits = httpx.Limits(max_connections=1000, max_keepalive_connections=0)
    latencies: list[float] = []
    failures = 0
    last = 0.0

    async def send(client: httpx.AsyncClient, body: str, scheduled: float, kept: bool) -> None:
        nonlocal failures, last
        try:
            response = await client.post(target.url, content=body, headers=target.headers)
            ok = 200 <= response.status_code < 300
        except httpx.HTTPError:
            ok = False
        finished = time.perf_counter()
        if kept:
            last = max(last, finished)
            if ok:
                latencies.append((finished - scheduled) * 1e3)
            else:
                failures += 1

    async with httpx.AsyncClient(limits=limits, timeout=10.0) as client:
        start = time.perf_counter()
        measured_from = start + warmup
        tasks = []
        for n in range(round((warmup + duration) * rate)):
            scheduled = start + n / rate
            await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
            body = target.bodies[n % len(target.bodies)]
            kept = scheduled >= measured_from
            tasks.append(asyncio.create_task(send(client, body, scheduled, kept)))
        await asyncio.gather(*tasks)
    return latencies, failures, max(last - measured_from, 1e-9)


def fixed_rate(target: Target, args: argparse.Namespace) -> Result:
    latencies, failures, span = asyncio.run(
        open_loop(target, args.rate, args.duration, min(args.warmup, 2.0))
    )
    latencies.sort()
    errors = f"failed {failures}" if failures else "none"
    return Result(
        target.label,
        f"fixed {args.rate:g} req/s (open loop, new conn each)",
        len(latencies) / span,
        percentile(latencies, 50),
        percentile(latencies, 99),
        len(latencies) + failures,
        errors,
    )


def warm_up(wrk: str, target: Target, args: argparse.Namespace, tmp: Path) -> None:
    print(f"  {target.label}: warm-up ...", file=sys.stderr)
    warm = run_wrk(wrk, target, args, args.warmup, tmp)
    if warm.non_2xx == warm.requests:
        sys.exit(f"{target.label}: every warm-up request failed (non-2xx): check the wrk script")


def saturated(
    wrk: str, routes: list[Target], args: argparse.Namespace, tmp: Path, server: int
) -> dict[str, Result]:
    """Each route's saturation row: ``--rounds`` runs, the routes taking turns in each
    round, so that the machine's drift (it is shared) hits them all alike. A route's
    row is its median run; its ratio is the median of its runs' ratios to the no-op's
    run of the same round (the last route).

    Each run notes how the workers shared the CPU: uvicorn's workers share one
    listening socket, so wrk's long-lived connections may all land on one worker;
    a run that lands that way is measured again (at most twice more).
    """
    runs: dict[str, list[Result]] = {route.label: [] for route in routes}
    for n in range(args.rounds):
        print(f"  saturation, round {n + 1} of {args.rounds} ...", file=sys.stderr)
        for route in routes:
            run = with_split(
                lambda route=route: saturation(wrk, route, args, tmp), server, retries=2
            )
            runs[route.label].append(run)
    noop = runs[routes[-1].label]
    rows = {}
    for label, measured in runs.items():
        ratios = [run.rps / base.rps for run, base in zip(measured, noop, strict=True)]
        median = sorted(measured, key=lambda run: run.rps)[len(measured) // 2]
        note = " / ".join(f"{run.rps:,.0f}" for run in measured) + " req/s"
        rows[label] = replace(median, ratio=statistics.median(ratios), rounds=note)
    return rows


def log_problems(log: Path) -> list[str]:
    """Error lines a server logged (tracebacks, ERROR lines)."""
    return [
        line
        for line in log.read_text(errors="replace").splitlines()
        if "Traceback" in line or line.startswith(("ERROR", "CRITICAL"))
    ]


def table(results: list[Result]) -> str:
    """The Markdown table; each row's ratio is to the no-op's row of the same mode (the
    median of the rounds' ratios at saturation)."""
    ceiling = {r.mode: r.rps for r in results if r.endpoint.endswith("(no-op)")}
    lines = [
        "| endpoint | mode | requests/s | p50 ms | p99 ms | ratio to no-op (rps) |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for r in results:
        ratio = r.ratio if r.ratio is not None else r.rps / ceiling.get(r.mode, float("nan"))
        lines.append(
            f"| `{r.endpoint}` | {r.mode} | {r.rps:,.0f} | {r.p50_ms:.2f} | {r.p99_ms:.2f} "
            f"| {ratio:.2f} |"
        )
    return "\n".join(lines)


def served_settings(models_dir: Path, tmp: Path, check_log: str) -> dict[str, str]:
    """The ``WINNOW_*`` settings the service benchmarks serve with: a fresh SQLite file
    in ``tmp`` and no rate limits (one client address and one key send everything:
    measure the service, not its limits)."""
    return {
        "WINNOW_MODELS_DIR": str(models_dir.resolve()),
        "WINNOW_DATABASE_URL": f"sqlite:///{tmp / 'winnow.db'}",
        "WINNOW_CHECK_LOG": check_log,
        "WINNOW_IP_RATE_LIMIT": "0",
        "WINNOW_KEY_RATE_LIMIT": "0",
    }


def run_all(wrk: str, args: argparse.Namespace, tmp: Path) -> tuple[list[Result], list[str]]:
    """The three routes on one server, one after the other; results and server errors."""
    env = {**os.environ, **served_settings(args.models_dir, tmp, args.check_log)}
    key = create_key(env)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp / "server.log"
    print(f"service + no-op route, --workers {args.workers} on {base}", file=sys.stderr)
    results: list[Result] = []
    with serving(uvicorn_app(port, args.workers), env, log, answers(f"{base}/readyz")) as pid:
        service = targets(base, key)
        print(sanity(service))
        routes = [*service, noop_target(base, key)]
        for route in routes:
            warm_up(wrk, route, args, tmp)
        rows = saturated(wrk, routes, args, tmp, pid)
        for route in routes:
            print(f"  {route.label}: fixed rate ...", file=sys.stderr)
            fixed = with_split(lambda route=route: fixed_rate(route, args), pid, retries=0)
            results += [rows[route.label], fixed]
    return results, [f"server: {line}" for line in log_problems(log)]


def main() -> None:
    args = parse_args()
    wrk = require_tools(args.models_dir)
    print(machine(wrk))
    print(f"host: {describe()}")
    model = (args.models_dir / "current").read_text().strip()
    print(
        f"settings: {args.workers} uvicorn workers per server, model {model}, SQLite, "
        f"check log {args.check_log}; {args.duration:g} s per measurement after "
        f"{args.warmup:g} s warm-up; wrk {args.threads} threads / {args.connections} "
        f"connections; fixed load {args.rate:g} req/s"
    )
    with tempfile.TemporaryDirectory(prefix="winnow-bench-") as tmp:
        results, problems = run_all(wrk, args, Path(tmp))
    print()
    print(table(results))
    print()
    for r in results:
        rounds = f"; rounds {r.rounds}" if r.rounds else ""
        print(
            f"{r.endpoint}, {r.mode}: {r.requests:,} requests, errors: {r.errors}; "
            f"worker CPU split {r.split}{rounds}"
        )
    print(f"server log errors: {len(problems)}")
    for line in problems[:20]:
        print(f"  {line}")
    if args.json:
        rows = [r.__dict__ for r in results]
        args.json.write_text(json.dumps({"machine": describe(), "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
