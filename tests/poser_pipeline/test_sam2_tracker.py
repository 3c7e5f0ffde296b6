"""The SAM2 tracking backend, on the CPU with a randomly initialised tiny model.

Random weights cannot track anything: these tests run the real code path
(loading, frame preparation, prompt, forward and backward propagation, masks
to boxes, pose on the boxes) and check that the output is well formed. They
are skipped where torch/sam2 are not installed (scripts/install-gpu-extras.sh).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from poser_pipeline.errors import PoserInputError
from poser_pipeline.settings import PipelineSettings
from poser_pipeline.synthetic.video import write_moving_figure_clip
from poser_pipeline.tracking.sam2_tracker import (
    MODEL_CONFIGS,
    Sam2Config,
    Sam2UnavailableError,
    _masks_to_track,
    sam2_importable,
)
from poser_pipeline.video.decode import probe_video

needs_sam2 = pytest.mark.skipif(
    not sam2_importable(), reason="torch/sam2 not installed (GPU extras: scripts/install-gpu-extras.sh .venv)"
)

FPS = 25.0
N_FRAMES = 12
WIDTH, HEIGHT = 160, 120
PROMPT_INDEX = 6  # mid-clip: SAM2 propagates forward and backward
# smallest input Hiera-tiny accepts: keeps the whole file well under a minute on 2 CPU cores
TEST_CONFIG = Sam2Config(model="tiny", device="cpu", image_size=64, allow_random_weights=True)


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> tuple[Path, np.ndarray]:
    path = tmp_path_factory.mktemp("sam2") / "figure.mp4"
    truth = write_moving_figure_clip(path, fps=FPS, n_frames=N_FRAMES, width=WIDTH, height=HEIGHT)
    return path, truth


@pytest.fixture(scope="module")
def predictor():
    from poser_pipeline.tracking.sam2_tracker import load_sam2_predictor

    return load_sam2_predictor(TEST_CONFIG)


@pytest.fixture(scope="module")
def sam2_run(clip, predictor):
    """One SAM2 run from the middle frame, recording which frames each direction visited."""
    from poser_pipeline.tracking.sam2_pass import run_sam2_track

    path, truth = clip
    visits: list[tuple[bool, int]] = []
    original = predictor.propagate_in_video

    def spy(state, start_frame_idx=None, max_frame_num_to_track=None, reverse=False):
        for out in original(state, start_frame_idx, max_frame_num_to_track, reverse):
            visits.append((reverse, out[0]))
            yield out

    predictor.propagate_in_video = spy
    try:
        info = probe_video(path)
        timestamps, track = run_sam2_track(
            info, 0.0, info.duration_s, truth[PROMPT_INDEX], PROMPT_INDEX / FPS, predictor, config=TEST_CONFIG
        )
    finally:
        del predictor.propagate_in_video  # back to the class's method
    return info, timestamps, track, visits


@needs_sam2
def test_track_from_middle_prompt_is_well_formed(sam2_run):
    _info, timestamps, track, visits = sam2_run
    assert len(timestamps) == N_FRAMES
    assert track.num_frames == N_FRAMES
    assert track.prompt_index == PROMPT_INDEX
    assert [i for rev, i in visits if not rev] == list(range(PROMPT_INDEX, N_FRAMES))
    assert [i for rev, i in visits if rev] == list(range(PROMPT_INDEX, -1, -1))
    assert track.boxes.shape == (N_FRAMES, 4)
    assert np.isfinite(track.boxes).all()
    assert (track.boxes[:, [0, 1]] >= 0).all()
    assert (track.boxes[:, 2] <= WIDTH).all() and (track.boxes[:, 3] <= HEIGHT).all()
    assert (track.boxes[:, [2, 3]] >= track.boxes[:, [0, 1]]).all()
    assert ((track.confidence >= 0) & (track.confidence <= 1)).all()
    assert (track.confidence[track.lost] == 0).all()
    assert track.lost.dtype == bool
    assert (track.mask_area_px >= 0).all() and (track.mask_area_px <= WIDTH * HEIGHT + 1e-6).all()
    assert set(track.source) == {"sam2"}


@needs_sam2
def test_pose_on_sam2_boxes_fills_a_tracking_result(sam2_run):
    from poser_pipeline.tracking.sam2_pass import run_pose_on_track

    info, timestamps, track, _ = sam2_run
    result = run_pose_on_track(info, 0.0, info.duration_s, timestamps, track, PipelineSettings())
    assert result.num_frames == N_FRAMES
    assert result.prompt_index == PROMPT_INDEX
    np.testing.assert_array_equal(result.boxes, track.boxes)
    np.testing.assert_array_equal(result.lost, track.lost)
    assert result.image_xy.shape == (N_FRAMES, 33, 2)
    assert result.world_xyz.shape == (N_FRAMES, 33, 3)
    assert not result.has_pose[result.lost].any()  # no pose invented on lost frames
    assert np.all(np.diff(result.timestamps_ms) > 0)


@needs_sam2
def test_checkpoint_round_trip(predictor, tmp_path):
    import torch

    from poser_pipeline.tracking.sam2_tracker import load_sam2_predictor

    path = tmp_path / "sam2.1_hiera_tiny_random.pt"
    saved = {k: v.detach().clone() for k, v in predictor.state_dict().items()}
    torch.save({"model": saved}, path)  # the format Meta ships (sam2.build_sam._load_checkpoint reads ["model"])
    loaded = load_sam2_predictor(Sam2Config(checkpoint=path, model="tiny", device="cpu", image_size=64))
    state = loaded.state_dict()
    assert state.keys() == saved.keys()
    for key, value in saved.items():
        assert torch.equal(state[key], value), key
    fresh = load_sam2_predictor(TEST_CONFIG).state_dict()  # another random init really differs
    assert any(not torch.equal(fresh[k], v) for k, v in saved.items() if v.is_floating_point())


@needs_sam2
def test_bad_checkpoints_give_clear_errors(predictor, tmp_path):
    import torch

    from poser_pipeline.tracking.sam2_tracker import load_sam2_predictor

    base = dict(model="tiny", device="cpu", image_size=64)
    with pytest.raises(Sam2UnavailableError, match="SAM2_CHECKPOINT is not set"):
        load_sam2_predictor(Sam2Config(**base))
    with pytest.raises(Sam2UnavailableError, match="no such file"):
        load_sam2_predictor(Sam2Config(checkpoint=tmp_path / "missing.pt", **base))
    with pytest.raises(Sam2UnavailableError, match="not a file"):
        load_sam2_predictor(Sam2Config(checkpoint=tmp_path, **base))
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"not a checkpoint at all")
    with pytest.raises(Sam2UnavailableError, match="not a readable torch checkpoint"):
        load_sam2_predictor(Sam2Config(checkpoint=garbage, **base))
    partial = tmp_path / "partial.pt"
    state = dict(predictor.state_dict())
    state.pop(next(iter(state)))
    torch.save({"model": state}, partial)
    with pytest.raises(Sam2UnavailableError, match="does not fit the tiny model"):
        load_sam2_predictor(Sam2Config(checkpoint=partial, **base))
    with pytest.raises(Sam2UnavailableError, match=r"not a SAM2\.1 size"):
        load_sam2_predictor(Sam2Config(model="huge", allow_random_weights=True))
    with pytest.raises(Sam2UnavailableError, match="multiple of 64"):
        load_sam2_predictor(Sam2Config(image_size=100, device="cpu", allow_random_weights=True))


@needs_sam2
def test_gpu_required_but_absent(predictor):
    import torch

    from poser_pipeline.tracking.sam2_tracker import load_sam2_predictor, resolve_device

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    assert resolve_device(Sam2Config(device="auto")) == "cpu"
    with pytest.raises(Sam2UnavailableError, match="require a GPU"):
        load_sam2_predictor(Sam2Config(require_gpu=True, allow_random_weights=True))
    with pytest.raises(Sam2UnavailableError, match="CUDA is not available"):
        load_sam2_predictor(Sam2Config(device="cuda", allow_random_weights=True))


@needs_sam2
def test_in_memory_state_matches_sam2_init_state(predictor, clip, tmp_path):
    """Our tensor-fed state has init_state's keys and (up to JPEG/resize order) the same images."""
    import cv2

    from poser_pipeline.tracking.sam2_tracker import downscale_frames, init_state_from_frames
    from poser_pipeline.video.decode import iter_window

    path, _ = clip
    info = probe_video(path)
    frames = [f.to_bgr() for f in iter_window(info, 0.0, 3 / FPS)]
    folder = tmp_path / "jpeg"
    folder.mkdir()
    for i, frame in enumerate(frames):
        cv2.imwrite(str(folder / f"{i:05d}.jpg"), frame, [cv2.IMWRITE_JPEG_QUALITY, 100])
    reference = predictor.init_state(str(folder), offload_video_to_cpu=True, offload_state_to_cpu=True)
    store = downscale_frames(frames, predictor, config=TEST_CONFIG)
    ours = init_state_from_frames(predictor, store, (HEIGHT, WIDTH))
    assert ours.keys() == reference.keys()
    for key in ("num_frames", "video_height", "video_width", "offload_video_to_cpu", "offload_state_to_cpu"):
        assert ours[key] == reference[key], key
    assert ours["storage_device"] == reference["storage_device"]
    for i in range(len(frames)):
        ref_image, our_image = reference["images"][i], store[i]
        assert our_image.shape == ref_image.shape
        assert float((our_image - ref_image).abs().mean()) < 0.15  # normalised units (~0.03 of the 0–255 range)


def test_masks_to_boxes_scale_hold_and_lose():
    """Mask logits at half resolution → full-resolution boxes; tiny or empty masks are lost and hold the box."""
    mask_h, mask_w = 60, 80  # a 160x120 frame at half size
    logits = {}
    for i in range(5):
        m = np.full((mask_h, mask_w), -10.0)
        if i in (0, 2):
            m[10:30, 20:30] = 5.0  # a 10x20 blob
        elif i == 3:
            m[0, 0] = 5.0  # one pixel: below 5 % of the prompt mask
        logits[i] = m
    track = _masks_to_track(logits, 5, 2, np.array([38.0, 18.0, 62.0, 62.0]), (WIDTH, HEIGHT), (2.0, 2.0), Sam2Config())
    np.testing.assert_allclose(track.boxes[2], [40, 20, 60, 60])
    np.testing.assert_allclose(track.boxes[0], [40, 20, 60, 60])
    assert list(track.lost) == [False, True, False, True, True]
    np.testing.assert_allclose(track.boxes[1], track.boxes[2])  # backward: holds the prompt frame's box
    np.testing.assert_allclose(track.boxes[3], track.boxes[2])  # forward: holds too
    np.testing.assert_allclose(track.mask_area_px[2], 200 * 4)
    assert track.confidence[2] == pytest.approx(2 / (1 + np.exp(-5.0)) - 1)
    assert (track.confidence[track.lost] == 0).all()


def test_empty_mask_on_prompt_frame_keeps_the_users_box():
    logits = {i: np.full((60, 80), -5.0) for i in range(3)}
    box = np.array([10.0, 20.0, 50.0, 100.0])
    track = _masks_to_track(logits, 3, 1, box, (WIDTH, HEIGHT), (2.0, 2.0), Sam2Config())
    assert track.lost.all()
    np.testing.assert_allclose(track.boxes, np.tile(box, (3, 1)))


def test_cli_maps_the_environment_to_settings(tmp_path):
    from poser_pipeline.cli import settings_from_env

    env = {"SAM2_CHECKPOINT": str(tmp_path / "x.pt"), "SAM2_MODEL": "base_plus", "SAM2_IMAGE_SIZE": "512"}
    config = Sam2Config.from_settings(settings_from_env(env))
    assert config.checkpoint == tmp_path / "x.pt"
    assert config.config_name == MODEL_CONFIGS["base_plus"]
    assert config.image_size == 512 and config.device == "auto" and not config.require_gpu
    assert Sam2Config.from_settings(settings_from_env({})) == Sam2Config()
    assert Sam2Config.from_settings(settings_from_env({"SAM2_REQUIRE_GPU": "1"})).require_gpu
    assert settings_from_env({"POSER_TRACKER": " CPU "}).tracker == "cpu"
    assert settings_from_env({"POSER_TRACKER": ""}).tracker == "auto"
    with pytest.raises(PoserInputError, match="POSER_TRACKER"):
        settings_from_env({"POSER_TRACKER": "gpu"})
    with pytest.raises(PoserInputError, match="SAM2_IMAGE_SIZE"):
        settings_from_env({"SAM2_IMAGE_SIZE": "big"})


def test_backend_choice_without_gpu_or_checkpoint(tmp_path):
    from poser_pipeline.tracking.sam2_tracker import choose_backend

    assert choose_backend("cpu")[:2] == ("cpu", None)
    backend, predictor, reason = choose_backend("auto", Sam2Config())
    assert (backend, predictor) == ("cpu", None) and "SAM2_CHECKPOINT" in reason
    with pytest.raises(ValueError, match="POSER_TRACKER"):
        choose_backend("gpu")
    with pytest.raises(Sam2UnavailableError):  # asked for explicitly: an error, not a silent fallback
        choose_backend("sam2", Sam2Config(checkpoint=tmp_path / "missing.pt"))


@needs_sam2
def test_auto_falls_back_to_cpu_without_cuda(tmp_path):
    import torch

    from poser_pipeline.tracking.sam2_tracker import choose_backend

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    checkpoint = tmp_path / "sam2.1_hiera_tiny.pt"
    checkpoint.write_bytes(b"x")
    backend, _, reason = choose_backend("auto", Sam2Config(checkpoint=checkpoint))
    assert backend == "cpu" and reason == "no CUDA GPU"


def test_the_pipeline_reads_no_environment(tmp_path, monkeypatch):
    from poser_pipeline.tracking.sam2_tracker import choose_backend

    monkeypatch.setenv("SAM2_CHECKPOINT", str(tmp_path / "a.pt"))
    monkeypatch.setenv("SAM2_MODEL", "large")
    monkeypatch.setenv("POSER_TRACKER", "sam2")
    assert Sam2Config.from_settings(PipelineSettings()) == Sam2Config()
    assert PipelineSettings().tracker == "auto"
    backend, predictor, reason = choose_backend(
        PipelineSettings().tracker, Sam2Config.from_settings(PipelineSettings())
    )
    assert (backend, predictor) == ("cpu", None) and "SAM2_CHECKPOINT" in reason
    settings = PipelineSettings(sam2_checkpoint=str(tmp_path / "b.pt"), sam2_model="small", sam2_device="cpu")
    config = Sam2Config.from_settings(settings)
    assert (config.checkpoint, config.model, config.device) == (tmp_path / "b.pt", "small", "cpu")
