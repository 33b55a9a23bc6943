"""deploy/kubernetes/: every manifest against the Kubernetes JSON schemas, offline, plus the
behaviour the manifests promise (probes, draining, non-root, shared jobs volume, scaling).

The schemas are the ones bundled in the PyPI package kubernetes-validate (no network). No
cluster runs here, so what a cluster would check beyond the schema is asserted below. The
Sambert overlay is rendered with the two kustomize features it uses (the images transformer and
RFC 6902 JSON patches, applied with the jsonpatch package); `kubectl kustomize` renders the same
objects (checked by hand; it also adds the common `app.kubernetes.io/part-of` label).
"""

from __future__ import annotations

import re
from pathlib import Path

import jsonpatch
import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
KUBE = ROOT / "deploy" / "kubernetes" / "base"
SAMBERT = ROOT / "deploy" / "kubernetes" / "overlays" / "sambert"
# The oldest Kubernetes release the manifests are written for, and the newest the package knows.
VERSIONS = ("1.29.0", kubernetes_validate.latest_version() + ".0")


def load_documents(directory: Path) -> list[tuple[str, dict]]:
    """The manifests a kustomization lists, with its `images` entries applied."""
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    docs = []
    for name in kustomization["resources"]:
        docs += [(name, doc) for doc in yaml.safe_load_all((directory / name).read_text()) if doc]
    for _, doc in docs:
        set_images(doc, kustomization.get("images", []))
    return docs


def set_images(doc: dict, images: list[dict]) -> None:
    pod = doc.get("spec", {}).get("template", {}).get("spec", {})
    for one in pod.get("containers", []) + pod.get("initContainers", []):
        for image in images:
            if one["image"].split(":")[0] == image["name"]:
                one["image"] = f"{image['newName']}:{image['newTag']}"


def render_sambert_overlay() -> list[tuple[str, dict]]:
    overlay = yaml.safe_load((SAMBERT / "kustomization.yaml").read_text())
    assert overlay["resources"][0] == "../../base"
    docs = load_documents(KUBE)
    docs += [
        (name, doc) for name in overlay["resources"][1:] for doc in yaml.safe_load_all((SAMBERT / name).read_text())
    ]
    for patch in overlay["patches"]:
        operations = yaml.safe_load((SAMBERT / patch["path"]).read_text())
        targets = [
            d
            for _, d in docs
            if (d["kind"], d["metadata"]["name"]) == (patch["target"]["kind"], patch["target"]["name"])
        ]
        assert len(targets) == 1, patch
        jsonpatch.apply_patch(targets[0], operations, in_place=True)
    for _, doc in docs:
        set_images(doc, overlay["images"])
    return docs


DOCUMENTS = load_documents(KUBE)
SAMBERT_DOCUMENTS = render_sambert_overlay()


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


@pytest.mark.parametrize("version", VERSIONS)
def test_the_rendered_sambert_overlay_is_valid_against_the_kubernetes_schemas(version):
    for _, document in SAMBERT_DOCUMENTS:
        kubernetes_validate.validate(document, version, strict=True)


def test_kustomization_lists_every_manifest_in_the_directory():
    top = yaml.safe_load((KUBE.parent / "kustomization.yaml").read_text())
    assert top["resources"] == ["base"]
    kustomization = yaml.safe_load((KUBE / "kustomization.yaml").read_text())
    on_disk = sorted(p.name for p in KUBE.glob("*.yaml") if p.name != "kustomization.yaml")
    assert sorted(kustomization["resources"]) == on_disk
    assert [i["name"] for i in kustomization["images"]] == ["huayin"]
    assert {container(name)["image"] for name in ("huayin", "huayin-worker")} == {"registry.example.com/huayin:latest"}


def test_sambert_pods_load_a_writable_copy_of_the_model_with_the_sambert_image():
    model_dir = re.search(r"TTS_SAMBERT_MODEL_DIR=(\S+)", (ROOT / "Dockerfile.sambert").read_text()).group(1)
    claim = [d for _, d in SAMBERT_DOCUMENTS if d["metadata"]["name"] == "huayin-sambert-model"]
    assert [d["kind"] for d in claim] == ["PersistentVolumeClaim"]
    for name in ("huayin", "huayin-worker"):
        (deployment,) = [d for _, d in SAMBERT_DOCUMENTS if d["kind"] == "Deployment" and d["metadata"]["name"] == name]
        pod = deployment["spec"]["template"]["spec"]
        volumes = {v["name"]: v for v in pod["volumes"]}
        (main,) = pod["containers"]
        (copy,) = pod["initContainers"]
        assert main["image"] == copy["image"] == "registry.example.com/huayin-sambert:latest"
        mounted = {m["mountPath"]: m for m in main["volumeMounts"]}[model_dir]
        # ModelScope unzips resource.zip into the model directory: it must be writable.
        assert "emptyDir" in volumes[mounted["name"]] and not mounted.get("readOnly")
        copy_mounts = {m["name"]: m for m in copy["volumeMounts"]}
        assert copy_mounts[mounted["name"]]["mountPath"] == model_dir
        source = next(m for m in copy["volumeMounts"] if m.get("readOnly"))
        assert volumes[source["name"]]["persistentVolumeClaim"]["claimName"] == "huayin-sambert-model"
        assert copy["command"][-2:] == [source["mountPath"] + "/.", model_dir + "/"]


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
