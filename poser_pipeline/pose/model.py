"""Build MediaPipe's BlazePose graph with a chosen number of inference threads.

``mp.solutions.pose.Pose`` runs its two TFLite models (person detector and
landmark model) through XNNPACK with one thread. Tracking is a chain — the
crop of frame t+1 comes from the pose of frame t — so pose cannot be spread
over frames; spreading each inference over the cores is what shortens the
chain. XNNPACK splits a layer's outputs between threads and every output is
computed by one thread in the same order, so landmarks are bit-identical for
any thread count (``tests/poser_pipeline/test_pose_threads.py`` checks it).
"""

from __future__ import annotations

import sys
import threading
import types
from collections.abc import Callable
from typing import Any

import numpy as np

#: Calculator type of the CPU inference nodes in BlazePose's graphs.
_INFERENCE_CALCULATORS = ("InferenceCalculatorCpu", "InferenceCalculator")


class _DeferredPyplot(types.ModuleType):
    """Stands in for ``matplotlib.pyplot`` while MediaPipe imports; the real one loads on first use.

    ``mediapipe.python.solutions.drawing_utils`` imports pyplot at module
    level for ``plot_landmarks``, which Poser never calls. That import was
    0.26 s of MediaPipe's 0.38 s here, paid by every CLI run, worker and
    studio process that poses. Any attribute read (a call of
    ``plot_landmarks``) imports the real pyplot and forwards to it.
    """

    def __getattr__(self, name: str) -> Any:
        import importlib

        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]
        return getattr(importlib.import_module(self.__name__), name)


#: One first import at a time: the stand-in must outlive the import that uses it.
_import_lock = threading.Lock()


def import_mediapipe() -> types.ModuleType:
    """``import mediapipe``, without loading matplotlib's pyplot (see :class:`_DeferredPyplot`).

    Once MediaPipe is imported, ``matplotlib.pyplot`` is the real module again
    for everyone else; only MediaPipe's drawing helpers keep the stand-in.
    Thread-safe: a caller never gets a half-imported module (checking
    ``sys.modules`` first would hand one out, and a thread then importing a
    submodule deadlocks against the importing one).
    """
    with _import_lock:
        stand_in = None
        if "mediapipe" not in sys.modules and "matplotlib.pyplot" not in sys.modules:
            stand_in = sys.modules["matplotlib.pyplot"] = _DeferredPyplot("matplotlib.pyplot")
        try:
            import mediapipe
        finally:
            if stand_in is not None and sys.modules.get("matplotlib.pyplot") is stand_in:
                del sys.modules["matplotlib.pyplot"]
    return mediapipe


def preload() -> None:
    """Import MediaPipe now (about 0.2 s here), so a long-lived worker's first analysis does not wait for it."""
    import_mediapipe()


def new_pose_model(*, static: bool, num_threads: int) -> Any:
    """A ``mediapipe.solutions.pose.Pose`` (complexity 1) with ``num_threads`` XNNPACK threads.

    Parameters
    ----------
    static : bool
        ``static_image_mode``: detect on every call instead of following the
        previous call's region.
    num_threads : int
        Threads of each TFLite inference, >= 1.
    """
    if num_threads < 1:
        raise ValueError(f"num_threads must be >= 1, got {num_threads}")
    mp = import_mediapipe()  # heavy import: only when pose is really needed
    from mediapipe.calculators.tensor import inference_calculator_pb2

    options_type = inference_calculator_pb2.InferenceCalculatorOptions

    class _Pose(mp.solutions.pose.Pose):
        # SolutionBase.__init__ calls this hook on the expanded graph config
        # before it builds the graph: the one place to change the inference
        # nodes' delegate without touching mediapipe's files.
        def _modify_calculator_options(self, config, calculator_params) -> None:
            super()._modify_calculator_options(config, calculator_params)
            for node in config.node:
                if node.calculator in _INFERENCE_CALCULATORS:
                    node.options.Extensions[options_type.ext].delegate.xnnpack.num_threads = num_threads

    return _Pose(
        static_image_mode=static,
        model_complexity=1,
        smooth_landmarks=False,  # we smooth ourselves, zero-phase
        enable_segmentation=False,
        min_detection_confidence=0.5,
        min_tracking_confidence=0.5,
    )


class WarmBuild:
    """Build a pose model and run it once on ``warm_input``, on a background thread.

    Parameters
    ----------
    build : callable
        Returns a model with ``process(rgb)`` and ``close()``.
    warm_input : (S, S, 3) uint8 ndarray
        A blank RGB crop of the size later calls use.
    """

    def __init__(self, build: Callable[[], Any], warm_input: np.ndarray) -> None:
        self._model: Any = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(build, warm_input), name="poser-pose-warm", daemon=True)
        self._thread.start()

    def _run(self, build: Callable[[], Any], warm_input: np.ndarray) -> None:
        try:
            self._model = build()
            self._model.process(warm_input)
        except BaseException as exc:  # handed to result(), which re-raises it in the caller
            self._error = exc
            if self._model is not None:  # built but failed to warm: nobody will close it later
                self._model.close()
                self._model = None

    def result(self) -> Any:
        """Wait for the model and return it; re-raises an error of the build."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._model

    def discard(self) -> None:
        """Wait for the build and close its model (it was never needed)."""
        self._thread.join()
        if self._model is not None:
            self._model.close()
            self._model = None
