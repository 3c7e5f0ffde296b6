"""Progress reporting shared by the stages."""

from __future__ import annotations

from collections.abc import Callable

#: ``progress(stage, done, total)``; ``total`` may be an estimate until a stage ends.
ProgressFn = Callable[[str, int, int], None]


def no_progress(stage: str, done: int, total: int) -> None:
    """The default :data:`ProgressFn`: report nothing."""
    return None
