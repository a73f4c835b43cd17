"""The emulator's batch-mode cloud-run services and container services (``componenttcb/*``, on the
component token).

State lives in `BatchRunState` (``emulator.state(BatchRunState)``):

- Cloud-run services (``establishcloudbaserunserver``) live in a cloud-run environment made by
  ``createcloudbaserunenv`` (`wxtcb.testing.batch.BatchState.run_envs`); container services
  (``createcontainerservice``) in any environment of the platform (a batch or a cloud-run one).
- Versions cannot be created through the emulator, as wxtcb does not wrap WeChat's version-creating
  calls yet (their answers are not readable on WeChat's pages): a test seeds them with
  `BatchRunState.add_run_version` and `BatchRunState.add_cs_version`.
- A required field missing answers 40101, one of the wrong type (or naming an unknown environment,
  service or version) 40097; the two batch calls answer errcode 0 and put each item that fails in
  ``fail_list`` with an ``errmsg``, as their pages describe.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

import attrs

from wxtcb.methods import TokenKind
from wxtcb.testing.base import Call, EmulatorBase, error, route
from wxtcb.testing.batch import BatchState

__all__ = ["BatchRunState"]

_MISSING = 40101
_INVALID = 40097
_OK: dict[str, Any] = {"errcode": 0, "errmsg": "ok"}


def _version(version_name: str, now: str, **fields: Any) -> dict[str, Any]:
    """A container version with the defaults of WeChat's ``createcsversion`` table."""
    version: dict[str, Any] = {
        "version_name": version_name,
        "status": "normal",
        "created_time": now,
        "updated_time": now,
        "flow_ratio": 0,
        "buildid": secrets.randbelow(10**6),
        "upload_type": "image",
        "remark": "",
        "dockerfile_path": "",
        "build_dir": "",
        "cpu": 0.5,
        "mem": 1,
        "minnum": 0,
        "maxnum": 50,
        "policy_type": "cpu",
        "policy_threshold": 60,
        "env_params": "",
        "version_ip": "10.0.0.1",
        "version_port": 80,
        "package_name": "",
        "package_version": "",
        "repo_type": "",
        "repo": "",
        "branch": "",
        "custom_logs": "",
        "image_url": f"ccr.ccs.tencentyun.com/tcb/{version_name}:latest",
        "container_port": 80,
    }
    version.update(fields)
    return version


@attrs.define
class BatchRunState:
    """What the emulator knows of batch-mode cloud-run services and container services.

    Attributes:
        run_services: ``(env_id, service_name)`` to the service (its fields and ``versions``:
            version name to ``{"flow_ratio": …}``).
        microservices: Cloud-run environments with microservices opened.
        release_orders: The last release order id handed out.
        cs_services: ``(env, service_name)`` to the container service (``getcslist``'s fields and
            ``versions``: version name to ``getcsversiondetail``'s fields).
    """

    run_services: dict[tuple[str, str], dict[str, Any]] = attrs.field(factory=dict)
    microservices: set[str] = attrs.field(factory=set)
    release_orders: int = 26181
    cs_services: dict[tuple[str, str], dict[str, Any]] = attrs.field(factory=dict)

    def add_run_version(self, env_id: str, server_name: str, version_name: str, flow_ratio: int = 0) -> None:
        """Seed a version of a cloud-run service (the service is made if it does not exist)."""
        service = self.run_services.setdefault(
            (env_id, server_name), {"service_name": server_name, "is_public": False, "versions": {}}
        )
        service["versions"][version_name] = {"flow_ratio": flow_ratio}

    def add_cs_version(self, env: str, service_name: str, version_name: str, **fields: Any) -> None:
        """Seed a version of a container service (made if it does not exist); *fields* override
        the defaults of ``getcsversiondetail``'s fields (``flow_ratio=100``, ``status="build_fail"``)."""
        now = time.strftime("%Y-%m-%d %H:%M:%S")
        service = self.cs_services.setdefault((env, service_name), _cs_service(service_name, now, ""))
        service["versions"][version_name] = _version(version_name, now, **fields)


def _cs_service(name: str, now: str, vpcid: str) -> dict[str, Any]:
    return {
        "server_name": name,
        "created_time": now,
        "updated_time": now,
        "status": "succ",
        "vpcid": vpcid,
        "image_repo": f"tcb-{secrets.token_hex(4)}/{name}",
        "versions": {},
    }


def _state(emulator: EmulatorBase) -> BatchRunState:
    return emulator.state(BatchRunState)


def _component(call: Call) -> str:
    assert call.issued is not None
    return call.issued.appid


def _stamp(emulator: EmulatorBase) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(emulator.now()))


def _run_env(emulator: EmulatorBase, call: Call, env_id: str) -> bool:
    return any(e["env_id"] == env_id for e in emulator.state(BatchState).run_envs.get(_component(call), []))


def _any_env(emulator: EmulatorBase, call: Call, env: str) -> bool:
    batch = emulator.state(BatchState)
    return _run_env(emulator, call, env) or any(e["env"] == env for e in batch.envs.get(_component(call), []))


def _strings(call: Call, *names: str) -> tuple[dict[str, Any] | None, list[str]]:
    """The required string fields *names* of the body, or the error answer."""
    values = [call.data.get(name) for name in names]
    for name, value in zip(names, values, strict=True):
        if value is None or value == "":
            return error(_MISSING, f"missing parameter: {name}"), []
        if not isinstance(value, str):
            return error(_INVALID, f"invalid args: {name}"), []
    return None, values


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# --- cloud-run services -----------------------------------------------------------------------


@route("componenttcb/establishcloudbaserunserver", TokenKind.COMPONENT)
def _establish_server(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    failed, (env_id, name) = _strings(call, "env_id", "service_name")
    if failed:
        return failed
    if "is_public" not in call.data:
        return error(_MISSING, "missing parameter: is_public")
    if not isinstance(call.data["is_public"], bool):
        return error(_INVALID, "invalid args: is_public")
    if call.data.get("log_type") not in (None, "es", "cls"):
        return error(_INVALID, "invalid args: log_type")
    if not _run_env(emulator, call, env_id):
        return error(_INVALID, "invalid args: env_id not found")
    state = _state(emulator)
    if (env_id, name) in state.run_services:
        return error(_INVALID, f"invalid args: service {name} already exists")
    fields = {k: v for k, v in call.data.items() if k != "env_id"}
    state.run_services[(env_id, name)] = {**fields, "versions": {}}
    return dict(_OK)


@route("componenttcb/deletecloudbaserunserverversion", TokenKind.COMPONENT)
def _delete_server_version(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    failed, (env_id, server, version) = _strings(call, "env_id", "server_name", "version_name")
    if failed:
        return failed
    state = _state(emulator)
    service = state.run_services.get((env_id, server))
    if service is None or version not in service["versions"]:
        return error(_INVALID, "invalid args: version not found")
    del service["versions"][version]
    if call.data.get("is_delete_server") is True and not service["versions"]:
        del state.run_services[(env_id, server)]
    return {**_OK, "result": "succ"}


@route("componenttcb/releasecloudbaserunversion", TokenKind.COMPONENT)
def _release_version(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    failed, (env_id, server, version) = _strings(call, "env_id", "server_name", "release_version")
    if failed:
        return failed
    state = _state(emulator)
    service = state.run_services.get((env_id, server))
    if service is None or version not in service["versions"]:
        return error(_INVALID, "invalid args: version not found")
    for name, found in service["versions"].items():
        found["flow_ratio"] = 100 if name == version else 0
    state.release_orders += 1
    return {**_OK, "result": "success", "release_order_id": state.release_orders}


@route("componenttcb/createcloudbaserunresauth", TokenKind.COMPONENT)
def _open_microservices(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    failed, (env_id,) = _strings(call, "env_id")
    if failed:
        return failed
    if not _run_env(emulator, call, env_id):
        return error(_INVALID, "invalid args: env_id not found")
    _state(emulator).microservices.add(env_id)
    return dict(_OK)


# --- container services -----------------------------------------------------------------------


@route("componenttcb/createcontainerservice", TokenKind.COMPONENT)
def _create_container_service(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    failed, (env, name) = _strings(call, "env", "service_name")
    if failed:
        return failed
    vpc = call.data.get("vpc")
    if vpc is not None:
        if not isinstance(vpc, dict):
            return error(_INVALID, "invalid args: vpc")
        for key in ("vpcid", "subnetids", "create_type"):
            if key not in vpc:
                return error(_MISSING, f"missing parameter: vpc.{key}")
        if not isinstance(vpc["subnetids"], list) or not _is_int(vpc["create_type"]):
            return error(_INVALID, "invalid args: vpc")
    if not _any_env(emulator, call, env):
        return error(_INVALID, "invalid args: env not found")
    state = _state(emulator)
    if (env, name) in state.cs_services:
        return error(_INVALID, f"invalid args: service {name} already exists")
    vpcid = vpc["vpcid"] if isinstance(vpc, dict) else f"vpc-{secrets.token_hex(4)}"
    state.cs_services[(env, name)] = _cs_service(name, _stamp(emulator), vpcid)
    return dict(_OK)


def _page(call: Call) -> tuple[dict[str, Any] | None, int, int]:
    limit, offset = call.data.get("limit", 20), call.data.get("offset", 0)
    if not _is_int(limit) or not _is_int(offset) or limit < 0 or offset < 0:
        return error(_INVALID, "invalid args: limit/offset"), 0, 0
    return None, limit, offset


@route("componenttcb/getcslist", TokenKind.COMPONENT)
def _get_cs_list(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    failed, (env,) = _strings(call, "env")
    if failed:
        return failed
    bad, limit, offset = _page(call)
    if bad:
        return bad
    services = [
        {k: v for k, v in s.items() if k != "versions"}
        for (e, _), s in _state(emulator).cs_services.items()
        if e == env
    ]
    return {**_OK, "cslist": services[offset : offset + limit], "total": len(services)}


@route("componenttcb/delcsversion", TokenKind.COMPONENT)
def _del_cs_version(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    failed, (env, name, version) = _strings(call, "env", "service_name", "version_name")
    if failed:
        return failed
    service = _state(emulator).cs_services.get((env, name))
    if service is None or version not in service["versions"]:
        return error(_INVALID, "invalid args: version not found")
    del service["versions"][version]
    return dict(_OK)


@route("componenttcb/batchdelcsversion", TokenKind.COMPONENT)
def _batch_del_cs_version(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    items = call.data.get("items")
    if not items:
        return error(_MISSING, "missing parameter: items")
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        return error(_INVALID, "invalid args: items")
    state, done, failed = _state(emulator), [], []
    for item in items:
        key = {k: item.get(k, "") for k in ("env", "service_name", "version_name")}
        service = state.cs_services.get((key["env"], key["service_name"]))
        if not all(isinstance(v, str) and v for v in key.values()):
            failed.append({**key, "errmsg": "missing parameter"})
        elif service is None or key["version_name"] not in service["versions"]:
            failed.append({**key, "errmsg": "version not found"})
        else:
            del service["versions"][key["version_name"]]
            done.append(key)
    return {**_OK, "succ_list": done, "fail_list": failed}


def _service_of(emulator: EmulatorBase, call: Call) -> tuple[dict[str, Any], dict[str, Any] | None]:
    failed, (env, name) = _strings(call, "env", "service_name")
    if failed:
        return failed, None
    service = _state(emulator).cs_services.get((env, name))
    if service is None:
        return error(_INVALID, "invalid args: service not found"), None
    return {}, service


def _version_of(emulator: EmulatorBase, call: Call) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The version ``version_name`` of the service the call names, or the error answer."""
    failed, service = _service_of(emulator, call)
    if service is None:
        return failed, None
    version = call.data.get("version_name")
    if not version:
        return error(_MISSING, "missing parameter: version_name"), None
    found = service["versions"].get(version) if isinstance(version, str) else None
    if found is None:
        return error(_INVALID, "invalid args: version not found"), None
    return {}, found


@route("componenttcb/getcsversionlist", TokenKind.COMPONENT)
def _get_cs_version_list(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    failed, service = _service_of(emulator, call)
    if service is None:
        return failed
    bad, limit, offset = _page(call)
    if bad:
        return bad
    listed = (
        "version_name",
        "status",
        "created_time",
        "updated_time",
        "flow_ratio",
        "buildid",
        "upload_type",
    )
    versions = [
        {**{k: v[k] for k in listed}, "min_replicas": v["minnum"], "max_replicas": v["maxnum"]}
        for v in service["versions"].values()
    ]
    return {**_OK, "total": len(versions), "items": versions[offset : offset + limit]}


@route("componenttcb/getcsversiondetail", TokenKind.COMPONENT)
def _get_cs_version_detail(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    failed, found = _version_of(emulator, call)
    if found is None:
        return failed
    # The page's answer table lists neither version_name, flow_ratio nor buildid.
    return {**_OK, **{k: v for k, v in found.items() if k not in ("version_name", "flow_ratio", "buildid")}}


@route("componenttcb/setcsversionconfig", TokenKind.COMPONENT)
def _set_cs_version_config(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    failed, found = _version_of(emulator, call)
    if found is None:
        return failed
    changes = {
        k: call.data[k]
        for k in ("minnum", "maxnum", "remark", "container_port", "custom_logs", "env_params")
        if k in call.data
    }
    minnum, maxnum = changes.get("minnum", found["minnum"]), changes.get("maxnum", found["maxnum"])
    if not _is_int(minnum) or not _is_int(maxnum) or not 0 <= minnum <= maxnum <= 50:
        return error(_INVALID, "invalid args: minnum/maxnum")
    found.update(changes, updated_time=_stamp(emulator))
    return dict(_OK)


def _known_ratio(service: dict[str, Any], ratio: object) -> bool:
    if not isinstance(ratio, dict) or not _is_int(ratio.get("flow_ratio")):
        return False
    return ratio.get("version_name") in service["versions"]


@route("componenttcb/batchsetcspropotion", TokenKind.COMPONENT)
def _batch_set_cs_propotion(emulator: EmulatorBase, call: Call) -> dict[str, Any]:
    items = call.data.get("items")
    if not items:
        return error(_MISSING, "missing parameter: items")
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        return error(_INVALID, "invalid args: items")
    state, done, failed = _state(emulator), [], []
    for item in items:
        key = {k: item.get(k, "") for k in ("env", "service_name")}
        service = state.cs_services.get((key["env"], key["service_name"]))
        ratios = item.get("items")
        if service is None:
            failed.append({**key, "errmsg": "service not found"})
        elif not isinstance(ratios, list) or not ratios:
            failed.append({**key, "errmsg": "missing parameter: items"})
        elif not all(
            isinstance(r, dict)
            and r.get("version_name") in service["versions"]
            and _is_int(r.get("flow_ratio"))
            for r in ratios
        ):
            failed.append({**key, "errmsg": "invalid args: version_name/flow_ratio"})
        else:
            for r in ratios:
                service["versions"][r["version_name"]]["flow_ratio"] = r["flow_ratio"]
            done.append(key)
    return {**_OK, "succ_list": done, "fail_list": failed}
