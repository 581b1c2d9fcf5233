"""Coalescing calls of one turn of the event loop into one batch call."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from winnow.batching import Coalescer


class Doubler:
    """A batch function that doubles numbers and remembers each batch it got."""

    def __init__(self, refuse: int | None = None) -> None:
        self.batches: list[list[int]] = []
        self.refuse = refuse

    def __call__(self, items: Sequence[int]) -> list[int]:
        self.batches.append(list(items))
        if self.refuse in items:
            raise ValueError(f"cannot double {self.refuse}")
        return [2 * item for item in items]


def coalescer(batch, max_size: int = 1000, max_items: int = 64) -> Coalescer[int, int]:
    return Coalescer(batch, size=lambda item: item, max_size=max_size, max_items=max_items)


def test_calls_of_one_turn_are_answered_by_one_batch_call():
    batch = Doubler()

    async def main():
        checks = coalescer(batch)
        return await asyncio.gather(*(checks.submit(n) for n in range(1, 6)))

    assert asyncio.run(main()) == [2, 4, 6, 8, 10]
    assert batch.batches == [[1, 2, 3, 4, 5]]


def test_a_lone_call_is_answered_at_once_in_a_batch_of_its_own():
    batch = Doubler()

    async def main():
        checks = coalescer(batch)
        first = await checks.submit(3)
        second = await checks.submit(4)
        return first, second

    assert asyncio.run(main()) == (6, 8)
    assert batch.batches == [[3], [4]]


@pytest.mark.parametrize(
    ("max_size", "max_items", "expected"),
    [
        (1000, 2, [[1, 2], [3, 4], [5]]),  # at most two items
        (6, 64, [[1, 2, 3], [4], [5]]),  # sizes never pass 6 in all
        (9, 64, [[1, 2, 3], [4, 5]]),
    ],
)
def test_a_batch_closes_early_at_its_limits(max_size, max_items, expected):
    batch = Doubler()

    async def main():
        checks = coalescer(batch, max_size=max_size, max_items=max_items)
        return await asyncio.gather(*(checks.submit(n) for n in range(1, 6)))

    assert asyncio.run(main()) == [2, 4, 6, 8, 10]
    assert batch.batches == expected


def test_one_bad_item_fails_only_its_own_caller():
    batch = Doubler(refuse=3)

    async def main():
        checks = coalescer(batch)
        return await asyncio.gather(*(checks.submit(n) for n in (1, 3, 5)), return_exceptions=True)

    answers = asyncio.run(main())
    assert answers[0] == 2 and answers[2] == 10
    assert isinstance(answers[1], ValueError) and str(answers[1]) == "cannot double 3"
    assert batch.batches == [[1, 3, 5], [1], [3], [5]]


def test_a_batch_with_the_wrong_number_of_answers_fails_each_caller_clearly():
    async def main():
        checks = coalescer(lambda items: [])
        return await asyncio.gather(*(checks.submit(n) for n in (1, 2)), return_exceptions=True)

    answers = asyncio.run(main())
    assert [type(a) for a in answers] == [RuntimeError, RuntimeError]
    assert [str(a) for a in answers] == ["a batch of 1 got 0 answers"] * 2


def test_a_caller_that_has_gone_is_left_out_of_the_batch():
    batch = Doubler()

    async def main():
        checks = coalescer(batch)
        gone = asyncio.ensure_future(checks.submit(1))
        kept = asyncio.ensure_future(checks.submit(2))
        await asyncio.sleep(0)  # both wait for the flush now
        gone.cancel()
        return await kept, gone.cancelled()

    assert asyncio.run(main()) == (4, True)
    assert batch.batches == [[2]]


def test_every_caller_is_answered_whatever_the_batch_raises():
    def batch(items):
        if len(items) > 1:
            raise KeyError("batch")
        raise StopIteration("nothing left")  # a future cannot hold this one as it is

    async def main():
        checks = coalescer(batch)
        return await asyncio.gather(*(checks.submit(n) for n in (1, 2)), return_exceptions=True)

    answers = asyncio.run(main())
    assert [type(a) for a in answers] == [RuntimeError, RuntimeError]
    assert str(answers[0]) == "the batch raised StopIteration: nothing left"


def test_callers_hear_of_a_batch_that_was_interrupted():
    def batch(items):
        raise KeyboardInterrupt

    async def main():
        checks = coalescer(batch, max_items=2)
        first = asyncio.ensure_future(checks.submit(1))
        await asyncio.sleep(0)
        with pytest.raises(KeyboardInterrupt):
            await checks.submit(2)  # the second item fills the batch: flushed right here
        return await asyncio.gather(first, return_exceptions=True)

    [answer] = asyncio.run(main())
    assert isinstance(answer, RuntimeError) and str(answer) == "the batch was interrupted"
