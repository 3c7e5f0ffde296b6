"""The background producer: order kept, errors re-raised, early stop releases the thread."""

from __future__ import annotations

import threading

import pytest

from poser_pipeline.video.prefetch import prefetch


def test_yields_everything_in_order():
    assert list(prefetch(iter(range(100)), depth=3)) == list(range(100))


def test_producer_error_reaches_the_consumer():
    def broken():
        yield 1
        raise ValueError("decoder failed")

    with pytest.raises(ValueError, match="decoder failed"):
        list(prefetch(broken()))


def test_stopping_early_ends_the_producer_thread():
    produced = []

    def endless():
        i = 0
        while True:
            produced.append(i)
            yield i
            i += 1

    stream = prefetch(endless(), depth=2)
    assert next(stream) == 0
    stream.close()
    assert not any(t.name == "poser-prefetch" and t.is_alive() for t in threading.enumerate())
    assert len(produced) < 10
