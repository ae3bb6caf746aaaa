"""The metrics a live worker serves after a simulated round, and the dashboards and alerts that use them.

One prefork worker with two child processes runs a round of three scripted models; its main
process serves /metrics. What it serves must sum both children exactly (checked against the
ledger), and every metric a dashboard query or an alert rule names must be among what it serves.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import redis
import yaml
from prometheus_client.parser import text_string_to_metric_families

from farm.embedded import EmbeddedFarm
from farm.ledger import Ledger
from farm.redis_server import RedisServer, free_port
from farm.roundfile import parse_round
from farm.sim import SimAdmin, SimServer
from farm.store import open_store
from tests.integration.rounds import DEMO, submit_round, wait_complete
from tests.servers import REPO, WorkerProcess, wait_until

pytestmark = pytest.mark.integration

ROUND = "metered"
PROMETHEUS = REPO / "deploy" / "prometheus"
DASHBOARDS = sorted((REPO / "deploy" / "grafana" / "dashboards").glob("*.json"))
_METRIC = re.compile(r"\b(farm_[a-z0-9_]+)\b")


@dataclass(frozen=True)
class Scrape:
    samples: list[tuple[str, dict[str, str], float]]
    ledger: Ledger
    child_pids: set[str]  # pids that wrote multiprocess files

    def total(self, name: str, **labels: str) -> float:
        return sum(v for n, lbl, v in self.samples if n == name and all(lbl.get(k) == x for k, x in labels.items()))

    @property
    def names(self) -> set[str]:
        return {n for n, _, _ in self.samples}


@pytest.fixture(scope="module")
def scrape(redis_server: RedisServer, sim_server: SimServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scrape]:
    redis.Redis.from_url(redis_server.url).flushall()
    SimAdmin(sim_server.base_url).reset()
    SimAdmin(sim_server.base_url).inject("rate_limit", model="sim/clean", count=2, retry_after=0.2)
    tmp = tmp_path_factory.mktemp("metrics")
    store = open_store(str(tmp / "store"))
    multiproc = tmp / "multiproc"
    multiproc.mkdir()
    port = free_port()
    env = {"FARM_REDIS_URL": redis_server.url, "FARM_STORE": store.url, "PROMETHEUS_MULTIPROC_DIR": str(multiproc),
           "FARM_METRICS_PORT": str(port), "FARM_METRICS_ADDR": "127.0.0.1"}
    worker = WorkerProcess(env, tmp / "worker.log", concurrency=2)
    try:
        data = yaml.safe_load(DEMO.read_text())
        data.update(round=ROUND, phases=["analyze"], operation_concurrency=2)
        for model in data["models"]:  # the learner's own budget stops it: refusals get counted too
            model.update({"budget_usd": 0.001} if model["id"] == "sim/learner" else {})
        submit_round(parse_round(data, "test-round", DEMO.parent), store, redis_server.url, sim_server.base_url)
        ledger = Ledger.from_url(redis_server.url)
        wait_complete(ledger, ROUND, timeout=120)
        url = f"http://127.0.0.1:{port}/metrics"
        wait_until(lambda: httpx.get(url, timeout=5).status_code == 200, 10, "/metrics")
        text = httpx.get(url, timeout=10).text
        samples = [(s.name, s.labels, s.value) for family in text_string_to_metric_families(text) for s in family.samples]
        pids = {path.stem.rsplit("_", 1)[1] for path in multiproc.glob("counter_*.db")}
        yield Scrape(samples, ledger, pids)
    finally:
        worker.stop()


def test_the_exporter_sums_both_prefork_children_exactly(scrape: Scrape) -> None:
    assert len(scrape.child_pids) == 2, "both worker processes should have run jobs"
    usage = scrape.ledger.usage(ROUND)
    assert scrape.total("farm_llm_requests_total") == sum(u["attempts"] for u in usage.values())
    assert scrape.total("farm_llm_requests_total", outcome="rate_limited") == 2
    for model, counters in usage.items():
        assert scrape.total("farm_llm_cost_usd_total", model=model) == pytest.approx(counters["cost_usd"])
        for kind in ("input", "cached", "output", "reasoning"):
            expected = counters.get(f"tokens_{kind}", 0)
            assert scrape.total("farm_llm_tokens_total", model=model, kind=kind) == pytest.approx(expected), (model, kind)
    answered = scrape.total("farm_llm_requests_total", outcome="answered")
    assert scrape.total("farm_function_call_results_total") == answered
    assert scrape.total("farm_llm_latency_seconds_count") == scrape.total("farm_llm_requests_total")

    phase_jobs = {job.model: rec.state.value for job, rec in scrape.ledger.jobs(ROUND).items() if job.phase == "analyze"}
    assert phase_jobs == {"sim/clean": "succeeded", "sim/learner": "budget_stopped", "sim/broken": "model_failed"}
    for model, state in phase_jobs.items():
        assert scrape.total("farm_job_duration_seconds_count", model=model, phase="analyze", state=state) == 1
        assert scrape.total("farm_jobs_started_total", model=model, phase="analyze") == 1
        assert scrape.total("farm_jobs", model=model, phase="analyze", state=state) == 1
    # Runs that ended for the model are scored (the budget-stopped one is not), and say so.
    for model in ("sim/clean", "sim/broken"):
        assert scrape.total("farm_jobs_started_total", model=model, phase="score") == 1
        assert scrape.total("farm_job_duration_seconds_count", model=model, phase="score", state="succeeded") == 1
    assert scrape.total("farm_jobs_started_total", model="sim/learner", phase="score") == 0
    assert {labels["model"] for name, labels, _ in scrape.samples if name == "farm_run_score"} == {"sim/clean", "sim/broken"}


def test_farm_state_is_served_from_redis(scrape: Scrape) -> None:
    assert scrape.total("farm_queue_depth", queue="generate") == 0
    assert scrape.total("farm_budget_limit_usd", round=ROUND, scope="round") == 1.0
    assert scrape.total("farm_budget_limit_usd", round=ROUND, scope="model", model="sim/learner") == 0.001
    assert scrape.total("farm_budget_refusals_total", round=ROUND, scope="model", model="sim/learner") >= 1
    spent = scrape.total("farm_budget_spent_usd", round=ROUND, scope="round")
    assert spent == pytest.approx(sum(u["cost_usd"] for u in scrape.ledger.usage(ROUND).values()), abs=1e-8)
    assert scrape.total("farm_budget_reserved_usd", round=ROUND, scope="round") == 0
    assert scrape.total("farm_endpoint_concurrency_max") == 4 and scrape.total("farm_endpoint_in_flight") == 0


def _dashboard_queries(path: Path) -> list[str]:
    dashboard = json.loads(path.read_text())
    queries = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    return queries + [v["query"]["query"] for v in dashboard["templating"]["list"] if v["type"] == "query"]


def _rule_queries() -> list[str]:
    rules = yaml.safe_load((PROMETHEUS / "rules" / "farm.yml").read_text())
    return [rule["expr"] for group in rules["groups"] for rule in group["rules"]]


@pytest.mark.parametrize("source", [p.name for p in DASHBOARDS] + ["rules/farm.yml"])
def test_every_metric_a_dashboard_or_alert_uses_is_served(scrape: Scrape, source: str) -> None:
    queries = _rule_queries() if source == "rules/farm.yml" else _dashboard_queries(REPO / "deploy/grafana/dashboards" / source)
    used = {name for query in queries for name in _METRIC.findall(query)}
    assert used, f"{source} uses no farm metric"
    assert sorted(used - scrape.names) == [], f"{source} queries metrics no worker serves"


def _promtool() -> str:
    found = shutil.which("promtool")
    if not found:
        pytest.fail("promtool not found: install the Debian package `prometheus` (scripts/setup --test)", pytrace=False)
    return found


def _promtool_run(*args: str) -> str:
    done = subprocess.run([_promtool(), *args], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_prometheus_config_and_rules_pass_promtool() -> None:
    assert "SUCCESS" in _promtool_run("check", "config", str(PROMETHEUS / "prometheus.yml"))
    assert "SUCCESS: 9 rules found" in _promtool_run("check", "rules", str(PROMETHEUS / "rules" / "farm.yml"))
    assert "SUCCESS" in _promtool_run("test", "rules", str(PROMETHEUS / "tests" / "farm_test.yml"))


# Grafana's variables, replaced by what they expand to, so promtool can parse the queries.
_GRAFANA_VARIABLES = {"$__rate_interval": "1m", "$__interval": "1m", "$__range": "1h", "$round": ".*", "$model": ".*"}


def test_dashboard_queries_are_valid_promql(tmp_path: Path) -> None:
    rules = []
    for path in DASHBOARDS:
        for index, query in enumerate(q for q in _dashboard_queries(path) if not q.startswith("label_values(")):
            for variable, value in _GRAFANA_VARIABLES.items():
                query = query.replace(variable, value)
            rules.append({"record": f"dashboard:{path.stem.replace('-', '_')}:{index}", "expr": query})
    (tmp_path / "queries.yml").write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}))
    assert f"SUCCESS: {len(rules)} rules found" in _promtool_run("check", "rules", str(tmp_path / "queries.yml"))


def test_dashboards_use_the_provisioned_datasource_and_the_scraped_job() -> None:
    provisioned = yaml.safe_load((REPO / "deploy/grafana/provisioning/datasources/prometheus.yml").read_text())
    uid = provisioned["datasources"][0]["uid"]
    scrape_jobs = {job["job_name"] for job in yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())["scrape_configs"]}
    used: Counter[str] = Counter()
    jobs = defaultdict(set)
    for path in DASHBOARDS:
        dashboard = json.loads(path.read_text())
        for panel in dashboard["panels"]:
            used[panel.get("datasource", {}).get("uid", uid)] += 1
            for target in panel.get("targets", []):
                jobs[path.name] |= set(re.findall(r'job="([^"]+)"', target["expr"]))
    assert set(used) == {uid}
    assert all(found <= scrape_jobs for found in jobs.values()), jobs


def test_the_embedded_farm_serves_metrics_on_loopback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    port = free_port()
    monkeypatch.setenv("FARM_METRICS_PORT", str(port))
    monkeypatch.delenv("FARM_METRICS_ADDR", raising=False)
    with EmbeddedFarm(tmp_path / "store", simulator=False, concurrency=1):
        url = f"http://127.0.0.1:{port}/metrics"

        def serving() -> bool:
            try:
                return httpx.get(url, timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(serving, 60, "the embedded worker's /metrics")
        assert "farm_queue_depth{queue=\"generate\"} 0.0" in httpx.get(url, timeout=5).text
    assert not serving()
