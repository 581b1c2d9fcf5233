"""Coalescing: calls made in the same turn of an event loop answered by one batch call.

A busy server parses several requests in one turn of its event loop. Checking
their comments one call each pays the model's fixed cost (cleaning, feature
tables, NumPy calls) once per comment; a batch pays it once. :class:`Coalescer`
holds each call until the ready requests of the turn have had theirs, then makes
one batch call and hands each caller its own answer. A request on a quiet server
waits for nothing: its batch is itself, run as soon as the loop is free.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

Item = TypeVar("Item")
Answer = TypeVar("Answer")


class Coalescer(Generic[Item, Answer]):
    """Answers :meth:`submit` calls with ``batch``, one call per turn of the loop.

    ``batch`` takes the items in call order and returns one answer each; it runs
    on the event loop, so the caller only submits items that are quick to answer,
    and a batch closes early at ``max_items`` items or before its items' ``size``
    would pass ``max_size`` in all, which bounds how long the loop is held. When a batch call
    fails, each of its items is tried alone, so one bad item fails only its own
    caller.
    """

    def __init__(
        self,
        batch: Callable[[Sequence[Item]], Sequence[Answer]],
        size: Callable[[Item], int],
        max_size: int,
        max_items: int = 64,
    ) -> None:
        self.batch = batch
        self.size = size
        self.max_size = max_size
        self.max_items = max_items
        self._pending: list[tuple[Item, asyncio.Future[Answer]]] = []
        self._pending_size = 0

    async def submit(self, item: Item) -> Answer:
        """The answer to ``item``, from the batch of the current turn."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Answer] = loop.create_future()
        size = self.size(item)
        if self._pending and self._pending_size + size > self.max_size:
            self.flush()  # the batch so far is full; this item starts the next one
        if not self._pending:
            loop.call_soon(self.flush)
        self._pending.append((item, future))
        self._pending_size += size
        if len(self._pending) >= self.max_items or self._pending_size >= self.max_size:
            self.flush()
        return await future

    def flush(self) -> None:
        """Answer every pending call now (with one batch call when it succeeds). Every
        caller gets an answer or an error, whatever the batch raises."""
        pending, self._pending, self._pending_size = self._pending, [], 0
        try:
            self._answer([(item, future) for item, future in pending if not future.done()])
        finally:
            for _, future in pending:
                _settle(future, error=RuntimeError("the batch was interrupted"))

    def _answer(self, waiting: list[tuple[Item, asyncio.Future[Answer]]]) -> None:
        if len(waiting) > 1:
            try:
                answers = self._answers([item for item, _ in waiting])
            except Exception:
                answers = None
            if answers is not None:
                for (_, future), answer in zip(waiting, answers, strict=True):
                    _settle(future, answer)
                return
        for item, future in waiting:
            self._answer_alone(item, future)

    def _answer_alone(self, item: Item, future: asyncio.Future[Answer]) -> None:
        try:
            [answer] = self._answers([item])
        except Exception as exc:
            _settle(future, error=exc)
        else:
            _settle(future, answer)

    def _answers(self, items: list[Item]) -> list[Answer]:
        answers = list(self.batch(items))
        if len(answers) != len(items):
            raise RuntimeError(f"a batch of {len(items)} got {len(answers)} answers")
        return answers


def _settle(
    future: asyncio.Future[Answer], answer: Answer | None = None, error: Exception | None = None
) -> None:
    """Give a waiting caller its answer or its error (unless it has gone meanwhile)."""
    if future.done():
        return
    if isinstance(error, StopIteration):  # a future cannot hold one
        error = RuntimeError(f"the batch raised StopIteration: {error}")
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(answer)
