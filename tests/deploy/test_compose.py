"""deploy/compose.yaml: valid for Compose itself (docker-compose config, no daemon needed), and
structurally what the farm needs: images, commands, files it mounts, secrets only from .env."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from tests.deploy.deploytools import DEPLOY, find_tool, run

COMPOSE = DEPLOY / "compose.yaml"
ENV_EXAMPLE = DEPLOY / ".env.example"
FARM_IMAGE = "benchfarm:local"
WORKERS = {"generate": "generate", "runtime-worker": "runtime", "score": "score"}  # service: queue


def _env_lines() -> list[tuple[str, str]]:
    out = []
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            out.append((key.strip(), value.strip()))
    return out


def compose_config(env_file: Path, *extra: str):
    return run(
        [find_tool("docker-compose"), "--env-file", str(env_file), "--profile", "cli", "-f", str(COMPOSE), "config", *extra],
        env={**os.environ, "FARM_ENV_FILE": str(env_file)},
    )


def _resolved(env_file: Path, extra: str = "") -> dict:
    """The resolved model, with .env.example filled in as a user would (plus `extra` lines)."""
    env_file.write_text("".join(f"{k}={v or 'test-' + k.lower().replace('_', '-')}\n" for k, v in _env_lines()) + extra)
    result = compose_config(env_file, "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def config(tmp_path_factory) -> dict:
    return _resolved(tmp_path_factory.mktemp("compose") / ".env")


def _seconds(duration: str) -> float:
    """Go duration as Compose prints it: 11m0s, 1h0m0s, 10s."""
    units = {"h": 3600, "m": 60, "s": 1}
    return sum(float(n) * units[u] for n, u in re.findall(r"([0-9.]+)([hms])", duration))


def test_every_service_has_an_image_and_farm_services_a_command(config):
    services = config["services"]
    assert {"redis", "minio", "s3-init", *WORKERS, "flower", "cli", "prometheus", "grafana"} <= services.keys()
    for name, service in services.items():
        assert service.get("image"), f"{name} has no image"
        if service["image"] == FARM_IMAGE:
            assert service.get("command"), f"{name} runs the farm image without a command"
            build = service["build"]
            assert (Path(build["context"]) / build["dockerfile"]).is_file()


def test_workers_follow_the_runtime_contract(config):
    services = config["services"]
    for name, queue in WORKERS.items():
        worker = services[name]
        assert worker["command"][:4] == ["farm", "worker", "--queues", queue]
        assert worker["command"][4] == "--concurrency" and int(worker["command"][5]) >= 1
        assert _seconds(worker["stop_grace_period"]) > 600, f"{queue}: must outlast a 10-minute LLM call"
        assert "/tmp/farm-metrics" in worker["tmpfs"]
        env = worker["environment"]
        assert env["FARM_REDIS_URL"].endswith("@redis:6379/0")
        assert env["FARM_STORE"].startswith("s3://") and env["FARM_S3_ENDPOINT"] == "http://minio:9000"
        if queue == "runtime":
            assert "OPENROUTER_API_KEY" not in env, "the runtime worker needs no API key: generated code runs beside it"
        else:
            assert "OPENROUTER_API_KEY" in env, "API keys from .env must reach the workers"
        # `config` prints $$ (escaped) back: the container's shell expands $HOSTNAME, not Compose.
        assert "celery@$$HOSTNAME" in " ".join(worker["healthcheck"]["test"])
        assert worker["depends_on"]["redis"]["condition"] == "service_healthy"
        assert worker["depends_on"]["s3-init"]["condition"] == "service_completed_successfully"
    flower = services["flower"]
    assert flower["command"] == ["farm", "flower", "--port", "5555", "--address", "0.0.0.0"]
    assert flower["environment"]["FARM_FLOWER_BASIC_AUTH"]
    assert "OPENROUTER_API_KEY" not in flower["environment"], "Flower must not see the model API keys"


def test_runtime_worker_gives_the_sandbox_namespaces_and_a_volume(config):
    """Root with SYS_ADMIN and NET_ADMIN (a network namespace with lo up) and no AppArmor profile (the
    pid namespace's /proc mount): "netns". Nothing more: its watchdog needs no SYS_PTRACE."""
    worker = config["services"]["runtime-worker"]
    assert worker["user"] == "0:0"
    assert set(worker["cap_add"]) == {"SYS_ADMIN", "NET_ADMIN"}
    assert "apparmor=unconfined" in worker["security_opt"]
    # npm installs, PostgreSQL data and TMPDIR on one volume: the installs are hard-linked into each project.
    (volume,) = [v for v in worker["volumes"] if v["type"] == "volume"]
    env = worker["environment"]
    assert all(env[name].startswith(volume["target"] + "/") for name in ("FARM_RUNTIME_NPM_CACHE", "FARM_POSTGRES_DATA",
                                                                          "TMPDIR"))
    assert volume["source"] in config["volumes"]


def test_runtime_worker_uses_an_external_postgres_only_when_deploy_env_names_one(config, tmp_path):
    """Empty FARM_POSTGRES_URL: the bundled clusters; set in deploy/.env: passed to the runtime worker."""
    assert config["services"]["runtime-worker"]["environment"]["FARM_POSTGRES_URL"] == ""
    url = "postgresql://farm_admin:test-password@db.internal:5432/farm"
    external = _resolved(tmp_path / ".env", f"FARM_POSTGRES_URL={url}\n")
    assert external["services"]["runtime-worker"]["environment"]["FARM_POSTGRES_URL"] == url


def test_redis_persists_and_keeps_its_password_out_of_argv(config):
    redis = config["services"]["redis"]
    command = " ".join(redis["command"])
    assert "--appendonly yes" in command and "noeviction" in command
    assert "--appendfsync always" in command  # settled spend is on disk before a worker hears "settled"
    assert "requirepass" in command and '"$$REDIS_PASSWORD"' in command  # expanded by sh, not Compose
    assert any(v["type"] == "volume" and v["target"] == "/data" for v in redis["volumes"])


def test_ui_ports_bind_to_loopback_only(config):
    for name, service in config["services"].items():
        for port in service.get("ports", []):
            assert port.get("host_ip") == "127.0.0.1", f"{name} publishes {port['published']} on every interface"


def test_mounted_files_exist(config):
    """Prometheus and Grafana read their config from deploy/; the CLI reads round files."""
    missing = [
        f"{name}: {volume['source']}"
        for name, service in config["services"].items()
        for volume in service.get("volumes", [])
        if volume["type"] == "bind" and not Path(volume["source"]).exists()
    ]
    assert not missing, "bind-mounted paths that do not exist:\n" + "\n".join(missing)


def test_missing_secrets_stop_compose_with_their_names(tmp_path):
    empty = tmp_path / ".env"
    empty.write_text("")
    result = compose_config(empty, "--quiet")
    assert result.returncode != 0
    for name in ("REDIS_PASSWORD", "MINIO_ROOT_PASSWORD", "GRAFANA_ADMIN_PASSWORD", "FARM_FLOWER_BASIC_AUTH"):
        assert name in result.stderr


def test_env_example_lists_every_required_variable_and_holds_no_secret():
    required = set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*):\?", COMPOSE.read_text()))
    listed = dict(_env_lines())
    assert required <= listed.keys(), f"not in .env.example: {sorted(required - listed.keys())}"
    for key, value in listed.items():
        if re.search(r"PASSWORD|KEY|SECRET|TOKEN|AUTH", key):
            assert value == "", f".env.example must not carry a value for {key}"
