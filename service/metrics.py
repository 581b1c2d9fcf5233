"""Prometheus metrics of one service process, on its own registry (one per app)."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class Metrics:
    """Requests, latency, verdicts and the model in service."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "winnow_http_requests",
            "HTTP requests answered, by route and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "winnow_http_request_duration_seconds",
            "Time to answer a request, by route.",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.verdicts = Counter(
            "winnow_verdicts",
            "Comments judged, by API and verdict.",
            ["api", "verdict"],
            registry=self.registry,
        )
        self.model = Gauge(
            "winnow_model_info",
            "The model version in service (value 1).",
            ["version"],
            registry=self.registry,
        )
        self._verdict_counters: dict[tuple[str, str], Any] = {}
        self.reloads = Counter(
            "winnow_model_reloads", "Model swaps after a promotion.", registry=self.registry
        )

    def set_model(self, version: str | None) -> None:
        self.model.clear()
        if version:
            self.model.labels(version=version).set(1)

    def count_verdicts(self, api: str, verdicts: list[str]) -> None:
        for verdict in verdicts:
            self._verdict(api, verdict).inc()

    def _verdict(self, api: str, verdict: str) -> Any:
        """The counter of one API's verdict, found once (``labels`` looks it up under
        a lock on every call)."""
        counter = self._verdict_counters.get((api, verdict))
        if counter is None:
            counter = self.verdicts.labels(api=api, verdict=verdict)
            self._verdict_counters[(api, verdict)] = counter
        return counter

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
