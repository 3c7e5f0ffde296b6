"""Poser's compute package: video + box prompt → track, 3D pose, overlays, CSVs.

No web or database imports live here; the studio, the sidecar and the worker
call :func:`poser_pipeline.analyze.analyze` (or the CLI) and store what it writes.
"""

PIPELINE_VERSION = "0.1.0"

__all__ = ["PIPELINE_VERSION"]
