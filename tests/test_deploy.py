"""Deployment files: compose against the Compose Specification, topics job, databases, ports, secrets, k8s."""

import importlib.util
import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml
from pydantic_settings import SettingsConfigDict
from sqlalchemy.engine import make_url

from crm_shared.settings import BaseServiceSettings
from crm_shared.topics import all_topic_specs

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
# compose service -> (python package = database name, port)
SERVICES = {
    "leads": ("leads", 8001),
    "sales": ("sales", 8002),
    "service-desk": ("service_desk", 8003),
    "reporting": ("reporting", 8004),
}
REQUIRED_VAR = re.compile(r"^\$\{(\w+):\?[^}]*\}$")
EXTRA_SETTINGS = {"sales": {"bootstrap_admin_email", "bootstrap_admin_password"}}


def prefix(service: str) -> str:
    return service.upper().replace("-", "_") + "_"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def create_topics():
    spec = importlib.util.spec_from_file_location("create_topics", DEPLOY / "create_topics.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def k8s() -> dict[str, list[dict]]:
    return {p.name: list(yaml.safe_load_all(p.read_text())) for p in sorted((DEPLOY / "k8s").glob("*.yaml"))}


def test_compose_matches_the_compose_specification(compose):
    schema = json.loads((DEPLOY / "schema" / "compose-spec.json").read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    jsonschema.Draft7Validator(schema).validate(compose)
    assert set(compose["services"]) == {"kafka", "postgres", "topics", *SERVICES}


def test_kafka_is_kraft_without_auto_topic_creation(compose):
    kafka = compose["services"]["kafka"]
    assert re.fullmatch(r"apache/kafka:(3\.9|4\.\d+)\.\d+", kafka["image"])
    env = kafka["environment"]
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    assert re.fullmatch(r"postgres:15(\.\d+)?", compose["services"]["postgres"]["image"])


def test_plan_is_the_whole_registry(create_topics):
    assert create_topics.plan(1) == all_topic_specs()
    assert create_topics.plan(3) == all_topic_specs()
    with pytest.raises(ValueError):
        create_topics.plan(0)


def test_main_creates_every_registry_topic_and_retries(create_topics, monkeypatch, capsys):
    calls = []

    async def fake_ensure(bootstrap_servers, specs=None, replication_factor=1):
        calls.append((bootstrap_servers, specs, replication_factor))
        if len(calls) < 3:
            raise ConnectionError("broker not up")
        return [name for name, _ in specs]

    async def no_sleep(_):
        return None

    monkeypatch.setattr(create_topics, "ensure_topics", fake_ensure)
    monkeypatch.setattr(create_topics.asyncio, "sleep", no_sleep)
    argv = ["--bootstrap-servers", "kafka:9092", "--replication-factor", "3", "--wait-seconds", "30"]
    assert create_topics.main(argv) == 0
    assert len(calls) == 3 and calls[-1] == ("kafka:9092", all_topic_specs(), 3)
    out = capsys.readouterr().out
    for name, partitions in all_topic_specs():
        assert f"created {name} partitions={partitions}" in out


def test_main_gives_up_after_wait_seconds(create_topics, monkeypatch):
    async def down(*args, **kwargs):
        raise ConnectionError("broker not up")

    monkeypatch.setattr(create_topics, "ensure_topics", down)
    assert create_topics.main(["--wait-seconds", "0"]) == 1


def test_topics_job_runs_create_topics_before_the_services(compose, k8s):
    topics = compose["services"]["topics"]
    assert topics["command"][:2] == ["python", "deploy/create_topics.py"]
    assert topics["depends_on"]["kafka"]["condition"] == "service_healthy"
    for service in SERVICES:
        deps = compose["services"][service]["depends_on"]
        assert deps["topics"]["condition"] == "service_completed_successfully"
        assert deps["kafka"]["condition"] == deps["postgres"]["condition"] == "service_healthy"
    (job,) = k8s["topics-job.yaml"]
    assert job["kind"] == "Job"
    (container,) = job["spec"]["template"]["spec"]["containers"]
    assert container["command"][:2] == ["python", "deploy/create_topics.py"]


def test_every_service_has_its_own_database(compose):
    script = (DEPLOY / "postgres" / "init-databases.sh").read_text()
    created = set(re.search(r"^for db in ([\w ]+); do", script, re.M).group(1).split())
    assert created == {package for package, _ in SERVICES.values()}
    mounts = compose["services"]["postgres"]["volumes"]
    init_dir = "/docker-entrypoint-initdb.d/"
    assert any(m.startswith("./deploy/postgres/init-databases.sh:" + init_dir) for m in mounts)
    for service, (database, _) in SERVICES.items():
        url = make_url(compose["services"][service]["environment"][prefix(service) + "DATABASE_URL"])
        assert (url.drivername, url.host, url.port, url.database, url.username) == (
            "postgresql+asyncpg",
            "postgres",
            5432,
            database,
            database,
        )


def test_ports_match_the_service_defaults(compose):
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert "uv==0.13.9" in dockerfile and 'uv sync --frozen --no-dev --package "crm-${SERVICE}"' in dockerfile
    lock = (ROOT / "uv.lock").read_text()
    for service, (package, port) in SERVICES.items():
        svc = compose["services"][service]
        assert svc["ports"] == [f"{port}:{port}"]
        assert svc["environment"][prefix(service) + "PORT"] == str(port)
        assert svc["build"]["args"] == {"SERVICE": service, "PACKAGE": package, "PORT": str(port)}
        assert f'name = "crm-{service}"' in lock
        assert f"127.0.0.1:{port}/readyz" in " ".join(svc["healthcheck"]["test"])


def test_secrets_come_from_required_variables(compose):
    secrets = {compose["services"][s]["environment"][prefix(s) + "AUTH__JWT_SECRET"] for s in SERVICES}
    assert len(secrets) == 1
    assert REQUIRED_VAR.match(secrets.pop()).group(1) == "CRM_JWT_SECRET"
    text = (ROOT / "docker-compose.yml").read_text()
    assert not re.search(r"\$\{\w*(SECRET|PASSWORD)\w*:?-", text), "no default value for a secret"


@pytest.mark.parametrize("service", list(SERVICES))
def test_compose_environment_is_valid_production_settings(compose, monkeypatch, service):
    pre = prefix(service)
    env = compose["services"][service]["environment"]
    fields = BaseServiceSettings.model_fields
    for key in env:
        assert key.startswith(pre), key
        name = key[len(pre) :].lower()
        top, _, nested = name.partition("__")
        known = top in fields and (not nested or nested in fields[top].annotation.model_fields)
        assert known or name in EXTRA_SETTINGS.get(service, set()), f"{key} maps to no setting"
    for key, value in env.items():
        monkeypatch.setenv(key, re.sub(r"\$\{\w+:[?-][^}]*\}", "s3cret-value-for-the-test", str(value)))

    class Settings(BaseServiceSettings):
        model_config = SettingsConfigDict(env_prefix=pre, env_nested_delimiter="__", extra="ignore")

    settings = Settings()
    assert settings.mode == "production" and settings.port == SERVICES[service][1]
    assert settings.kafka.bootstrap_servers == "kafka:9092" and settings.kafka.producer_idempotence


def test_k8s_manifests_name_the_four_services(k8s):
    docs = [doc for file_docs in k8s.values() for doc in file_docs]
    by_kind = {}
    for doc in docs:
        by_kind.setdefault(doc["kind"], {})[doc["metadata"]["name"]] = doc
    assert set(by_kind["Deployment"]) == set(by_kind["Service"]) == set(SERVICES)
    assert by_kind["Deployment"]["reporting"]["spec"]["replicas"] == 2
    config = by_kind["ConfigMap"]["crm-config"]["data"]
    for service, (database, port) in SERVICES.items():
        pod = by_kind["Deployment"][service]["spec"]["template"]
        (container,) = pod["spec"]["containers"]
        env = {e["name"]: e for e in container["env"]}
        assert f"@postgres:5432/{database}" in env[prefix(service) + "DATABASE_URL"]["value"]
        assert env[prefix(service) + "AUTH__JWT_SECRET"]["valueFrom"]["secretKeyRef"] == {
            "name": "crm-secrets",
            "key": "jwt-secret",
        }
        assert container["ports"][0]["containerPort"] == port
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert config[prefix(service) + "MODE"] == "production"
        assert config[prefix(service) + "PORT"] == str(port)
        selector = by_kind["Service"][service]["spec"]["selector"]
        assert selector.items() <= pod["metadata"]["labels"].items()
