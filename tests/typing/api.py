"""Never executed: mypy --strict checks that the public API types the way users write it."""

from __future__ import annotations

import aiohttp
import redis.asyncio

import wxtcb
import wxtcb.events
import wxtcb.push
from wxtcb.redis import RedisTokenStore
from wxtcb.testing import Emulator, Fault
from wxtcb.webhooks import ticket_handler


async def own_app(session: aiohttp.ClientSession) -> None:
    provider = wxtcb.AppTokenProvider("wx1", "secret", stable=False, margin=600)
    policy = wxtcb.RetryPolicy(attempts=3, timeout=10.0, wait_initial=0.2, wait_max=2.0, wait_jitter=0.5)
    events: list[wxtcb.events.Event] = []
    async with wxtcb.Client(
        provider, session=session, retry=policy, timeout=5.0, on_event=events.append
    ) as client:
        config: wxtcb.CallbackConfig = await client.get_callback_config()
        container: wxtcb.ContainerConfig | None = config.container_config
        mode: wxtcb.TextMode | int = container.text_mode if container else wxtcb.TextMode.JSON
        functions: wxtcb.FunctionConfig | None = config.function_config
        names: list[str] = [cb.function_name for cb in functions.callbacks] if functions else []
        await client.set_callback_config(
            function_config=wxtcb.FunctionConfig(True, (wxtcb.FunctionCallback("image", "", "env", "fn"),)),
            container_config=wxtcb.ContainerConfig(True, "env", "/path", wxtcb.TextMode.XML),
        )
        del mode, names


async def third_party(connection: redis.asyncio.Redis) -> None:
    store: wxtcb.TokenStore = RedisTokenStore(connection, prefix="p")
    component = wxtcb.ComponentTokenProvider("wxc", "secret", ticket=None, store=store)
    changed: bool = await component.set_ticket("ticket", create_time=1700000000)

    async def hook(appid: str, refresh_token: str) -> None:
        return None

    merchant: wxtcb.AuthorizerTokenProvider = component.authorizer(
        "wxm", refresh_token="rt", on_refresh_token=hook
    )
    crypto = wxtcb.push.PushCrypto(token="t", encoding_aes_key="k" * 43, appid="wxc")
    handler = ticket_handler(component, crypto)
    try:
        async with wxtcb.Client(merchant, base_url="http://127.0.0.1:1") as client:
            await client.get_callback_config()
    except wxtcb.RefreshTokenInvalidError as exc:
        code: int = exc.errcode
        rid: str | None = exc.rid
        del code, rid
    except wxtcb.IPNotAllowedError as exc:
        ip: str | None = exc.ip
        del ip
    except (wxtcb.TicketMissingError, wxtcb.TicketInvalidError, wxtcb.TransportError, wxtcb.DecodeError):
        pass
    del changed, handler


async def testing() -> None:
    async with Emulator(rotate_refresh_tokens=True) as emulator:
        emulator.fault("tcb/getcallbackconfig", Fault.error(-1), Fault.http(502), times=2)
        count: int = emulator.calls["tcb/getcallbackconfig"]
        static = wxtcb.StaticTokenProvider("token")
        async with wxtcb.Client(static, base_url=emulator.url) as client:
            await client.get_callback_config()
        del count


async def namespaces_and_method_objects(emulator: Emulator) -> None:
    from wxtcb.message_push import GetCallbackConfig, SetCallbackConfig

    async with wxtcb.Client(wxtcb.StaticTokenProvider("token"), base_url=emulator.url) as client:
        via_namespace: wxtcb.CallbackConfig = await client.message_push.get_callback_config()
        via_object: wxtcb.CallbackConfig = await client(GetCallbackConfig())
        await client(SetCallbackConfig(container_config=wxtcb.ContainerConfig(True, "env", "/path")))
        await client.message_push.set_callback_config(
            container_config=wxtcb.ContainerConfig(True, "env", "/path")
        )
        # The call site is checked: a wrong argument or return type is a type error.
        await client.message_push.get_callback_config("extra")  # type: ignore[call-arg]
        await client.set_callback_config(wxtcb.ContainerConfig(True, "env", "/p"))  # type: ignore[call-arg, arg-type]
        wrong: int = await client.message_push.get_callback_config()  # type: ignore[assignment]
        del via_namespace, via_object, wrong


async def platform(component: wxtcb.ComponentTokenProvider) -> None:
    async def hook(appid: str, refresh_token: str) -> None:
        return None

    async with wxtcb.Platform(component, base_url="http://127.0.0.1:1", timeout=5.0) as engine:
        merchant: wxtcb.Client = engine.merchant("wxm", refresh_token="rt", on_refresh_token=hook)
        config: wxtcb.CallbackConfig = await merchant.get_callback_config()
        kind: wxtcb.TokenKind = merchant.provider.token_kind
        del config, kind


async def cloud_functions_and_database(emulator: Emulator) -> None:
    from typing import Any

    from wxtcb import db
    from wxtcb.database import CollectionList, MigrationJob, QueryResult, UpdateResult

    _ = db.command
    emulator.add_function("login", lambda event: {"ok": True})
    ids: list[str] = emulator.seed_collection("env", "todos", [{"title": "a"}])
    async with wxtcb.Client(wxtcb.StaticTokenProvider("token"), base_url=emulator.url) as client:
        value: object = await client.functions.invoke("env", "login", {"code": "x"})
        await client.functions.add_delayed_task("env", "login", {"code": "x"}, 60)
        q = db.collection("todos").where({"done": False, "due": _.lt(1700000000)}).order_by("due", "asc")
        page: QueryResult = await client.database.query("env", q.limit(10).get())
        docs: list[dict[str, Any]] = page.data
        total: int = page.pager.total
        added: list[str] = await client.database.add("env", db.collection("todos").add([{"title": "b"}]))
        res: UpdateResult = await client.database.update(
            "env", db.collection("t").where({"a": 1}).update({"n": _.inc(1)})
        )
        deleted: int = await client.database.delete(
            "env", db.collection("todos").where({"done": True}).remove()
        )
        counted: int = await client.database.count("env", db.collection("todos").count())
        rows: list[dict[str, Any]] = await client.database.aggregate(
            "env", "db.collection('t').aggregate().end()"
        )
        await client.database.collections.create("env", "todos")
        listing: CollectionList = await client.database.collections.list("env", limit=10, offset=0)
        job: MigrationJob = await client.database.wait_migration("env", 1, timeout=60)
        async for doc in client.database.iterate("env", q, page_size=100):
            docs.append(doc)
        await client.database.query("env", 42)  # type: ignore[arg-type]
        wrong: str = await client.database.count("env", "s")  # type: ignore[assignment]
        del value, ids, total, added, res, deleted, counted, rows, listing, job, wrong


async def storage_and_environments(emulator: Emulator) -> None:
    from pathlib import Path

    from wxtcb.environments import CloudAccessTokenConfig, CreatedEnv, EnvInfo
    from wxtcb.storage import DeletedFile, FileLink, FileResults, QcloudToken, UploadedFile

    async with wxtcb.Client(wxtcb.StaticTokenProvider("token"), base_url=emulator.url) as client:
        f: UploadedFile = await client.storage.upload("env", "a/b.png", b"data")
        f = await client.storage.upload("env", "a/b.png", Path("b.png"))
        urls: FileResults[FileLink] = await client.storage.download_urls("env", [f.file_id], max_age=7200)
        ok: bool = urls.ok and urls[0].ok
        blob: bytes = await client.storage.download("env", f.file_id, max_size=1024)
        size: int = await client.storage.download_to("env", f.file_id, "out.png")
        chunks: list[bytes] = [c async for c in client.storage.iter_download("env", f.file_id)]
        gone: FileResults[DeletedFile] = await client.storage.delete("env", [f.file_id])
        creds: QcloudToken = await client.storage.get_qcloud_token(600)
        created: CreatedEnv = await client.envs.create("alias")
        infos: list[EnvInfo] = await client.envs.info()
        access: CloudAccessTokenConfig = await client.envs.get_cloud_access_token("env")
        await client.envs.set_cloud_access_token(
            env="env", open=True, api_whitelist=["/*"], version=access.version
        )
        await client.storage.upload("env", "a", 42)  # type: ignore[arg-type]
        wrong: str = await client.storage.download("env", f.file_id)  # type: ignore[assignment]
        del urls, ok, blob, size, chunks, gone, creds, created, infos, wrong


async def cloud_run(emulator: Emulator) -> None:
    from aiohttp import web

    from wxtcb import cloudrun
    from wxtcb.testing import PushAnswer

    client = wxtcb.Client(wxtcb.OpenApiProvider())
    file_client = wxtcb.Client(wxtcb.CloudbaseTokenProvider(path="/tmp/token"))
    bot = cloudrun.Bot(client, public_access=True, deadline=2.0, dedupe=cloudrun.MemoryDedupe())

    @bot.on_text
    async def echo(message: cloudrun.TextMessage) -> None:
        await message.reply_text(message.content)
        await message.typing()

    @bot.on_event("user_enter_tempsession")
    async def hello(event: cloudrun.Event) -> cloudrun.Reply:
        return cloudrun.TextReply("hi")

    app = web.Application()
    app.router.add_post("/wechat/push", bot.handler)
    status, body = await bot.feed({"x-wx-source": "1"}, b"{}")
    await client.customer_service.send(touser="o", text=cloudrun.CustomText("hi"))
    await client.customer_service.typing("o", "Typing")
    answer: PushAnswer = await emulator.push_message(
        "http://127.0.0.1:1/p", {"MsgType": "text"}, xml=True, resend=1
    )
    emulator.enable_open_api()
    token: str = emulator.issue_cloudbase_token()
    await client.customer_service.send("o")  # type: ignore[call-arg]
    await bot.aclose()
    del status, body, answer, token, file_client


async def batch_mode(emulator: Emulator) -> None:
    from wxtcb import db
    from wxtcb.batch import (
        BatchEnvInfo,
        CreatedBatchEnv,
        EnvRelations,
        ShareResult,
        ShareTarget,
        StaticUploadLink,
    )
    from wxtcb.database import QueryResult
    from wxtcb.storage import UploadedFile

    component = wxtcb.ComponentTokenProvider("wxc", "secret", ticket="t")
    async with wxtcb.Platform(component, base_url=emulator.url) as platform:
        created: CreatedBatchEnv = await platform.batch.create_env("shop")
        ready: BatchEnvInfo = await platform.batch.wait_env_ready(created.env, interval=0, timeout=1.0)
        envs: list[BatchEnvInfo] = await platform.batch.describe_envs()
        share: ShareResult = await platform.batch.share_env([ShareTarget(created.env, ["wx1"])])
        rel: EnvRelations = await platform.batch.get_env_ids(["wx1"], source_type=1)
        ids: list[str] = await platform.batch.database.insert(created.env, db.collection("a").add([{"x": 1}]))
        page: QueryResult = await platform.batch.database.query(created.env, db.collection("a").get())
        up: UploadedFile = await platform.batch.storage.upload(created.env, "a.txt", b"x")
        link: StaticUploadLink = await platform.batch.static.get_upload_link(created.env, "index.html")
        size: int = await platform.batch.static.upload(created.env, "index.html", b"x")
        await platform.batch.create_env(42)  # type: ignore[arg-type]
        wrong: str = await platform.batch.describe_envs()  # type: ignore[assignment]
        del ready, envs, share, rel, ids, page, up, link, size, wrong


async def batch_functions_data_and_containers(platform: wxtcb.Platform) -> None:
    from pathlib import Path

    from wxtcb.batch import (
        AclTag,
        BucketListing,
        CollectionAcl,
        ContainerBatchResult,
        ContainerServiceList,
        CsVersionRef,
        EnvError,
        ReleasedRunVersion,
        ScfList,
        ShareTarget,
        StaticStore,
    )
    from wxtcb.database import Index, IndexKey
    from wxtcb.environments import CloudAccessTokenConfig

    env = "env-1"
    scf: ScfList = await platform.batch.functions.list(env)
    failed: list[EnvError] = await platform.batch.functions.upload_code("f", [env], Path("f.zip"))
    answer: object = await platform.batch.functions.invoke(env, "login", {"code": "x"})
    cfg: CloudAccessTokenConfig = await platform.batch.get_cloud_access_token(env)
    refused: list[EnvError] = await platform.batch.unshare_env([ShareTarget(env, ["wx1"])], source_type=1)
    await platform.batch.database.indexes.create(env, "todos", [Index("by_due", [IndexKey("due")])])
    acl: CollectionAcl = await platform.batch.database.get_acl(env, "todos")
    await platform.batch.database.set_acl(env, "todos", AclTag.CUSTOM, {"read": True})
    files: BucketListing = await platform.batch.storage.list_files(env, prefix="a/")
    stores: list[StaticStore] = await platform.batch.static.describe(env)
    released: ReleasedRunVersion = await platform.batch.cloudrun.release_version(env, "api", "api-001")
    services: ContainerServiceList = await platform.batch.cloudrun.containers.list_services(env)
    result: ContainerBatchResult = await platform.batch.cloudrun.containers.delete_versions(
        [CsVersionRef(env, "api", "api-001")]
    )
    result.raise_for_failures()
    await platform.batch.unshare_env([ShareTarget(env, ["wx1"])])  # type: ignore[call-arg]
    del scf, failed, answer, cfg, refused, acl, files, stores, released, services


async def function_management_pay_and_open_data(platform: wxtcb.Platform) -> None:
    from wxtcb.functions_admin import (
        CodeSecret,
        ExtensionFile,
        ExtensionFileType,
        ExtensionUploadInfo,
        FunctionDownload,
        FunctionList,
        UploadSignature,
        hashed_payload,
    )
    from wxtcb.open_data import OpenDataItem
    from wxtcb.wechat_pay import PayAuthAction, PayMerchant

    merchant = platform.merchant("wxmerchant")
    page: FunctionList = await merchant.functions.list("env", limit=20, offset=0)
    await merchant.functions.create("env", "login")
    link: FunctionDownload = await merchant.functions.download_link("env", "login")
    await merchant.functions.upload_config("env", "login", 3, {"timeout": 5})
    secret: CodeSecret = await merchant.functions.code_secret()
    signed: UploadSignature = await merchant.functions.upload_signature(hashed_payload(b"{}"))
    info: ExtensionUploadInfo = await merchant.functions.extension_upload_info(
        [ExtensionFile(ExtensionFileType.SMS, "list.csv")]
    )
    config: wxtcb.FunctionConfig = await merchant.message_push.get_app_config()
    merchants: list[PayMerchant] = await merchant.wechat_pay.merchants()
    await merchant.wechat_pay.apply_auth(PayAuthAction.BIND, "1900006511")
    items: list[OpenDataItem] = await merchant.open_data.get(["cloud-id"], openid="o")
    signature: str = await merchant.open_data.voip_sign("room", 1700000000, "nonce")
    await merchant.functions.list(42)  # type: ignore[arg-type]
    del page, link, secret, signed, info, config, merchants, items, signature


async def sms_statistics_and_cloud_users(emulator: Emulator) -> None:
    from wxtcb.sms import SendStatus, SmsRecords, SmsType, Statistics, StatisticsAction, StatisticsCondition

    async with wxtcb.Client(wxtcb.StaticTokenProvider("t"), base_url=emulator.url) as client:
        sent: list[SendStatus] = await client.sms.send(
            "env",
            ["+8612345678910"],
            sms_type=SmsType.NOTIFICATION,
            template_id="1",
            template_param_list=["a"],
        )
        sent = await client.sms.send_v2("env", "https://wxaurl.cn/x", "844110", ["a"], ["+8612345678910"])
        ok: bool = sent[0].sent
        query_id: str = await client.sms.create_task("env", "extension://x.csv", use_short_name=True)
        page: SmsRecords = await client.sms.records("env", "2021-03-01", "2021-03-23", query_id=query_id)
        table: Statistics = await client.sms.statistics(
            action=StatisticsAction.OVERVIEW,
            begin_date=0,
            end_date=1,
            page_offset=0,
            page_limit=10,
            condition=StatisticsCondition(by_channel_id=True),
        )
        rows: list[dict[str, str]] = table.as_dicts()
        await client.sms.report(
            report_action="sendSmsTask", env_id="e", activity_id="a", task_id="t", phone_count=3
        )
        await client.cloud_users.create()
        has_mobile: bool = await client.cloud_users.check_mobile(push_tmpl=True)
        del ok, page, rows, has_mobile
