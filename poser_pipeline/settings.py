"""Every tunable of the pipeline, with its unit, in one place.

Pipeline code takes a :class:`PipelineSettings` (or its defaults), never a
config dict, so each parameter is typed and documented once. Nothing in the
pipeline reads the environment: the CLI (:func:`poser_pipeline.cli.settings_from_env`)
and the services (:func:`services.composition.pipeline_settings`) build these settings.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PipelineSettings:
    """Tunables of the CPU pipeline.

    Attributes
    ----------
    max_window_s : float
        Longest analysed window, seconds. Longer clips need ``--start/--end``.
    pose_crop_scale : float
        Pose crop side as a multiple of the tracked box's long side.
    pose_retry_crop_scales : tuple of float
        Crop scales a static-image BlazePose retries when the main call finds
        nobody (small skiers are found at some crop sizes and not others).
    pose_enhanced_crop_scales : tuple of float
        Crop scales of a last retry, on the crop with its contrast stretched and its edges
        sharpened (:func:`poser_pipeline.pose.contrast.enhance`), when every plain crop found
        nobody: fog, flat light, a soft small skier. Empty: no such retry.
    pose_input_px : int
        Long side, pixels, that the pose crop is resized to before BlazePose.
    pose_threads : int
        XNNPACK threads of each BlazePose inference (>= 1); landmarks are
        identical for any count. 2 shortened one inference from ~13 to ~8 ms
        on an idle 2-core machine, but XNNPACK's workers spin while they wait,
        so with other busy threads on the same cores (our decoder, other
        jobs) a frame took up to 8x longer: 1 is the safe default.
    min_pose_visibility : float
        Mean visibility (0–1) of the core landmarks for a pose to guide the track.
    parallel_directions : bool
        Track backward from the prompt on a second thread while tracking
        forward (results are the same; uses a second core when the prompt is
        not the window's first frame).
    track_decode_threads : int
        FFmpeg decoder threads while tracking (0: one per core, plus one).
        The tracking chain (pose of frame t places the crop of t+1) runs on
        one core; one decoder thread keeps far ahead of it and, unlike a
        burst of frame threads, never takes the chain's core.
    tracker_max_side_px : int
        Frames are downscaled to this long side, pixels, for the appearance tracker.
    max_jump_box_diagonals : float
        Largest accepted move of the box centre between frames, in box diagonals;
        a bigger jump is treated as a switch to another object and refused.
    lost_after_frames : int
        Frames without any accepted evidence after which the track is "lost".
    resolve_facing : bool
        Read the frames where BlazePose took the skier front-to-back the other way
        (:mod:`poser_pipeline.pose.facing`), before smoothing and metrics.
    smooth_cutoff_hz : float
        Butterworth low-pass cut-off for landmarks, Hz.
    smooth_order : int
        Butterworth order (applied forward and backward: zero phase).
    interp_gap_max_frames : int
        Gaps up to this many frames are interpolated before smoothing; longer
        gaps split the series into separately filtered chunks.
    min_chunk_frames : int
        Chunks shorter than this are left unfiltered (too short to filter).
    metric_cutoff_hz : float
        Low-pass cut-off, Hz, of the per-frame metric series (edge angles...).
    turn_cutoff_hz : float
        Low-pass cut-off, Hz, of the turn signal used to find transitions.
    turn_min_amplitude_deg : float
        A turn must incline the skier at least this much (deg) to count;
        below it (a straight glide, noise) no transition is found.
    turn_min_duration_s : float
        Shortest turn, s; quicker sign changes are wobble, not turns.
    level_to_snow : bool
        Read edge angles, inclination and the turn signal against the snow rather than the camera's
        vertical, levelling a rolled camera or sideways slope from the symmetry of the skier's lean
        (:mod:`poser_pipeline.metrics.reference`).
    camera_cutoff_hz : float
        Low-pass cut-off, Hz, of the centred replay's virtual-camera path.
    centred_size_px : int
        Side, pixels, of the square centred replay.
    centred_box_scale : float
        Centred crop side as a multiple of the 90th-percentile box height.
    overlay_max_side_px : int
        Long side, pixels, of ``overlay.mp4`` (larger inputs are downscaled).
    stable_crops : bool
        Make the track independent of small differences in the user's box: the pose crop's side
        snaps to steps of 2^(1/8) and its centre to 1/16 of its side, the box margins are the
        defaults rather than learned from the drawn box, and BlazePose reads every frame on its
        own (no state carried between frames). Two boxes a few percent apart then meet on the same
        crop within a few frames and give the same track from there on. Off by default: pose costs
        more per frame (``docs/accuracy.md``, "Stable crops").
    render_spill_max_mb : float
        Most disk, MiB, that the tracking pass may fill with the window's decoded
        frames so the render need not decode them again (4.3 MiB a 1080p
        frame; 0 turns it off). A window that needs more, or more than the free
        disk allows, is decoded a second time instead. See :mod:`poser_pipeline.video.spill`.
    x264_preset : str
        libx264 preset for both videos; ``ultrafast`` keeps encode near real time.
    x264_crf : int
        libx264 constant-rate factor (lower is better quality, bigger files).
    tracker : str
        Tracking backend: ``auto``, ``sam2`` or ``cpu``. See docs/gpu.md.
    sam2_checkpoint : str or None
        SAM2.1 checkpoint file (needed by the ``sam2`` backend).
    sam2_model : str or None
        ``tiny``, ``small``, ``base_plus`` or ``large``; ``None``: ``tiny``.
    sam2_device : str or None
        ``auto``, ``cuda``, ``cuda:N`` or ``cpu``; ``None``: ``auto``.
    sam2_image_size : int or None
        SAM2 input side, pixels (a multiple of 64); ``None``: the model's 1024.
    sam2_require_gpu : bool or None
        Refuse to run SAM2 without CUDA; ``None``: no.
    """

    max_window_s: float = 20.0
    pose_crop_scale: float = 1.5
    pose_retry_crop_scales: tuple[float, ...] = (3.0,)
    pose_enhanced_crop_scales: tuple[float, ...] = (2.2,)
    pose_input_px: int = 384
    pose_threads: int = 1
    min_pose_visibility: float = 0.5
    parallel_directions: bool = True
    track_decode_threads: int = 1
    tracker_max_side_px: int = 640
    max_jump_box_diagonals: float = 0.6
    lost_after_frames: int = 3
    resolve_facing: bool = True
    smooth_cutoff_hz: float = 6.0
    smooth_order: int = 4
    interp_gap_max_frames: int = 5
    min_chunk_frames: int = 10
    metric_cutoff_hz: float = 3.0
    turn_cutoff_hz: float = 1.5
    turn_min_amplitude_deg: float = 4.0
    turn_min_duration_s: float = 0.4
    level_to_snow: bool = True
    camera_cutoff_hz: float = 0.7
    centred_size_px: int = 640
    centred_box_scale: float = 2.2
    overlay_max_side_px: int = 1280
    stable_crops: bool = False
    render_spill_max_mb: float = 3072.0
    x264_preset: str = "ultrafast"
    x264_crf: int = 23
    tracker: str = "auto"
    sam2_checkpoint: str | None = None
    sam2_model: str | None = None
    sam2_device: str | None = None
    sam2_image_size: int | None = None
    sam2_require_gpu: bool | None = None
