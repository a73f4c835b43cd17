"""Contract rows of batch-mode cloud-run services and container services (componenttcb/*, component
token), with the samples of WeChat's pages (Third-party_Platforms/2.0/api/cloudbase/batch/*.html and
openApi/…/cloudrun-batch/service-mgnt/*).

Where a page's sample is cut or not readable (batchdelcsversion, getcsversionlist,
getcsversiondetail, batchsetcspropotion), the readable part is kept as it is and the rest is built
from the page's tables; each such row says so.
"""

from __future__ import annotations

from typing import Any

from tests.contract import Row
from wxtcb.batch import (
    BatchDelCsVersion,
    BatchSetCsPropotion,
    ContainerBatchResult,
    ContainerFailure,
    ContainerItem,
    ContainerService,
    ContainerServiceList,
    ContainerServiceVpc,
    ContainerVersion,
    ContainerVersionDetail,
    ContainerVersionList,
    CreateCloudbaseRunResAuth,
    CreateContainerService,
    CsFlowRatio,
    CsServiceFlow,
    CsVersionRef,
    DelCsVersion,
    DeleteCloudbaseRunServerVersion,
    DeletedRunVersion,
    EstablishCloudbaseRunServer,
    GetCsList,
    GetCsVersionDetail,
    GetCsVersionList,
    ReleaseCloudbaseRunVersion,
    ReleasedRunVersion,
    SetCsVersionConfig,
)
from wxtcb.methods import TokenKind

RUN_ENV = "test-6gxk23no5605e14f"
CS_ENV = "mmtest-5g7z68c153d7ff4b"
TIYAN = "tiyan1-5gzlnxws501f4e68"
OK = {"errcode": 0, "errmsg": "ok"}


def row(
    method: Any, path: str, body: object, answer: dict[str, Any], result: object, idempotent: bool = False
) -> Row:
    """A batch-mode row: component token, no query parameters; most of these calls have effects."""
    return Row(method, path, TokenKind.COMPONENT, idempotent, {}, body, answer, result)


DETAIL: dict[str, Any] = {
    # getcsversiondetail's page shows no sample: every field of its answer table, with values in
    # the style of the family's other samples.
    "remark": "test",
    "dockerfile_path": "Dockerfile",
    "build_dir": "",
    "cpu": 0.5,
    "mem": 1,
    "minnum": 1,
    "maxnum": 2,
    "policy_type": "cpu",
    "policy_threshold": 60,
    "env_params": "",
    "created_time": "2020-12-08 20:56:10",
    "updated_time": "2020-12-08 21:06:10",
    "version_ip": "10.0.0.12",
    "version_port": 80,
    "status": "normal",
    "package_name": "",
    "package_version": "",
    "upload_type": "image",
    "repo_type": "",
    "repo": "",
    "branch": "",
    "custom_logs": "",
    "image_url": "ccr.ccs.tencentyun.com/tcb-100016998354-etdk/echo:echo-009",
    "container_port": 80,
}

ROWS = [
    # --- cloud-run services (cloudrun-batch/service-mgnt) ---
    row(
        # The English page's sample writes the key " service_name" (with a space): a typo.
        EstablishCloudbaseRunServer(RUN_ENV, "ss1", True, remark="test"),
        "componenttcb/establishcloudbaserunserver",
        {"env_id": RUN_ENV, "service_name": "ss1", "is_public": True, "remark": "test"},
        OK,
        None,
    ),
    row(
        DeleteCloudbaseRunServerVersion(RUN_ENV, "test", "test-012"),
        "componenttcb/deletecloudbaserunserverversion",
        {"env_id": RUN_ENV, "server_name": "test", "version_name": "test-012"},
        {"errcode": 0, "errmsg": "ok", "result": "succ"},
        DeletedRunVersion("succ"),
    ),
    row(
        ReleaseCloudbaseRunVersion(RUN_ENV, "ss", "ss-006"),
        "componenttcb/releasecloudbaserunversion",
        {"env_id": RUN_ENV, "server_name": "ss", "release_version": "ss-006"},
        {"errcode": 0, "errmsg": "ok", "result": "success", "release_order_id": 26182},
        ReleasedRunVersion("success", 26182),
    ),
    row(
        CreateCloudbaseRunResAuth(RUN_ENV),
        "componenttcb/createcloudbaserunresauth",
        {"env_id": RUN_ENV},
        OK,
        None,
    ),
    # --- container services (cloudbase/batch/*cs*) ---
    row(
        # The sample's create_type 3 is outside the table's 0/1/2; wxtcb accepts any integer.
        CreateContainerService(CS_ENV, "echo", remark="test", vpc=ContainerServiceVpc("123", ["123"], 3)),
        "componenttcb/createcontainerservice",
        {
            "env": CS_ENV,
            "service_name": "echo",
            "remark": "test",
            "vpc": {"vpcid": "123", "subnetids": ["123"], "create_type": 3},
        },
        OK,
        None,
    ),
    row(
        # The sample sends env alone; wxtcb sends the page's defaults (limit 20, offset 0) too.
        GetCsList("test-env1"),
        "componenttcb/getcslist",
        {"env": "test-env1", "limit": 20, "offset": 0},
        {
            "errcode": 0,
            "errmsg": "ok",
            "cslist": [
                {
                    "server_name": "echo",
                    "created_time": "2020-12-07 21:30:44",
                    "updated_time": "2020-12-07 21:30:44",
                    "status": "succ",
                    "vpcid": "vpc-a9ejy7oi",
                    "image_repo": "tcb-100016998354-etdk/myttest2-9g1m6omv9fa12048_echo",
                }
            ],
            "total": 1,
        },
        ContainerServiceList(
            [
                ContainerService(
                    "echo",
                    "2020-12-07 21:30:44",
                    "2020-12-07 21:30:44",
                    "succ",
                    "vpc-a9ejy7oi",
                    "tcb-100016998354-etdk/myttest2-9g1m6omv9fa12048_echo",
                )
            ],
            1,
        ),
        idempotent=True,
    ),
    row(
        # The page's sample answer ends in a trailing comma (not JSON): here without it.
        DelCsVersion(CS_ENV, "echo", "echo-002"),
        "componenttcb/delcsversion",
        {"env": CS_ENV, "service_name": "echo", "version_name": "echo-002"},
        OK,
        None,
    ),
    row(
        # The sample request is cut in its third item (two kept); the sample answer is not
        # readable: built from the answer table (succ_list, fail_list with errmsg).
        BatchDelCsVersion([CsVersionRef(TIYAN, "echo", "echo-004"), CsVersionRef(TIYAN, "echo", "echo-001")]),
        "componenttcb/batchdelcsversion",
        {
            "items": [
                {"env": TIYAN, "service_name": "echo", "version_name": "echo-004"},
                {"env": TIYAN, "service_name": "echo", "version_name": "echo-001"},
            ]
        },
        {
            "errcode": 0,
            "errmsg": "ok",
            "succ_list": [{"env": TIYAN, "service_name": "echo", "version_name": "echo-004"}],
            "fail_list": [
                {
                    "env": TIYAN,
                    "service_name": "echo",
                    "version_name": "echo-001",
                    "errmsg": "version not found",
                }
            ],
        },
        ContainerBatchResult(
            [ContainerItem(TIYAN, "echo", "echo-004")],
            [ContainerFailure(TIYAN, "echo", "echo-001", "version not found")],
        ),
    ),
    row(
        # The sample answer is cut after updated_time (kept as it is); its other fields come from
        # the answer table.
        GetCsVersionList(CS_ENV, "echo", offset=0, limit=20),
        "componenttcb/getcsversionlist",
        {"env": CS_ENV, "service_name": "echo", "limit": 20, "offset": 0},
        {
            "errcode": 0,
            "errmsg": "ok",
            "total": 1,
            "items": [
                {
                    "version_name": "echo-007",
                    "status": "build_fail",
                    "created_time": "2020-12-08 20:56:10",
                    "updated_time": "2020-12-08 21:06:10",
                    "flow_ratio": 0,
                    "buildid": 7,
                    "upload_type": "package",
                    "min_replicas": 0,
                    "max_replicas": 50,
                }
            ],
        },
        ContainerVersionList(
            1,
            [
                ContainerVersion(
                    "echo-007",
                    "build_fail",
                    "2020-12-08 20:56:10",
                    "2020-12-08 21:06:10",
                    0,
                    7,
                    "package",
                    0,
                    50,
                )
            ],
        ),
        idempotent=True,
    ),
    row(
        GetCsVersionDetail(CS_ENV, "echo", "echo-009"),
        "componenttcb/getcsversiondetail",
        {"env": CS_ENV, "service_name": "echo", "version_name": "echo-009"},
        {**OK, **DETAIL},
        ContainerVersionDetail(**DETAIL),
        idempotent=True,
    ),
    row(
        SetCsVersionConfig(
            CS_ENV,
            "echo",
            "echo-009",
            minnum=1,
            maxnum=2,
            remark="test",
            container_port=80,
            env_params="",
            custom_logs="",
        ),
        "componenttcb/setcsversionconfig",
        {
            "env": CS_ENV,
            "service_name": "echo",
            "version_name": "echo-009",
            "minnum": 1,
            "maxnum": 2,
            "remark": "test",
            "container_port": 80,
            "env_params": "",
            "custom_logs": "",
        },
        OK,
        None,
    ),
    row(
        # The sample request is cut after its first ratio (the second, echo-001 at 20, is added);
        # the sample answer is not readable: built from the answer table.
        BatchSetCsPropotion(
            [CsServiceFlow(TIYAN, "echo", [CsFlowRatio("echo-004", 80), CsFlowRatio("echo-001", 20)])]
        ),
        "componenttcb/batchsetcspropotion",
        {
            "items": [
                {
                    "env": TIYAN,
                    "service_name": "echo",
                    "items": [
                        {"version_name": "echo-004", "flow_ratio": 80},
                        {"version_name": "echo-001", "flow_ratio": 20},
                    ],
                }
            ]
        },
        {
            "errcode": 0,
            "errmsg": "ok",
            "succ_list": [{"env": TIYAN, "service_name": "echo"}],
            "fail_list": [],
        },
        ContainerBatchResult([ContainerItem(TIYAN, "echo")], []),
    ),
]
