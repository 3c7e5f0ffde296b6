"""MediaPipe is imported without matplotlib's pyplot, and pyplot still works for whoever calls it.

Each check runs in a fresh interpreter: which modules an import loads can
only be seen before anything else has loaded them.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap


def _run(code: str) -> None:
    subprocess.run([sys.executable, "-c", textwrap.dedent(code)], check=True, timeout=120)


def test_pose_runs_without_loading_pyplot():
    _run(
        """
        import sys
        import numpy as np
        from poser_pipeline.pose.model import import_mediapipe, new_pose_model

        import_mediapipe()
        assert "mediapipe" in sys.modules
        assert "matplotlib.pyplot" not in sys.modules, "pyplot was loaded"
        model = new_pose_model(static=True, num_threads=1)
        result = model.process(np.zeros((256, 256, 3), np.uint8))
        assert result.pose_landmarks is None  # a blank image: nobody, but the graph ran
        model.close()
        assert "matplotlib.pyplot" not in sys.modules
        """
    )


def test_mediapipe_plotting_and_later_imports_get_the_real_pyplot():
    _run(
        """
        import sys
        import types
        from poser_pipeline.pose.model import import_mediapipe

        import_mediapipe()
        from mediapipe.python.solutions import drawing_utils

        figure = drawing_utils.plt.figure  # MediaPipe's own plotting reaches the real pyplot
        import matplotlib.pyplot as plt

        assert type(plt) is types.ModuleType and plt.figure is figure
        assert sys.modules["matplotlib.pyplot"] is plt
        """
    )


def test_an_already_imported_pyplot_is_left_alone():
    _run(
        """
        import matplotlib.pyplot as plt
        from poser_pipeline.pose.model import import_mediapipe

        import_mediapipe()
        from mediapipe.python.solutions import drawing_utils

        assert drawing_utils.plt is plt
        """
    )


def test_a_thread_that_asks_while_another_imports_waits_for_the_whole_module():
    # the tracker builds its retry model on a second thread while the first builds the main one;
    # the one that asks second, while "mediapipe" is already in sys.modules but half run, must wait
    _run(
        """
        import sys
        import threading
        from poser_pipeline.pose.model import import_mediapipe, new_pose_model

        errors = []

        def build():
            try:
                new_pose_model(static=True, num_threads=1).close()
            except BaseException as exc:
                errors.append(repr(exc))

        first = threading.Thread(target=import_mediapipe)
        first.start()
        while "mediapipe" not in sys.modules:
            pass
        second = threading.Thread(target=build)
        second.start()
        first.join()
        second.join()
        assert not errors, errors
        """
    )
