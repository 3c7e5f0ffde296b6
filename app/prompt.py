"""The skier's box: drawn on a canvas in the browser, placed through session state in tests.

:func:`box_from_canvas` is pure (tests check the scaling); :func:`draw_box` is the seam the New analysis
page calls.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import streamlit as st
from PIL import Image

from app.session import TEST_BOX

#: The box (px) the frame is fitted into on the canvas: small clips are enlarged, large ones shrunk.
CANVAS_MAX_WIDTH = 720
CANVAS_MAX_HEIGHT = 540


def display_size(
    width: int, height: int, *, max_width: int = CANVAS_MAX_WIDTH, max_height: int = CANVAS_MAX_HEIGHT
) -> tuple[int, int]:
    """The canvas size (px) that fits a ``width`` × ``height`` frame into ``max_width`` × ``max_height``.

    >>> display_size(320, 240), display_size(1080, 1920)
    ((720, 540), (304, 540))
    """
    scale = min(max_width / width, max_height / height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def box_from_canvas(
    json_data: Mapping[str, Any] | None, *, canvas_size: tuple[int, int], frame_size: tuple[int, int]
) -> tuple[float, float, float, float] | None:
    """The last rectangle drawn, in pixels of the frame, or ``None`` when there is none.

    Parameters
    ----------
    json_data : mapping or None
        The canvas's Fabric.js JSON (``objects`` with ``type``, ``left``, ``top``, ``width``, ``height``,
        ``scaleX``, ``scaleY`` in canvas px; the stroke is centred on the outline and ignored).
    canvas_size, frame_size : (width, height)
        Display size of the canvas and pixel size of the frame behind it.

    Examples
    --------
    >>> data = {"objects": [{"type": "rect", "left": 10, "top": 20, "width": 50, "height": 100}]}
    >>> box_from_canvas(data, canvas_size=(320, 240), frame_size=(640, 480))
    (20.0, 40.0, 120.0, 240.0)
    """
    rects = [o for o in (json_data or {}).get("objects") or [] if str(o.get("type", "")).lower() == "rect"]
    if not rects:
        return None
    rect = rects[-1]
    sx = frame_size[0] / canvas_size[0]
    sy = frame_size[1] / canvas_size[1]
    w = float(rect.get("width", 0.0)) * float(rect.get("scaleX", 1.0) or 1.0)
    h = float(rect.get("height", 0.0)) * float(rect.get("scaleY", 1.0) or 1.0)
    x1, y1 = float(rect.get("left", 0.0)), float(rect.get("top", 0.0))
    x1, x2 = sorted((x1, x1 + w))
    y1, y2 = sorted((y1, y1 + h))
    return (round(x1 * sx, 1), round(y1 * sy, 1), round(x2 * sx, 1), round(y2 * sy, 1))


def draw_box(frame_rgb: np.ndarray, *, key: str) -> tuple[float, float, float, float] | None:
    """Show the frame on a drawing canvas and return the box drawn on it (frame px), or ``None``.

    The seam: when ``st.session_state["test_box"]`` holds a box (AppTest cannot drive custom
    components) it is returned and no canvas is drawn.
    """
    placed = st.session_state.get(TEST_BOX)
    height, width = frame_rgb.shape[:2]
    if placed is not None:
        st.image(frame_rgb, caption="The box placed for this test", width=display_size(width, height)[0])
        return tuple(float(v) for v in placed)  # type: ignore[return-value]
    from streamlit_drawable_canvas import st_canvas  # a custom component: imported only in a real browser run

    canvas_w, canvas_h = display_size(width, height)
    result = st_canvas(
        fill_color="rgba(255, 165, 0, 0.15)",
        stroke_width=2,
        stroke_color="#ff6600",
        background_image=Image.fromarray(frame_rgb),
        drawing_mode="rect",
        width=canvas_w,
        height=canvas_h,
        update_streamlit=True,
        key=key,
    )
    return box_from_canvas(result.json_data, canvas_size=(canvas_w, canvas_h), frame_size=(width, height))
