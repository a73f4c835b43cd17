"""CloudBase batch mode (批量代云开发): a platform's own environments, on its component token.

On a `wxtcb.Platform` as ``platform.batch``. Every method object here declares
`TokenKind.COMPONENT` (the ``component_access_token``): a merchant's client sending one, or a
platform sending a common-mode ``tcb/*`` method, is refused with `InvalidRequestError` before
anything is sent::

    created = await platform.batch.create_env("shop")             # componenttcb/createenv
    await platform.batch.wait_env_ready(created.env)              # describeenvs until NORMAL
    share = await platform.batch.share_env([ShareTarget(created.env, [appid])])
    share.msg_info_list[0].url                                    # the merchant's admin confirms here
    page = await platform.batch.database.query(created.env, db.collection("todos").get())
    await platform.batch.storage.upload(created.env, "a.png", data)
    await platform.batch.static.upload(created.env, "index.html", html)   # a PUT to a signed URL

The database and storage calls reuse the common-mode models (`wxtcb.database.QueryResult`,
`UpdateResult`, `CollectionInfo`, `MigrationJob`, `wxtcb.storage.UploadLink`, `FileLink`,
`DeleteAnswer`), the statement builder (`wxtcb.db`) and storage's two-step transfers.

What WeChat's pages say, and what wxtcb does with it
-----------------------------------------------------

- ``createenv``: ``alias`` starts with a-z and holds only ``[a-zA-Z0-9-]`` (checked before
  sending). The Chinese pages' tables add ``EnvType`` (required, ``"run"``), their samples send
  ``alias`` alone; wxtcb sends ``EnvType: "run"``. The environment is usable only once
  ``describeenvs`` reports ``NORMAL``: `Batch.wait_env_ready` polls, bounded.
- ``describeenvs``: the current page's table and sample write ``update_time``; the older page's
  table spells it ``update_ime``. Both are read into `BatchEnvInfo.update_time`.
- ``batchgetenvid`` / ``batchshareenv``: the newer pages add ``source_type`` (1: a cloud-run
  environment), marked required; the older pages and every sample leave it out. It is sent only
  when given. ``batchshareenv`` needs permission set 18 and answers ``msg_info_list`` URLs that the
  merchant's admin must open: the share takes effect after that confirmation.
- ``dbrecord``: one path, ``action`` ``insert``/``delete``/``update``/``query`` (one method object
  each); its pager is lower-case (``offset``, ``limit``, ``total``), capitalised keys are read too.
- ``dbcollection``: ``action`` ``add``/``get``/``del``; ``get`` answers ``collections`` and
  ``total`` (a ``pager``, if one comes, is read as well); ``limit`` defaults to 20 on this page.
- ``dbmigrationstate``: the table names the error field ``err_msg``, the sample ``error_msg``;
  both are read.
- ``uploadfile``: the batch page's table spells the token ``Token`` and omits ``cos_file_id``,
  while its form needs ``x-cos-meta-fileid`` = ``cos_file_id`` and its sample writes ``token``;
  both spellings are read, and a missing ``cos_file_id`` decodes as ``""``.
- ``batchdownloadfile`` / ``batchdeletefile``: the English pages' samples key each item
  ``files`` instead of ``fileid``; both are read.
- ``staticuploadfile``: the body field is ``filename`` (the table writes ``Filename``, the sample
  ``filename``: wxtcb sends ``filename``); the answer's ``token`` (``Token`` in the table) goes in
  the ``x-cos-security-token`` header of the PUT to ``signed_url``.
- ``createcloudbaserunenv``: ``alias``, ``vpc_id``, ``sub_net_ids`` are all optional and sent only
  when given; it answers ``env_id`` and ``tran_id``. ``describecloudbaserunenvs`` answers
  ``env_list``; the fields wxtcb models are on `RunEnvInfo`, the rest is ignored.
- ``batchuploadscf``: ``functionname``, ``envs``, ``zipfile`` (the zip, base64; up to 20 MB),
  optional ``vpcid``/``subnetid``; answers ``fail_env_list`` (``env``, ``errmsg``).
- The rest of a function's life (``batchuploadscfcode``, ``updatescfconfig``, ``deletescf``,
  ``getscflist``, ``gettriggers``, ``batchupdatetriggers``, and ``tcb/invokecloudfunction`` with the
  component token) is `BatchFunctions`, ``platform.batch.functions``: see `wxtcb.batch.functions`.
- ``batchunshareenv``: ``source_type`` is required (1: a cloud-run environment, the one value
  documented) and sent as given; ``err_list`` items are ``env``, ``appid``, ``errmsg``.
- ``tcb/usecloudaccesstoken``: batch mode calls the common-mode path with the component token
  (`BatchGetCloudAccessToken`, `BatchSetCloudAccessToken`), as the pages' notes say.
- ``modifyenv`` has no ``componenttcb/`` path: WeChat's page documents ``tcb/modifyenv`` (the
  common-mode path) called with the component token, which is `BatchModifyEnv`.
"""

from __future__ import annotations

import asyncio
import time

from wxtcb.batch.cloudrun import (
    CloudBaseEsInfo,
    CloudBaseRunVpcInfo,
    CloudRunEnvs,
    CreateCloudbaseRunEnv,
    CreateCloudbaseRunResAuth,
    CreatedRunEnv,
    DeleteCloudbaseRunServerVersion,
    DeletedRunVersion,
    DescribeCloudbaseRunEnvs,
    EstablishCloudbaseRunServer,
    ReleaseCloudbaseRunVersion,
    ReleasedRunVersion,
    RunEnvInfo,
)
from wxtcb.batch.containers import (
    MAX_REPLICAS,
    BatchDelCsVersion,
    BatchSetCsPropotion,
    ContainerBatchError,
    ContainerBatchResult,
    ContainerFailure,
    ContainerItem,
    ContainerService,
    ContainerServiceList,
    ContainerServices,
    ContainerServiceVpc,
    ContainerVersion,
    ContainerVersionDetail,
    ContainerVersionList,
    CreateContainerService,
    CsFlowRatio,
    CsServiceFlow,
    CsVersionRef,
    DelCsVersion,
    GetCsList,
    GetCsVersionDetail,
    GetCsVersionList,
    SetCsVersionConfig,
)
from wxtcb.batch.database import (
    AclTag,
    BatchCollectionAdd,
    BatchCollectionDelete,
    BatchCollectionGet,
    BatchCollectionList,
    BatchCollections,
    BatchDatabase,
    BatchDbAggregate,
    BatchDbDelete,
    BatchDbExport,
    BatchDbGetAcl,
    BatchDbImport,
    BatchDbInsert,
    BatchDbModifyAcl,
    BatchDbQuery,
    BatchDbUpdate,
    BatchIndexCreate,
    BatchIndexDelete,
    BatchIndexes,
    BatchMigrationState,
    CollectionAcl,
)
from wxtcb.batch.envs import (
    BatchEnvInfo,
    BatchGetCloudAccessToken,
    BatchGetEnvId,
    BatchModifyEnv,
    BatchSetCloudAccessToken,
    BatchShareEnv,
    BatchUnshareEnv,
    CreatedBatchEnv,
    CreateEnv,
    DescribeEnvs,
    EnvError,
    EnvNotReadyError,
    EnvRelation,
    EnvRelations,
    ShareConfirmation,
    ShareResult,
    ShareTarget,
)
from wxtcb.batch.functions import (
    MAX_CODE_BASE64,
    MAX_CODE_ZIP,
    MAX_ZIPFILE,
    TIMER,
    BatchFunctions,
    BatchInvokeCloudFunction,
    BatchUpdateTriggers,
    BatchUploadScf,
    BatchUploadScfCode,
    DeleteScf,
    EnvVariable,
    GetScfList,
    GetTriggers,
    PublicNetConfig,
    ScfInfo,
    ScfList,
    ScfStatusReason,
    Trigger,
    UpdateScfConfig,
    VpcConfig,
)
from wxtcb.batch.static import (
    CreateStaticStore,
    DescribeStaticStore,
    StaticFileList,
    StaticHosting,
    StaticStore,
    StaticUploadFile,
    StaticUploadLink,
)
from wxtcb.batch.storage import (
    BatchDeleteFile,
    BatchDownloadFile,
    BatchGetBucket,
    BatchStorage,
    BatchUploadFile,
    BucketFile,
    BucketListing,
)
from wxtcb.errors import InvalidRequestError
from wxtcb.namespaces import Namespace, endpoint, namespace

__all__ = [
    "MAX_CODE_BASE64",
    "MAX_CODE_ZIP",
    "MAX_REPLICAS",
    "MAX_ZIPFILE",
    "TIMER",
    "AclTag",
    "Batch",
    "BatchCollectionAdd",
    "BatchCollectionDelete",
    "BatchCollectionGet",
    "BatchCollectionList",
    "BatchCollections",
    "BatchDatabase",
    "BatchDbAggregate",
    "BatchDbDelete",
    "BatchDbExport",
    "BatchDbGetAcl",
    "BatchDbImport",
    "BatchDbInsert",
    "BatchDbModifyAcl",
    "BatchDbQuery",
    "BatchDbUpdate",
    "BatchDelCsVersion",
    "BatchDeleteFile",
    "BatchDownloadFile",
    "BatchEnvInfo",
    "BatchFunctions",
    "BatchGetBucket",
    "BatchGetCloudAccessToken",
    "BatchGetEnvId",
    "BatchIndexCreate",
    "BatchIndexDelete",
    "BatchIndexes",
    "BatchInvokeCloudFunction",
    "BatchMigrationState",
    "BatchModifyEnv",
    "BatchSetCloudAccessToken",
    "BatchSetCsPropotion",
    "BatchShareEnv",
    "BatchStorage",
    "BatchUnshareEnv",
    "BatchUpdateTriggers",
    "BatchUploadFile",
    "BatchUploadScf",
    "BatchUploadScfCode",
    "BucketFile",
    "BucketListing",
    "CloudBaseEsInfo",
    "CloudBaseRunVpcInfo",
    "CloudRunEnvs",
    "CollectionAcl",
    "ContainerBatchError",
    "ContainerBatchResult",
    "ContainerFailure",
    "ContainerItem",
    "ContainerService",
    "ContainerServiceList",
    "ContainerServiceVpc",
    "ContainerServices",
    "ContainerVersion",
    "ContainerVersionDetail",
    "ContainerVersionList",
    "CreateCloudbaseRunEnv",
    "CreateCloudbaseRunResAuth",
    "CreateContainerService",
    "CreateEnv",
    "CreateStaticStore",
    "CreatedBatchEnv",
    "CreatedRunEnv",
    "CsFlowRatio",
    "CsServiceFlow",
    "CsVersionRef",
    "DelCsVersion",
    "DeleteCloudbaseRunServerVersion",
    "DeleteScf",
    "DeletedRunVersion",
    "DescribeCloudbaseRunEnvs",
    "DescribeEnvs",
    "DescribeStaticStore",
    "EnvError",
    "EnvNotReadyError",
    "EnvRelation",
    "EnvRelations",
    "EnvVariable",
    "EstablishCloudbaseRunServer",
    "GetCsList",
    "GetCsVersionDetail",
    "GetCsVersionList",
    "GetScfList",
    "GetTriggers",
    "PublicNetConfig",
    "ReleaseCloudbaseRunVersion",
    "ReleasedRunVersion",
    "RunEnvInfo",
    "ScfInfo",
    "ScfList",
    "ScfStatusReason",
    "SetCsVersionConfig",
    "ShareConfirmation",
    "ShareResult",
    "ShareTarget",
    "StaticFileList",
    "StaticHosting",
    "StaticStore",
    "StaticUploadFile",
    "StaticUploadLink",
    "Trigger",
    "UpdateScfConfig",
    "VpcConfig",
]


class Batch(Namespace):
    """``platform.batch``: CloudBase batch mode (``componenttcb/*``) on the component token."""

    __slots__ = ()

    create_env = endpoint(CreateEnv)
    describe_envs = endpoint(DescribeEnvs)
    get_env_ids = endpoint(BatchGetEnvId)
    share_env = endpoint(BatchShareEnv)
    unshare_env = endpoint(BatchUnshareEnv)
    modify_env = endpoint(BatchModifyEnv)
    get_cloud_access_token = endpoint(BatchGetCloudAccessToken)
    set_cloud_access_token = endpoint(BatchSetCloudAccessToken)
    upload_functions = endpoint(BatchUploadScf)
    #: Cloud functions: code, configuration, triggers, invoking: `BatchFunctions`.
    functions = namespace(BatchFunctions)
    #: Records, collections and migrations: `BatchDatabase`.
    database = namespace(BatchDatabase)
    #: Files: `BatchStorage`.
    storage = namespace(BatchStorage)
    #: Static website hosting: `StaticHosting`.
    static = namespace(StaticHosting)
    #: Cloud-run environments: `CloudRunEnvs`.
    cloudrun = namespace(CloudRunEnvs)

    async def wait_env_ready(
        self, env: str, *, interval: float = 2.0, timeout: float = 300.0
    ) -> BatchEnvInfo:
        """Poll ``describeenvs`` every *interval* seconds until *env* is ``NORMAL``; returns it.

        WeChat says a new environment must be ``NORMAL`` before collections or data are made in
        it. Raises `EnvNotReadyError` (a `TimeoutError`, naming the last status) when *timeout*
        seconds pass first; the first poll is always made.
        """
        if not isinstance(env, str) or not env.strip():
            raise InvalidRequestError("env must be a non-empty CloudBase environment id")
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not timeout > 0:
            raise InvalidRequestError("timeout must be a positive number of seconds")
        if isinstance(interval, bool) or not isinstance(interval, int | float) or interval < 0:
            raise InvalidRequestError("interval must be a number of seconds, 0 or more")
        deadline = time.monotonic() + timeout
        status = ""
        while True:
            envs = await self._send(DescribeEnvs())
            found = next((e for e in envs if e.env == env), None)
            status = found.status if found is not None else ""
            if found is not None and found.ready:
                return found
            left = deadline - time.monotonic()
            if left <= 0:
                shown = repr(status) if status else "not listed"
                raise EnvNotReadyError(
                    f"environment {env} is {shown} after {timeout:g} s", env=env, status=status
                )
            await asyncio.sleep(min(interval, left))
