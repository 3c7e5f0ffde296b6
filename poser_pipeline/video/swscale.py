"""FFmpeg's swscale through PyAV without per-frame set-up.

``VideoFrame.reformat`` and ``VideoFrame.to_ndarray(format=...)`` build a new
swscale context on every call and, by default, start scaler threads for it.
On a 1080p frame that set-up costs about as much as the conversion itself
(CPU per frame here: 2.5 vs 1.3 ms to scale to 720p I420, 1.4 vs 0.9 ms to
convert to BGR). A :class:`~av.video.reformatter.VideoReformatter` keeps its
context while sizes and formats stay the same, and one scaler thread per
conversion is enough: the pipeline already decodes, draws and encodes on
separate threads. The output is bit-identical.

Contexts are not thread-safe, so each thread keeps its own, one per
*purpose*: two conversions with different sizes sharing one context would
rebuild it on every call.
"""

from __future__ import annotations

import threading

import av
from av.video.reformatter import VideoReformatter

_local = threading.local()


def reformat(frame: av.VideoFrame, purpose: str, **options) -> av.VideoFrame:
    """``frame.reformat(**options)`` through this thread's context for ``purpose``, on one scaler thread.

    Parameters
    ----------
    frame : av.VideoFrame
    purpose : str
        Names the conversion (``"bgr"``, ``"overlay"``...): calls with the same
        purpose on one thread share a context, so keep their sizes and formats alike.
    **options
        As :meth:`av.video.reformatter.VideoReformatter.reformat` (``width``,
        ``height``, ``format``, ``interpolation``...).
    """
    formatters = getattr(_local, "formatters", None)
    if formatters is None:
        formatters = _local.formatters = {}
    formatter = formatters.get(purpose)
    if formatter is None:
        formatter = formatters[purpose] = VideoReformatter()
    return formatter.reformat(frame, threads=1, **options)


def to_bgr24(frame: av.VideoFrame, purpose: str = "bgr"):
    """The frame as stored, ``(H, W, 3) uint8`` BGR (``frame.to_ndarray(format="bgr24")``, faster)."""
    return reformat(frame, purpose, format="bgr24").to_ndarray()
