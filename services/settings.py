"""The one settings object of Poser, read from the environment and ``.env``.

Build it with :func:`get_settings` (cached; ``get_settings.cache_clear()`` in tests); nothing is
built at import time. Every name, default and meaning is listed in ``docs/services.md``.
"""

from __future__ import annotations

import dataclasses
import warnings
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, PositiveFloat, PositiveInt, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from poser_pipeline.settings import PipelineSettings

#: The secret used when ``POSER_SECRET_KEY`` is unset: fine on a laptop, refused in production.
DEFAULT_SECRET_KEY = "poser-local-dev-secret-change-me"

MIB = 1024 * 1024


def _env(name: str) -> AliasChoices:
    """An environment name without the ``POSER_`` prefix (``DATABASE_URL``, ``SAM2_CHECKPOINT``…)."""
    return AliasChoices(name, name.lower())


class PoserSettings(BaseSettings):
    """Configuration shared by the studio, the sidecar and the workers.

    Fields map to ``POSER_<FIELD>`` environment variables unless noted (``DATABASE_URL``,
    ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``SAM2_*``). Defaults make a fresh
    laptop work: SQLite, local storage and console mail under ``./data``.
    """

    model_config = SettingsConfigDict(
        env_prefix="POSER_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
    )

    env: Literal["local", "staging", "production"] = "local"
    data_dir: Path = Path("data")
    database_url: str = Field(default="", validation_alias=_env("DATABASE_URL"))

    storage: Literal["local", "s3"] = "local"
    s3_bucket: str | None = None
    s3_region: str | None = None
    s3_endpoint_url: str | None = None
    aws_access_key_id: str | None = Field(default=None, validation_alias=_env("AWS_ACCESS_KEY_ID"))
    aws_secret_access_key: SecretStr | None = Field(default=None, validation_alias=_env("AWS_SECRET_ACCESS_KEY"))

    queue: Literal["local", "celery"] = "local"
    broker_url: str | None = None
    worker_mode: Literal["local", "remote"] = "local"
    gpu_workers: bool = False
    cpu_queue: str = Field(default="cpu", min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    gpu_queue: str = Field(default="gpu", min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")

    mail: Literal["local", "smtp"] = "local"
    smtp_host: str | None = None
    smtp_port: PositiveInt = 587
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = True
    mail_from: str = "Poser <noreply@localhost>"

    internal_token: SecretStr | None = None
    secret_key: SecretStr = SecretStr(DEFAULT_SECRET_KEY)

    tracker: Literal["auto", "sam2", "cpu"] = "auto"
    sam2_checkpoint: Path | None = Field(default=None, validation_alias=_env("SAM2_CHECKPOINT"))
    sam2_model: Literal["tiny", "small", "base_plus", "large"] = Field(
        default="tiny", validation_alias=_env("SAM2_MODEL")
    )
    sam2_device: str = Field(default="auto", pattern=r"^(auto|cpu|cuda(:\d+)?)$", validation_alias=_env("SAM2_DEVICE"))
    sam2_image_size: PositiveInt | None = Field(default=None, validation_alias=_env("SAM2_IMAGE_SIZE"))
    sam2_require_gpu: bool = Field(default=False, validation_alias=_env("SAM2_REQUIRE_GPU"))

    public_url: str = "http://localhost:8501"
    api_url: str = "http://localhost:8000"
    max_upload_bytes: PositiveInt = 250 * MIB
    max_window_s: PositiveFloat = 20.0
    worker_lease_s: PositiveFloat = 60.0

    @property
    def analysis_queue(self) -> str:
        """The Celery queue analyses are sent to: ``gpu_queue`` when GPU workers are configured, else ``cpu_queue``."""
        return self.gpu_queue if self.gpu_workers else self.cpu_queue

    @property
    def storage_dir(self) -> Path:
        """Where :class:`services.storage.LocalStorage` keeps its objects: ``<data_dir>/storage``."""
        return self.data_dir / "storage"

    @property
    def mail_log(self) -> Path:
        """Where :class:`services.mail.LocalMailer` appends messages: ``<data_dir>/mail.log``."""
        return self.data_dir / "mail.log"

    @model_validator(mode="after")
    def _fill_and_check(self) -> PoserSettings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'poser.db'}"
        self.public_url = self.public_url.rstrip("/")
        self.api_url = self.api_url.rstrip("/")
        problems = []
        if self.storage == "s3" and not self.s3_bucket:
            problems.append("POSER_STORAGE=s3 needs POSER_S3_BUCKET (the bucket for uploads and artifacts)")
        if self.queue == "celery" and not self.broker_url:
            problems.append("POSER_QUEUE=celery needs POSER_BROKER_URL (e.g. redis://localhost:6379/0)")
        if self.worker_mode == "remote" and self.internal_token is None:
            problems.append("POSER_WORKER_MODE=remote needs POSER_INTERNAL_TOKEN (the sidecar's X-Internal-Token)")
        if self.mail == "smtp" and not self.smtp_host:
            problems.append("POSER_MAIL=smtp needs POSER_SMTP_HOST")
        if self.smtp_password is not None and not self.smtp_user:
            problems.append("POSER_SMTP_PASSWORD is set but POSER_SMTP_USER is not")
        if self.tracker == "sam2" and self.sam2_checkpoint is None:
            problems.append("POSER_TRACKER=sam2 needs SAM2_CHECKPOINT (path to a SAM2 .pt checkpoint)")
        if problems:
            raise ValueError("; ".join(problems))
        self._enforce_non_default_secrets()
        return self

    def _enforce_non_default_secrets(self) -> None:
        """Silent locally, a warning in staging, a refusal in production (as full-stack-fastapi-template)."""
        if self.secret_key.get_secret_value() != DEFAULT_SECRET_KEY or self.env == "local":
            return
        message = (
            "POSER_SECRET_KEY is the built-in default; signed URLs and sessions can be forged. "
            'Set it, e.g. to the output of: python -c "import secrets; print(secrets.token_urlsafe(32))"'
        )
        if self.env == "staging":
            warnings.warn(message, stacklevel=2)
        else:
            raise ValueError(message)


@lru_cache(maxsize=1)
def get_settings() -> PoserSettings:
    """The process's settings, read once from the environment and ``.env``.

    Call ``get_settings.cache_clear()`` to read them again (tests that change the environment).
    """
    return PoserSettings()


def pipeline_settings(settings: PoserSettings, *, tracker: str | None = None) -> PipelineSettings:
    """The pipeline's settings from Poser's: tracking backend and SAM2 model.

    ``tracker`` overrides ``settings.tracker`` (a GPU worker's default of ``sam2``).
    """
    return dataclasses.replace(
        PipelineSettings(),
        max_window_s=settings.max_window_s,
        tracker=tracker or settings.tracker,
        sam2_checkpoint=str(settings.sam2_checkpoint) if settings.sam2_checkpoint else None,
        sam2_model=settings.sam2_model,
        sam2_device=settings.sam2_device,
        sam2_image_size=settings.sam2_image_size,
        sam2_require_gpu=settings.sam2_require_gpu,
    )
