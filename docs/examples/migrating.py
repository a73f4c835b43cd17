"""Migrating from wechatpy: the wxtcb side of each comparison on docs/migrating.md."""

import redis.asyncio

import wxtcb
import wxtcb.redis
from wxtcb.testing import Emulator, Fault


# --8<-- [start:setup]
async def make_client(appid: str, secret: str, base_url: str) -> wxtcb.Client:
    provider = wxtcb.AppTokenProvider(appid, secret)  # stable_token: one token for every process
    return wxtcb.Client(provider, base_url=base_url)  # create once, share, `await client.aclose()`


# --8<-- [end:setup]


# --8<-- [start:redis]
def shared_provider(appid: str, secret: str, connection: redis.asyncio.Redis) -> wxtcb.AppTokenProvider:
    store = wxtcb.redis.RedisTokenStore(connection)  # one fetch for the fleet, under a lease
    return wxtcb.AppTokenProvider(appid, secret, stable=False, store=store)


# --8<-- [end:redis]


# --8<-- [start:calls]
async def calls(client: wxtcb.Client, env: str) -> tuple[object, int]:
    answer = await client.functions.invoke(env, "login", {"code": "x"})  # resp_data, decoded
    count = await client.database.count(env, wxtcb.db.collection("todos").where({"done": False}).count())
    return answer, count


# --8<-- [end:calls]


# --8<-- [start:errors]
async def read_config(client: wxtcb.Client) -> wxtcb.CallbackConfig | str:
    try:
        return await client.get_callback_config()
    except wxtcb.IPNotAllowedError as exc:  # 40164, 61004
        return f"whitelist {exc.ip}"
    except wxtcb.APIError as exc:  # any other errcode: errcode, errmsg, rid
        return f"{exc.errcode} (rid {exc.rid})"
    except wxtcb.TransportError:  # network, timeout, not JSON: never a raw aiohttp error
        return "no answer"


# --8<-- [end:errors]


# --8<-- [start:tests]
async def test_a_busy_wechat_is_retried(wxtcb_emulator: Emulator, wxtcb_client: wxtcb.Client) -> None:
    wxtcb_emulator.fault("tcb/getcallbackconfig", Fault.error(-1))  # no HTTP mocking: a real server
    before = wxtcb_emulator.calls["tcb/getcallbackconfig"]
    await wxtcb_client.get_callback_config()
    assert wxtcb_emulator.calls["tcb/getcallbackconfig"] == before + 2  # busy once, then retried


# --8<-- [end:tests]
