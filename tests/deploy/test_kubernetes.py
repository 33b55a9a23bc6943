"""deploy/kubernetes/: every manifest against the Kubernetes JSON schemas, offline, plus the
behaviour the manifests promise (probes, draining, non-root, shared jobs volume, scaling).

The schemas are the ones bundled in the PyPI package kubernetes-validate (no network). No
cluster runs here, so what a cluster would check beyond the schema is asserted below.
"""

from __future__ import annotations

import re
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
KUBE = ROOT / "deploy" / "kubernetes"
# The oldest Kubernetes release the manifests are written for, and the newest the package knows.
VERSIONS = ("1.29.0", kubernetes_validate.latest_version() + ".0")


def load_documents() -> list[tuple[str, dict]]:
    kustomization = yaml.safe_load((KUBE / "kustomization.yaml").read_text())
    docs = []
    for name in kustomization["resources"]:
        docs += [(name, doc) for doc in yaml.safe_load_all((KUBE / name).read_text()) if doc]
    return docs


DOCUMENTS = load_documents()


def find(kind: str, name: str) -> dict:
    matches = [d for _, d in DOCUMENTS if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(matches) == 1, f"expected one {kind} {name}, found {len(matches)}"
    return matches[0]


def container(deployment: str) -> dict:
    (only,) = find("Deployment", deployment)["spec"]["template"]["spec"]["containers"]
    return only


def settings() -> dict[str, str]:
    return find("ConfigMap", "huayin-settings")["data"]


def image_user() -> int:
    users = re.findall(r"^USER\s+(\S+)", (ROOT / "Dockerfile").read_text(), flags=re.MULTILINE)
    return int(users[-1].split(":")[0])


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(("source", "document"), DOCUMENTS, ids=[f"{s}:{d['kind']}" for s, d in DOCUMENTS])
def test_every_manifest_is_valid_against_the_kubernetes_schemas(source, document, version):
    kubernetes_validate.validate(document, version, strict=True)  # strict: unknown fields are errors


def test_kustomization_lists_every_manifest_in_the_directory():
    kustomization = yaml.safe_load((KUBE / "kustomization.yaml").read_text())
    on_disk = sorted(p.name for p in KUBE.glob("*.yaml") if p.name != "kustomization.yaml")
    assert sorted(kustomization["resources"]) == on_disk
    assert [i["name"] for i in kustomization["images"]] == ["huayin"]


def test_web_pods_are_live_on_healthz_and_ready_and_started_on_readyz():
    web = container("huayin")
    assert web["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert web["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert web["startupProbe"]["httpGet"]["path"] == "/readyz"
    port_names = {p["name"] for p in web["ports"]}
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        assert web[probe]["httpGet"]["port"] in port_names
    # The engine may take its time to load: the start-up budget is far above the liveness budget.
    startup = web["startupProbe"]["periodSeconds"] * web["startupProbe"]["failureThreshold"]
    assert startup >= 60


def test_web_pods_drain_before_stopping_and_outlast_the_request_deadline():
    pod = find("Deployment", "huayin")["spec"]["template"]["spec"]
    web = container("huayin")
    pause = web["lifecycle"]["preStop"]["exec"]["command"]
    assert pause[0] == "sleep"
    request_timeout = float(settings()["TTS_REQUEST_TIMEOUT"])
    graceful = float(settings()["TTS_GRACEFUL_TIMEOUT"])
    assert request_timeout == 120
    assert graceful >= request_timeout, "gunicorn must let a request run to its deadline after SIGTERM"
    assert pod["terminationGracePeriodSeconds"] > request_timeout
    assert pod["terminationGracePeriodSeconds"] >= float(pause[1]) + graceful


def test_huayin_pods_run_as_the_images_unprivileged_user():
    for name in ("huayin", "huayin-worker"):
        pod = find("Deployment", name)["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] == image_user() != 0
        only = container(name)
        assert only["securityContext"]["allowPrivilegeEscalation"] is False
        assert only["securityContext"]["readOnlyRootFilesystem"] is True
        # A read-only root needs writable /tmp (gunicorn's metrics directory lives there).
        assert "/tmp" in {m["mountPath"] for m in only["volumeMounts"]}


def test_web_workers_match_the_cpu_limit():
    web = container("huayin")
    workers = {e["name"]: e["value"] for e in web["env"]}["TTS_WORKERS"]
    assert int(workers) == int(web["resources"]["limits"]["cpu"])
    assert web["resources"]["requests"]["cpu"] == web["resources"]["limits"]["cpu"]


def test_job_worker_runs_celery_from_the_web_image_with_the_same_settings_and_jobs_volume():
    web, worker = container("huayin"), container("huayin-worker")
    assert worker["image"] == web["image"]
    assert worker["command"] == ["celery", "-A", "app.jobs", "worker", "--loglevel=INFO", "--concurrency=1"]
    assert worker["envFrom"] == web["envFrom"]
    job_dir = settings()["TTS_JOB_DIR"]
    for name in ("huayin", "huayin-worker"):
        pod = find("Deployment", name)["spec"]["template"]["spec"]
        volumes = [v for v in pod["volumes"] if "persistentVolumeClaim" in v]
        claims = {v["name"]: v["persistentVolumeClaim"]["claimName"] for v in volumes}
        mounts = {m["mountPath"]: m["name"] for m in container(name)["volumeMounts"]}
        assert claims[mounts[job_dir]] == "huayin-jobs"
    assert find("PersistentVolumeClaim", "huayin-jobs")["spec"]["accessModes"] == ["ReadWriteMany"]


def test_services_select_their_pods_and_named_ports():
    for _, service in [(s, d) for s, d in DOCUMENTS if d["kind"] == "Service"]:
        selector = service["spec"]["selector"]
        targets = [
            d
            for _, d in DOCUMENTS
            if d["kind"] == "Deployment" and selector.items() <= d["spec"]["template"]["metadata"]["labels"].items()
        ]
        assert len(targets) == 1, service["metadata"]["name"]
        ports = {p["name"] for c in targets[0]["spec"]["template"]["spec"]["containers"] for p in c.get("ports", [])}
        assert {p["targetPort"] for p in service["spec"]["ports"]} <= ports
    # Kubernetes service links name variables after Services: "tts" would set TTS_PORT=tcp://…
    assert all(d["metadata"]["name"].lower() != "tts" for _, d in DOCUMENTS if d["kind"] == "Service")


def test_redis_url_names_the_redis_service_and_redis_is_bounded():
    host = re.match(r"redis://([^:/]+):(\d+)/\d+$", settings()["TTS_REDIS_URL"])
    assert host, settings()["TTS_REDIS_URL"]
    service = find("Service", host.group(1))
    assert int(host.group(2)) in {p["port"] for p in service["spec"]["ports"]}
    args = container("huayin-redis")["args"]
    assert args[args.index("--maxmemory") + 1] == "256mb"
    # Only keys with an expiry may be evicted: Celery's queues have none and must survive.
    assert args[args.index("--maxmemory-policy") + 1] == "volatile-lru"


def test_hpa_scales_the_web_deployment_on_cpu_and_the_pdb_leaves_room_to_drain():
    hpa = find("HorizontalPodAutoscaler", "huayin")["spec"]
    assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "huayin"}
    (metric,) = hpa["metrics"]
    assert metric["resource"]["name"] == "cpu"
    assert metric["resource"]["target"] == {"type": "Utilization", "averageUtilization": 70}
    assert hpa["minReplicas"] >= 2
    pdb = find("PodDisruptionBudget", "huayin")["spec"]
    assert pdb["minAvailable"] == 1 < hpa["minReplicas"], "a PDB as large as the minimum would block every drain"
    labels = find("Deployment", "huayin")["spec"]["template"]["metadata"]["labels"]
    assert pdb["selector"]["matchLabels"].items() <= labels.items()
