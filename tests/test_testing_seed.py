"""A new Emulator starts empty and says how to fill it; seed_demo gives it the CLI's demo data,
and the CLI's emulators (``wxtcb emulator``, ``--emulator``) start from that same seed."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import wxtcb
from wxtcb import db
from wxtcb.cli import main
from wxtcb.testing import DEMO_APPID, DEMO_ENV, DEMO_SECRET, INSTANT_RETRY, Emulator
from wxtcb.testing.cloudbase import DEMO_TODOS
from wxtcb.testing.message_push import DEMO_CONFIG

TODOS = db.collection("todos").get()


async def test_a_new_emulator_is_empty_and_a_missing_collection_says_how_to_make_one(
    client: wxtcb.Client,
) -> None:
    """-502005 keeps its errcode, class and WeChat's text first, then names the collection and
    the ways to create it."""
    with pytest.raises(wxtcb.CloudBaseError) as caught:
        await client.database.query(DEMO_ENV, TODOS)
    assert caught.value.errcode == -502005
    assert caught.value.errmsg.startswith("database collection not exists: todos (")
    for advice in (
        'client.database.collections.create(env, "todos")',
        "emulator.seed_collection(",
        "seed_demo",
    ):
        assert advice in caught.value.errmsg


async def test_a_missing_function_says_how_to_add_one(client: wxtcb.Client) -> None:
    """-501009 keeps its errcode and text first, then points at add_function and seed_demo."""
    with pytest.raises(wxtcb.CloudBaseError) as caught:
        await client.functions.invoke(DEMO_ENV, "hello", {"name": "x"})
    assert caught.value.errcode == -501009
    assert caught.value.errmsg.startswith(f"cloud function hello not found in env {DEMO_ENV} (")
    assert "emulator.add_function('hello', handler)" in caught.value.errmsg
    assert "seed_demo" in caught.value.errmsg


async def test_seed_demo_fills_todos_hello_and_the_configuration(
    emulator: Emulator, client: wxtcb.Client
) -> None:
    """After seed_demo: three todos in DEMO_ENV, a hello function echoing its payload, the
    sample configuration; a second seed_demo adds nothing twice."""
    emulator.seed_demo()
    emulator.seed_demo()
    page = await client.database.query(DEMO_ENV, TODOS)
    assert page.data == [dict(d) for d in DEMO_TODOS]
    assert await client.functions.invoke("any-env", "hello", {"name": "x"}) == {"event": {"name": "x"}}
    config = await client.get_callback_config()
    assert config.container_config is not None
    assert config.container_config.qbase_container_path == "/container-echo"


async def test_seed_demo_keeps_its_sample_intact(emulator: Emulator, client: wxtcb.Client) -> None:
    """Changing a seeded emulator's configuration does not change the next emulator's seed."""
    before = json.dumps(DEMO_CONFIG, sort_keys=True)
    emulator.seed_demo()
    await client.set_callback_config(
        container_config=wxtcb.ContainerConfig(True, "e", "/changed", wxtcb.TextMode.XML)
    )
    assert json.dumps(DEMO_CONFIG, sort_keys=True) == before


async def test_seed_demo_takes_the_env_the_appid_and_the_function_name(emulator: Emulator) -> None:
    """seed_demo(env, appid=, function=) puts the todos, configuration and function where asked."""
    emulator.add_app("wxother0000000001", "other-secret")
    emulator.seed_demo("prod", appid="wxother0000000001", function="login")
    assert [d["_id"] for d in emulator.collection_documents("prod", "todos")] == [
        "todo-1",
        "todo-2",
        "todo-3",
    ]
    provider = wxtcb.AppTokenProvider("wxother0000000001", "other-secret")
    async with wxtcb.Client(provider, base_url=emulator.url, retry=INSTANT_RETRY) as other:
        assert await other.functions.invoke("prod", "login", 1) == {"event": 1}
        assert (await other.get_callback_config()).function_config is not None
    assert DEMO_APPID not in emulator.configs


def test_the_cli_emulator_starts_from_seed_demo(capsys: pytest.CaptureFixture[str]) -> None:
    """`wxtcb db query --emulator` shows the documents seed_demo stores, no more, no less."""
    assert main(["db", "query", "--emulator", DEMO_ENV, 'db.collection("todos").get()']) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["data"] == [dict(d) for d in DEMO_TODOS]


@pytest.mark.parametrize(("flags", "seeded"), [([], True), (["--empty"], False)])
def test_wxtcb_emulator_says_what_data_it_serves(flags: list[str], seeded: bool) -> None:
    """`wxtcb emulator` serves seed_demo's data and says so; with --empty it serves none, says
    that it starts as wxtcb.testing.Emulator() does, and a query there is -502005."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "wxtcb", "emulator", "--port", "0", *flags], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().split()[-1]
        proc.stdout.readline()  # the demo app
        proc.stdout.readline()  # a curl line that fetches a token
        data_line = proc.stdout.readline()
        assert ("seed_demo()" in data_line) is seeded
        assert "wxtcb.testing.Emulator()" in data_line
        argv = ["--appid", DEMO_APPID, "--secret", DEMO_SECRET, "--base-url", url]
        code = main(["db", "query", DEMO_ENV, 'db.collection("todos").get()', *argv])
        assert code == (0 if seeded else 1)
    finally:
        proc.terminate()
        proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()
