"""The Helm chart: lint, render, validate offline against Kubernetes and CRD schemas (strict), and
check that the rendered objects fit together the way the farm's runtime contract needs."""

from __future__ import annotations

import functools
import re
import subprocess
from typing import Any

import jsonschema
import pytest
import yaml

from tests.deploy.deploytools import CHART, need_module, run

# Oldest Kubernetes the chart claims (Chart.yaml kubeVersion) and the newest with bundled schemas.
K8S_VERSIONS = ["1.29.0", "1.37.0"]
VALUES = {"default": None, **{p.name.removesuffix("-values.yaml"): p for p in sorted((CHART / "ci").glob("*-values.yaml"))}}
SECRETISH = re.compile(r"(?i)(key|secret|passw|token|credential)")
WORKERS = ["generate", "runtime", "score"]
# What the runtime worker's sandbox needs as root: leasing uids (its watchdog needs nothing more);
# SYS_ADMIN with NET_ADMIN for network namespaces.
SANDBOX_CAPABILITIES = ["CHOWN", "DAC_OVERRIDE", "FOWNER", "KILL", "SETGID", "SETUID"]
NETNS_CAPABILITIES = {"SYS_ADMIN", "NET_ADMIN"}
RUNTIME_WORK = "/var/lib/benchfarm"


def values_of(case: str) -> dict[str, Any]:
    merged = yaml.safe_load((CHART / "values.yaml").read_text())
    if VALUES[case]:
        _merge(merged, yaml.safe_load(VALUES[case].read_text()))
    return merged


def _merge(base: dict, over: dict) -> None:
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value


def template(helm: str, *args: str) -> subprocess.CompletedProcess[str]:
    return run([helm, "template", "farm", str(CHART), "--namespace", "bench", *args])


@functools.cache
def _render_cached(helm: str, case: str) -> tuple[dict, ...]:
    args = ["-f", str(VALUES[case])] if VALUES[case] else []
    result = template(helm, *args)
    assert result.returncode == 0, f"helm template ({case}) failed:\n{result.stderr}"
    return tuple(doc for doc in yaml.safe_load_all(result.stdout) if doc)


@pytest.fixture(params=list(VALUES))
def case(request) -> str:
    return request.param


@pytest.fixture
def docs(helm, case) -> list[dict]:
    return list(_render_cached(helm, case))


def find(docs: list[dict], kind: str, name: str | None = None) -> list[dict]:
    return [d for d in docs if d["kind"] == kind and (name is None or d["metadata"]["name"] == name)]


def one(docs: list[dict], kind: str, suffix: str) -> dict:
    found = [d for d in find(docs, kind) if d["metadata"]["name"].endswith(suffix)]
    assert len(found) == 1, f"expected one {kind} named *{suffix}, got {[d['metadata']['name'] for d in found]}"
    return found[0]


def pod_specs(docs: list[dict]) -> list[tuple[str, dict]]:
    out = []
    for d in docs:
        if d["kind"] in ("Deployment", "StatefulSet", "Job"):
            out.append((f"{d['kind']}/{d['metadata']['name']}", d["spec"]["template"]["spec"]))
    return out


def containers(spec: dict) -> list[dict]:
    return spec.get("initContainers", []) + spec["containers"]


def env_of(container: dict) -> dict[str, dict]:
    return {e["name"]: e for e in container.get("env", [])}


def pod_annotations(docs: list[dict], suffix: str) -> dict[str, str]:
    return one(docs, "Deployment", suffix)["spec"]["template"]["metadata"].get("annotations", {})


# --- lint and schemas ---------------------------------------------------------------------------


def test_lint(helm, case):
    args = ["-f", str(VALUES[case])] if VALUES[case] else []
    result = run([helm, "lint", "--strict", str(CHART), *args])
    assert result.returncode == 0, result.stdout + result.stderr


def _close(node: Any) -> None:
    """Make a pydantic-generated schema strict: objects with declared properties take no others."""
    if isinstance(node, dict):
        if "properties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        for value in node.values():
            _close(value)
    elif isinstance(node, list):
        for value in node:
            _close(value)


@functools.cache
def crd_validator(api_version: str, kind: str) -> jsonschema.Validator | None:
    """Strict validators for the custom resources the chart renders, from the CRD-derived models."""
    models = {
        ("keda.sh/v1alpha1", "ScaledObject"): ("cloudcoil.models.keda.v1alpha1", "ScaledObject"),
        ("keda.sh/v1alpha1", "TriggerAuthentication"): ("cloudcoil.models.keda.v1alpha1", "TriggerAuthentication"),
        ("monitoring.coreos.com/v1", "ServiceMonitor"): ("cloudcoil.models.prometheus_operator.v1", "ServiceMonitor"),
    }
    if (api_version, kind) not in models:
        return None
    module, name = models[(api_version, kind)]
    schema = getattr(need_module(module), name).model_json_schema(by_alias=True)
    _close(schema)
    return jsonschema.Draft202012Validator(schema)


def test_manifests_match_kubernetes_schemas_strictly(docs, case):
    kv = need_module("kubernetes_validate")
    problems = []
    for doc in docs:
        where = f"{doc['kind']}/{doc['metadata']['name']}"
        crd = crd_validator(doc["apiVersion"], doc["kind"])
        if crd is not None:
            problems += [f"{where}: {'.'.join(map(str, e.absolute_path))}: {e.message}" for e in crd.iter_errors(doc)]
            continue
        for version in K8S_VERSIONS:
            try:
                kv.validate(doc, version, strict=True)
            except kv.utils.SchemaNotFoundError:
                problems.append(f"{where}: no schema for {doc['apiVersion']} {doc['kind']} in Kubernetes {version}")
            except kv.ValidationError as e:
                problems.append(f"{where} (k8s {version}): {'.'.join(map(str, e.absolute_path))}: {e.message}")
    assert not problems, "\n".join(problems)


def test_strict_validation_catches_an_unknown_field():
    """The validator the test above relies on does reject a misspelt field, core and CRD alike."""
    kv = need_module("kubernetes_validate")
    bad = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "x"},
        "spec": {"ports": [{"port": 80, "tragetPort": 80}]},
    }
    with pytest.raises(kv.ValidationError, match="tragetPort"):
        kv.validate(bad, K8S_VERSIONS[-1], strict=True)
    scaled = {
        "apiVersion": "keda.sh/v1alpha1",
        "kind": "ScaledObject",
        "metadata": {"name": "x"},
        "spec": {"scaleTargetRef": {"name": "x"}, "triggers": [{"type": "redis", "metadata": {}}], "maxReplicas": 3},
    }
    errors = list(crd_validator("keda.sh/v1alpha1", "ScaledObject").iter_errors(scaled))
    assert any("maxReplicas" in e.message for e in errors)


BAD_VALUES = {
    "grace period shorter than an LLM call": ({"generate": {"terminationGracePeriodSeconds": 300}}, "terminationGracePeriodSeconds"),
    "misspelt top-level key": ({"generat": {"concurrency": 2}}, "generat"),
    "local path as store": ({"store": {"url": "/data/farm"}}, "url"),
    "zero concurrency": ({"score": {"concurrency": 0}}, "concurrency"),
    "password in the Redis URL": (
        {"redis": {"enabled": False, "external": {"url": "redis://:hunter2@redis:6379/0"}}},
        "url",
    ),
    "API key as a literal env value": (
        {"extraEnv": [{"name": "OPENROUTER_API_KEY", "value": "sk-or-v1-0000"}]},
        "OPENROUTER_API_KEY",
    ),
    "HPA asked to scale to zero": ({"generate": {"autoscaling": {"enabled": True, "minReplicas": 0}}}, "minReplicas"),
    "no Redis at all": ({"redis": {"enabled": False}}, "redis.external"),
    "round Job without a round file": ({"round": {"submit": True}}, "round.file"),
    "zero runtime concurrency": ({"runtime": {"concurrency": 0}}, "concurrency"),
    "misspelt runtime key": ({"runtime": {"replica": 2}}, "replica"),
    # The sandbox's needs (the next two were found by running `farm verify` under these capability sets).
    "runtime worker not root": ({"runtime": {"podSecurityContext": {"runAsNonRoot": True}}},
                                "runtime.podSecurityContext.runAsNonRoot"),
    "runtime sandbox unable to lease uids": (
        {"runtime": {"securityContext": {"capabilities": {"drop": ["ALL"], "add": ["CHOWN", "DAC_OVERRIDE", "FOWNER",
                                                                                   "KILL", "SETGID"]}}}},
        "SETUID"),
    "external PostgreSQL URL as a literal value": (
        {"runtime": {"postgres": {"external": {"url": "postgresql://admin:hunter2@db:5432/farm"}}}}, "url"),
    "external PostgreSQL Secret misnamed": ({"runtime": {"postgres": {"external": {"existingSecret": "PG_URL"}}}},
                                            "existingSecret"),
    "network namespace without NET_ADMIN": (
        {"runtime": {"securityContext": {"capabilities": {"drop": ["ALL"], "add": [*SANDBOX_CAPABILITIES, "SYS_ADMIN"]}}}},
        "NET_ADMIN"),
}


@pytest.mark.parametrize("bad", list(BAD_VALUES))
def test_bad_values_fail_naming_the_field(helm, tmp_path, bad):
    values, field = BAD_VALUES[bad]
    path = tmp_path / "bad-values.yaml"
    path.write_text(yaml.safe_dump(values))
    result = template(helm, "-f", str(path))
    assert result.returncode != 0, f"{bad}: rendered although it should fail"
    assert field in result.stderr, f"{bad}: the error does not name {field!r}:\n{result.stderr}"
    assert "hunter2" not in result.stderr and "sk-or-v1" not in result.stderr, "the error echoes a secret"


# --- what the rendered objects must mean --------------------------------------------------------


def test_no_secret_is_spelled_out(docs, case):
    """Every key/password/token env var comes from a Secret; a Secret is rendered only when the
    chart generates it (Redis, Flower), never from values."""
    for where, spec in pod_specs(docs):
        for c in containers(spec):
            for name, e in env_of(c).items():
                if SECRETISH.search(name):
                    assert "valueFrom" in e, f"{where} {c['name']}: {name} has a literal value"
    values = values_of(case)
    expected = set()
    if values["redis"]["enabled"] and not values["redis"]["auth"]["existingSecret"]:
        expected.add("farm-benchfarm-redis")
    if values["flower"]["enabled"] and not values["flower"]["auth"]["existingSecret"]:
        expected.add("farm-benchfarm-flower")
    assert {d["metadata"]["name"] for d in find(docs, "Secret")} == expected


def test_references_resolve(docs, case):
    """Secrets and ConfigMaps the pods use are rendered here or named as existing in values."""
    values = values_of(case)
    existing_secrets = {
        values["store"]["s3"]["existingSecret"],
        values["apiKeys"]["existingSecret"],
        values["flower"]["auth"]["existingSecret"],
        values["redis"]["auth"]["existingSecret"],
        values["redis"]["external"]["existingSecret"],
    } - {""}
    secrets = {d["metadata"]["name"] for d in find(docs, "Secret")} | existing_secrets
    configmaps = {d["metadata"]["name"] for d in find(docs, "ConfigMap")} | ({values["round"]["existingConfigMap"]} - {""})
    for where, spec in pod_specs(docs):
        for c in containers(spec):
            for e in c.get("env", []):
                ref = e.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    assert ref["name"] in secrets, f"{where}: env {e['name']} uses unknown Secret {ref['name']}"
            for src in c.get("envFrom", []):
                assert src["secretRef"]["name"] in secrets, f"{where}: envFrom unknown Secret"
        for vol in spec.get("volumes", []):
            if "configMap" in vol:
                assert vol["configMap"]["name"] in configmaps, f"{where}: unknown ConfigMap {vol['configMap']['name']}"
    for secret in find(docs, "Secret"):
        assert secret["data"], f"Secret {secret['metadata']['name']} is empty"


@pytest.mark.parametrize("queue", WORKERS)
def test_workers_follow_the_runtime_contract(docs, case, queue):
    values = values_of(case)[queue]
    deploy = one(docs, "Deployment", f"-{queue}")
    spec = deploy["spec"]["template"]["spec"]
    (worker,) = spec["containers"]
    assert worker["args"] == ["farm", "worker", "--queues", queue, "--concurrency", str(values["concurrency"])]
    assert spec["terminationGracePeriodSeconds"] == values["terminationGracePeriodSeconds"]
    if queue == "generate":
        assert spec["terminationGracePeriodSeconds"] > 600, "must outlast a 10-minute LLM call"
    env = env_of(worker)
    assert {"FARM_REDIS_URL", "FARM_STORE", "FARM_METRICS_PORT"} <= env.keys()
    assert env["FARM_STORE"]["value"] == values_of(case)["store"]["url"]
    # The liveness ping must address this pod's own Celery node.
    probe = " ".join(worker["livenessProbe"]["exec"]["command"])
    assert "inspect ping" in probe and "celery@$HOSTNAME" in probe
    assert worker["readinessProbe"]["httpGet"]["port"] == "metrics"
    # Multiprocess metrics need a writable directory even with a read-only root filesystem.
    mounts = {m["mountPath"] for m in worker["volumeMounts"]}
    assert {"/tmp", "/tmp/farm-metrics"} <= mounts
    assert worker["securityContext"]["readOnlyRootFilesystem"] is True
    # Only the runtime workers run as root: their sandbox runs the generated code as uids of its own.
    assert spec["securityContext"]["runAsNonRoot"] is (queue != "runtime")
    autoscaled = queue == "generate" and values.get("autoscaling", {}).get("enabled")
    assert ("replicas" in deploy["spec"]) != bool(autoscaled), "replicas must be left to the autoscaler, and only then"


def test_metrics_service_selects_exactly_the_workers(docs):
    service = one(docs, "Service", "-metrics")
    selector = service["spec"]["selector"]
    selected = {
        d["metadata"]["name"]
        for d in find(docs, "Deployment") + find(docs, "StatefulSet")
        if selector.items() <= d["spec"]["template"]["metadata"]["labels"].items()
    }
    assert selected == {f"farm-benchfarm-{queue}" for queue in WORKERS}
    assert service["spec"]["ports"][0]["targetPort"] == "metrics"
    for monitor in find(docs, "ServiceMonitor"):
        assert monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
        assert monitor["spec"]["endpoints"][0]["port"] == "metrics"


def test_runtime_workers_give_the_sandbox_what_it_needs_and_no_api_key(docs, case):
    values = values_of(case)["runtime"]
    spec = one(docs, "Deployment", "-runtime")["spec"]["template"]["spec"]
    (worker,) = spec["containers"]
    assert spec["securityContext"]["runAsUser"] == 0
    capabilities = worker["securityContext"]["capabilities"]
    assert capabilities["drop"] == ["ALL"] and set(SANDBOX_CAPABILITIES) <= set(capabilities["add"])
    assert worker["securityContext"]["allowPrivilegeEscalation"] is False  # dropping to a uid needs none
    # The isolation the values choose: "loopback" by default, "netns" in the large farm's example.
    netns = NETNS_CAPABILITIES <= set(capabilities["add"])
    assert netns == (case == "keda")
    if netns:
        assert pod_annotations(docs, "-runtime")["container.apparmor.security.beta.kubernetes.io/worker"] == "unconfined"
    assert "envFrom" not in worker, "the runtime workers need no model API key: the generated code runs beside them"
    # npm installs, PostgreSQL data and TMPDIR on one volume: the installs are hard-linked into each project.
    env = env_of(worker)
    paths = [env[name]["value"] for name in ("FARM_RUNTIME_NPM_CACHE", "FARM_POSTGRES_DATA", "TMPDIR")]
    assert all(path.startswith(RUNTIME_WORK + "/") for path in paths)
    (mount,) = [m for m in worker["volumeMounts"] if m["mountPath"] == RUNTIME_WORK]
    (volume,) = [v for v in spec["volumes"] if v["name"] == mount["name"]]
    assert volume["emptyDir"]["sizeLimit"] == values["workSizeLimit"]



def test_runtime_workers_use_an_external_postgres_only_from_a_secret(helm):
    """Without a Secret the bundled clusters (no FARM_POSTGRES_URL); with one, its key as the env var,
    and only on the runtime workers."""
    def worker_env(*args: str) -> dict[str, dict[str, dict]]:
        result = template(helm, "--show-only", "templates/workers.yaml", *args)
        assert result.returncode == 0, result.stderr
        return {d["metadata"]["name"]: env_of(d["spec"]["template"]["spec"]["containers"][0])
                for d in yaml.safe_load_all(result.stdout) if d}

    assert not [name for name, env in worker_env().items() if "FARM_POSTGRES_URL" in env]
    for args, key in ((), "url"), (("--set", "runtime.postgres.external.key=dsn"), "dsn"):
        env = worker_env("--set", "runtime.postgres.external.existingSecret=benchfarm-postgres", *args)
        assert env["farm-benchfarm-runtime"]["FARM_POSTGRES_URL"]["valueFrom"] == {
            "secretKeyRef": {"name": "benchfarm-postgres", "key": key}}
        assert [name for name, worker in env.items() if "FARM_POSTGRES_URL" in worker] == ["farm-benchfarm-runtime"]
    notes = run([helm, "install", "farm", str(CHART), "--dry-run=client", "--namespace", "bench",
                 "--set", "runtime.postgres.external.existingSecret=benchfarm-postgres"])
    assert notes.returncode == 0, notes.stderr
    assert "database: the external PostgreSQL named by Secret benchfarm-postgres (key url)" in notes.stdout


def test_runtime_workers_can_be_left_to_another_host(helm):
    result = template(helm, "--set", "runtime.enabled=false")
    assert result.returncode == 0, result.stderr
    names = {d["metadata"]["name"] for d in yaml.safe_load_all(result.stdout) if d and d["kind"] == "Deployment"}
    assert "farm-benchfarm-runtime" not in names and {"farm-benchfarm-generate", "farm-benchfarm-score"} <= names


def test_redis_is_persistent_and_the_url_points_at_it(docs, case):
    values = values_of(case)
    worker = one(docs, "Deployment", "-generate")["spec"]["template"]["spec"]["containers"][0]
    url = env_of(worker)["FARM_REDIS_URL"]
    if not values["redis"]["enabled"]:
        assert not find(docs, "StatefulSet")
        assert url["valueFrom"]["secretKeyRef"]["name"] == values["redis"]["external"]["existingSecret"]
        return
    sts = one(docs, "StatefulSet", "-redis")
    assert sts["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"] == values["redis"]["persistence"]["size"]
    conf = one(docs, "ConfigMap", "-redis")["data"]["redis.conf"]
    assert "appendonly yes" in conf and "maxmemory-policy noeviction" in conf
    assert "appendfsync always" in conf  # settled spend is on disk before a worker hears "settled"
    service = one(docs, "Service", "farm-benchfarm-redis")
    assert url["value"] == f"redis://:$(REDIS_PASSWORD)@{service['metadata']['name']}:6379/0"
    # $(REDIS_PASSWORD) only expands if that variable is defined before the URL.
    names = [e["name"] for e in worker["env"]]
    assert names.index("REDIS_PASSWORD") < names.index("FARM_REDIS_URL")
    assert "requirepass" not in " ".join(sts["spec"]["template"]["spec"]["containers"][0]["command"][:2])


def test_flower_auth_is_on_and_from_a_secret(docs, case):
    values = values_of(case)
    flower = one(docs, "Deployment", "-flower")["spec"]["template"]["spec"]["containers"][0]
    env = env_of(flower)
    assert env["FARM_FLOWER_BASIC_AUTH"]["value"] == "$(FLOWER_USERNAME):$(FLOWER_PASSWORD)"
    secret = values["flower"]["auth"]["existingSecret"] or "farm-benchfarm-flower"
    for var in ("FLOWER_USERNAME", "FLOWER_PASSWORD"):
        assert env[var]["valueFrom"]["secretKeyRef"]["name"] == secret
    assert "--no-auth" not in flower["args"]
    assert "envFrom" not in flower, "Flower must not see the model API keys"


def test_autoscaling_targets_the_generate_workers(docs, case):
    autoscaling = values_of(case)["generate"]["autoscaling"]
    scaled = find(docs, "ScaledObject")
    hpas = find(docs, "HorizontalPodAutoscaler")
    target = one(docs, "Deployment", "-generate")["metadata"]["name"]
    if not autoscaling["enabled"]:
        assert not scaled and not hpas
    elif autoscaling["keda"]["enabled"]:
        assert not hpas, "KEDA creates its own HPA"
        (so,) = scaled
        assert so["spec"]["scaleTargetRef"]["name"] == target
        assert (so["spec"]["minReplicaCount"], so["spec"]["maxReplicaCount"]) == (autoscaling["minReplicas"], autoscaling["maxReplicas"])
        (trigger,) = so["spec"]["triggers"]
        assert trigger["type"] == "redis" and trigger["metadata"]["listName"] == "generate"
        assert trigger["metadata"]["listLength"] == str(autoscaling["queueLengthPerReplica"])
        auth = one(docs, "TriggerAuthentication", trigger["authenticationRef"]["name"])
        ref = auth["spec"]["secretTargetRef"][0]
        redis_secret = one(docs, "Secret", ref["name"])
        assert ref["key"] in redis_secret["data"]
        assert trigger["metadata"]["address"].startswith(one(docs, "Service", "farm-benchfarm-redis")["metadata"]["name"] + ":")
    else:
        (hpa,) = hpas
        assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": target}
        assert hpa["spec"]["metrics"][0]["external"]["metric"]["selector"]["matchLabels"] == {"queue": "generate"}
        assert hpa["spec"]["behavior"]["scaleDown"]["policies"][0]["value"] == 1


def test_round_job_submits_a_valid_round_file(docs, case):
    jobs = find(docs, "Job")
    values = values_of(case)
    if not values["round"]["submit"]:
        assert not jobs
        return
    (job,) = jobs
    spec = job["spec"]["template"]["spec"]
    submit = spec["containers"][0]
    assert submit["args"] == ["farm", "round", "submit", "/rounds/round.yaml"]
    assert {"mountPath": "/rounds", "name": "round", "readOnly": True} in submit["volumeMounts"]
    assert spec["restartPolicy"] == "Never"
    assert len(job["metadata"]["name"]) <= 63
    (volume,) = [v for v in spec["volumes"] if v["name"] == "round"]
    configmap = one(docs, "ConfigMap", volume["configMap"]["name"])
    round_file = yaml.safe_load(configmap["data"]["round.yaml"])
    # The file must be a round the farm accepts, not just YAML.
    from farm.spec import RoundSpec

    spec_model = RoundSpec.model_validate(round_file)
    assert job["metadata"]["annotations"]["benchfarm/round"] == spec_model.round
    for model in spec_model.models:
        key_env = model.endpoint.key_env
        if key_env:
            assert submit["envFrom"], f"round needs {key_env} but the Job gets no API key Secret"


def test_round_job_name_changes_with_the_file(helm, tmp_path):
    """Same file: same Job (upgrade is a no-op). Edited file: a new Job (immutable Jobs)."""
    names = []
    for budget in (10, 10, 20):
        path = tmp_path / "round.yaml"
        path.write_text(f"round: 2026-12\nbudgets: {{round_usd: {budget}}}\n")
        result = template(helm, "--set", "round.submit=true", "--set-file", f"round.file={path}", "--show-only", "templates/round-job.yaml")
        assert result.returncode == 0, result.stderr
        (job,) = [d for d in yaml.safe_load_all(result.stdout) if d and d["kind"] == "Job"]
        names.append(job["metadata"]["name"])
    assert names[0] == names[1] != names[2]
    assert names[0].startswith("farm-benchfarm-round-2026-12-")


def test_notes_say_how_to_open_flower_and_grafana(helm):
    result = run([helm, "install", "farm", str(CHART), "--dry-run=client", "--namespace", "bench"])
    assert result.returncode == 0, result.stderr
    notes = result.stdout.split("NOTES:", 1)[1]
    assert "port-forward svc/farm-benchfarm-flower 5555:5555" in notes
    assert "get secret farm-benchfarm-flower" in notes
    assert "Grafana" in notes and "deploy/grafana/dashboards" in notes
    assert "isolation of the generated code: loopback" in notes and 'Pod Security "baseline" is enough' in notes
    assert "database: bundled, a private PostgreSQL cluster per worker process" in notes
