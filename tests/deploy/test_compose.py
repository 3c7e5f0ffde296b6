"""docker-compose.yml: valid for ``docker compose config``, and matching what docs/deploy.md promises."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from tests.services.stack_helpers import REPO

yaml = pytest.importorskip("yaml", reason="PyYAML is not installed (it comes with hydra-core/omegaconf)")

COMPOSE = REPO / "docker-compose.yml"
DOCS = REPO / "docs" / "deploy.md"
ENV = {"POSTGRES_PASSWORD": "x", "MINIO_ROOT_USER": "x", "MINIO_ROOT_PASSWORD": "xxxxxxxx"}
ENV |= {"POSER_INTERNAL_TOKEN": "x", "POSER_SECRET_KEY": "x"}


def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def documented_services() -> list[str]:
    """The first column of the table under docs/deploy.md's "## Services" heading."""
    section = DOCS.read_text().split("\n## Services", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `([a-z0-9-]+)` \|", section, flags=re.MULTILINE)


def test_every_documented_service_exists_and_nothing_is_undocumented():
    documented = documented_services()
    assert {"studio", "sidecar", "postgres", "redis", "minio", "cpu-worker", "gpu-worker"} <= set(documented)
    assert set(documented) == set(compose()["services"])


def test_the_gpu_worker_is_remote_and_has_no_database_or_storage_credentials():
    services = compose()["services"]
    gpu = services["gpu-worker"]
    assert gpu["profiles"] == ["gpu"] and "-Q" in gpu["command"] and "gpu" in gpu["command"]
    env = gpu["environment"]
    assert env["POSER_WORKER_MODE"] == "remote" and env["POSER_TRACKER"] == "sam2"
    assert not {"DATABASE_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "POSER_S3_BUCKET"} & set(env)
    assert {"POSER_API_URL", "POSER_INTERNAL_TOKEN", "POSER_BROKER_URL"} <= set(env)
    cpu = services["cpu-worker"]
    assert "profiles" not in cpu and cpu["command"][cpu["command"].index("-Q") + 1] == "cpu"
    for name in ("studio", "sidecar", "cpu-worker"):
        assert services[name]["environment"]["DATABASE_URL"].startswith("postgresql://")


def test_docker_compose_config_accepts_the_file(tmp_path):
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("docker is not installed: `docker compose config` cannot be checked here")
    probe = subprocess.run([docker, "compose", "version"], capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        pytest.skip(f"`docker compose` is unavailable here (no compose plugin): {probe.stderr.strip()[:200]}")
    env_file = tmp_path / ".env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in ENV.items()))
    for profile in ([], ["--profile", "gpu"]):
        result = subprocess.run(
            [docker, "compose", "-f", str(COMPOSE), "--env-file", str(env_file), *profile, "config", "--quiet"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
