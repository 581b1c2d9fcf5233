"""Shared by the benchmarks: the machine they ran on, generated comments, and the wall
time and peak memory of a command."""

from __future__ import annotations

import json
import os
import platform
import signal
import subprocess
import sys
import threading
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

LIBRARIES = (
    "winnow",
    "scikit-learn",
    "numpy",
    "scipy",
    "pandas",
    "fastapi",
    "uvicorn",
    "orjson",
    "numba",
)


def cpu_name() -> str:
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return platform.processor() or "unknown CPU"
    names = [line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")]
    return names[0] if names else platform.processor() or "unknown CPU"


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def libraries() -> str:
    found = []
    for name in LIBRARIES:
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            continue
    return ", ".join(found)


def describe() -> str:
    """Cores, CPU, load, Python and library versions, as one line."""
    return (
        f"{len(os.sched_getaffinity(0))} cores ({cpu_name()}), load {load_average()}; "
        f"Python {platform.python_version()}; {libraries()}"
    )


ROOT = Path(__file__).resolve().parent.parent


def corpus_rows() -> list[dict]:
    lines = (ROOT / "training/data/comments.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def write_comments(path: Path, rows: int, labelled: bool = False) -> None:
    """``rows`` JSONL comments from the bundled corpus, each text with one of 97
    suffixes (so about 80,000 distinct texts), with ``id`` (and ``label``)."""
    corpus = corpus_rows()
    with path.open("w", encoding="utf-8") as handle:
        for i in range(rows):
            source = corpus[i % len(corpus)]
            row = {"id": i, "text": f"{source['text']} #{i % 97}"}
            if labelled:
                row["label"] = source["label"]
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        total += _rss(current)
        todo.extend(children.get(current, []))
    return total


def _rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def run_measured(command: list[str], timeout: float | None = None) -> tuple[float, int, bool]:
    """Wall time, peak process-tree RSS (sampled every 0.1 s) and whether it ran out of
    ``timeout`` (then it is killed); exits with the error output if the command fails."""
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    peak, done = [0], threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], tree_rss(process.pid))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample)
    start = time.perf_counter()
    sampler.start()
    try:
        _, err = process.communicate(timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        _, err = process.communicate()
        timed_out = True
    elapsed = time.perf_counter() - start
    done.set()
    sampler.join()
    if process.returncode and not timed_out:
        sys.exit(f"{command[0]} failed: {err.decode()[-2000:]}")
    return elapsed, peak[0], timed_out
