from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from pydantic import ValidationError

from services.settings import DEFAULT_SECRET_KEY, PoserSettings, get_settings

pytestmark = pytest.mark.usefixtures("clean_settings_env")


def test_defaults_work_on_a_fresh_laptop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    s = get_settings()
    assert s.data_dir == Path("data")
    assert s.database_url == "sqlite:///data/poser.db"
    assert (s.storage, s.queue, s.mail, s.tracker, s.env) == ("local", "local", "local", "auto", "local")
    assert s.max_upload_bytes == 250 * 1024 * 1024
    assert s.max_window_s == 20.0
    assert s.public_url == "http://localhost:8501"
    assert s.api_url == "http://localhost:8000"
    assert s.secret_key.get_secret_value() == DEFAULT_SECRET_KEY
    assert s.storage_dir == Path("data/storage")
    assert s.mail_log == Path("data/mail.log")


def test_environment_and_unprefixed_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POSER_DATA_DIR", str(tmp_path / "d"))
    monkeypatch.setenv("POSER_STORAGE", "s3")
    monkeypatch.setenv("POSER_S3_BUCKET", "clips")
    monkeypatch.setenv("POSER_S3_ENDPOINT_URL", "http://minio:9000")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIA")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "shh")
    monkeypatch.setenv("SAM2_CHECKPOINT", "/ckpt/sam2.pt")
    monkeypatch.setenv("POSER_TRACKER", "sam2")
    monkeypatch.setenv("POSER_API_URL", "https://api.example.com/")
    monkeypatch.setenv("POSER_SMTP_STARTTLS", "false")
    s = get_settings()
    assert s.database_url == f"sqlite:///{tmp_path / 'd' / 'poser.db'}"
    assert (s.storage, s.s3_bucket, s.s3_endpoint_url) == ("s3", "clips", "http://minio:9000")
    assert s.aws_access_key_id == "AKIA"
    assert s.aws_secret_access_key is not None and s.aws_secret_access_key.get_secret_value() == "shh"
    assert s.sam2_checkpoint == Path("/ckpt/sam2.pt")
    assert s.api_url == "https://api.example.com"
    assert s.smtp_starttls is False
    assert get_settings() is s  # cached until cache_clear()


def test_database_url_wins_over_data_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@db/poser")
    assert get_settings().database_url == "postgresql://u:p@db/poser"


def test_dotenv_file_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("POSER_MAIL=smtp\nPOSER_SMTP_HOST=mail.example.com\nPOSER_SMTP_PORT=2525\n")
    monkeypatch.chdir(tmp_path)
    s = get_settings()
    assert (s.mail, s.smtp_host, s.smtp_port) == ("smtp", "mail.example.com", 2525)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"storage": "s3"}, "POSER_STORAGE=s3 needs POSER_S3_BUCKET"),
        ({"queue": "celery"}, "POSER_QUEUE=celery needs POSER_BROKER_URL"),
        ({"mail": "smtp"}, "POSER_MAIL=smtp needs POSER_SMTP_HOST"),
        ({"tracker": "sam2"}, "POSER_TRACKER=sam2 needs SAM2_CHECKPOINT"),
        ({"smtp_password": "x"}, "POSER_SMTP_PASSWORD is set but POSER_SMTP_USER is not"),
        ({"storage": "ftp"}, "storage"),
        ({"max_upload_bytes": 0}, "max_upload_bytes"),
    ],
)
def test_invalid_combinations_have_clear_messages(values: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        PoserSettings(_env_file=None, **values)


def test_default_secret_is_silent_locally_warned_in_staging_refused_in_production() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        PoserSettings(_env_file=None)
    with pytest.warns(UserWarning, match="POSER_SECRET_KEY is the built-in default"):
        PoserSettings(_env_file=None, env="staging")
    with pytest.raises(ValidationError, match="POSER_SECRET_KEY is the built-in default"):
        PoserSettings(_env_file=None, env="production")
    assert PoserSettings(_env_file=None, env="production", secret_key="a-real-secret").env == "production"


def test_secrets_are_not_printed() -> None:
    s = PoserSettings(_env_file=None, secret_key="top-secret", smtp_user="u", smtp_password="pw")
    assert "top-secret" not in repr(s) and "pw'" not in repr(s)
