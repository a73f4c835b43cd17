"""Batch-mode indexes, collection permissions, storage listing and static-hosting status
(componenttcb/dbindex, dbgetacl, dbmodifyacl, getbucket, describestaticstore, staticfilelist)
against the emulator over real sockets."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

import wxtcb
from tests.conftest import demo_component, load_module
from wxtcb.batch import (
    AclTag,
    BatchDbGetAcl,
    BatchGetBucket,
    BucketFile,
    CollectionAcl,
    DescribeStaticStore,
    StaticFileList,
    StaticStore,
)
from wxtcb.database import Index, IndexKey
from wxtcb.errors import APIError, DecodeError, InvalidRequestError
from wxtcb.testing import INSTANT_RETRY, Emulator, Fault
from wxtcb.testing.batch_data import BatchDataState
from wxtcb.testing.cloudbase import CloudBase

ENV = "shop-0123456789abcdef"
EXAMPLE = Path(__file__).parent.parent / "docs" / "examples" / "batch_data.py"


@pytest.fixture
async def platform(emulator: Emulator) -> AsyncIterator[wxtcb.Platform]:
    """The demo platform on the emulator with instant retries."""
    async with wxtcb.Platform(demo_component(), base_url=emulator.url, retry=INSTANT_RETRY, timeout=2.0) as p:
        yield p


async def _ready_env(platform: wxtcb.Platform) -> str:
    created = await platform.batch.create_env("shop")
    await platform.batch.wait_env_ready(created.env, interval=0)
    return created.env


# --- indexes ------------------------------------------------------------------------------------


async def test_indexes_are_created_and_dropped(platform: wxtcb.Platform, emulator: Emulator) -> None:
    """create sends name and keys (directions as strings) and the index exists; a second create of
    the same name is WeChat's 40097; drop by name removes it."""
    await platform.batch.database.collections.create(ENV, "todos")
    index = Index("due_geo", [IndexKey("due", -1), IndexKey("where", "2dsphere")])
    await platform.batch.database.indexes.create(ENV, "todos", [index])
    stored = emulator.state(CloudBase).indexes[(ENV, "todos")]["due_geo"]
    assert isinstance(stored, dict)
    assert stored["keys"] == [
        {"name": "due", "direction": "-1"},
        {"name": "where", "direction": "2dsphere"},
    ]
    with pytest.raises(APIError) as caught:
        await platform.batch.database.indexes.create(ENV, "todos", [index])
    assert caught.value.errcode == 40097
    await platform.batch.database.indexes.drop(ENV, "todos", ["due_geo"])
    assert "due_geo" not in emulator.state(CloudBase).indexes[(ENV, "todos")]


async def test_index_input_is_refused_before_sending(platform: wxtcb.Platform, emulator: Emulator) -> None:
    """unique (absent from the batch page), no index, one string for a list, a bad direction and an
    empty collection name never reach WeChat."""
    key = [IndexKey("a")]
    with pytest.raises(InvalidRequestError, match="unique"):
        await platform.batch.database.indexes.create(ENV, "todos", [Index("u", key, unique=True)])
    with pytest.raises(InvalidRequestError, match="empty"):
        await platform.batch.database.indexes.create(ENV, "todos", [])
    with pytest.raises(InvalidRequestError, match=r"wxtcb\.database\.Index"):
        await platform.batch.database.indexes.create(ENV, "todos", [{"name": "a"}])  # type: ignore[list-item]
    with pytest.raises(InvalidRequestError, match="direction"):
        await platform.batch.database.indexes.create(ENV, "todos", [Index("a", [IndexKey("a", "up")])])
    with pytest.raises(InvalidRequestError, match="not one string"):
        await platform.batch.database.indexes.drop(ENV, "todos", "a_1")
    with pytest.raises(InvalidRequestError, match="empty"):
        await platform.batch.database.indexes.drop(ENV, "todos", [])
    with pytest.raises(InvalidRequestError):
        await platform.batch.database.indexes.drop(ENV, "", ["a_1"])
    assert emulator.calls["componenttcb/dbindex"] == 0


async def test_an_index_change_is_never_resent(platform: wxtcb.Platform, emulator: Emulator) -> None:
    """A transient failure (-1) of dbindex is raised after one request: a repeat could create twice."""
    await platform.batch.database.collections.create(ENV, "todos")
    emulator.fault("componenttcb/dbindex", Fault.error(-1), times=3)
    with pytest.raises(APIError) as caught:
        await platform.batch.database.indexes.create(ENV, "todos", [Index("a_1", [IndexKey("a")])])
    assert caught.value.errcode == -1
    assert emulator.calls["componenttcb/dbindex"] == 1


async def test_an_index_on_a_missing_collection_is_refused(platform: wxtcb.Platform) -> None:
    """The emulator answers dbindex on a collection that does not exist with WeChat's error."""
    with pytest.raises(APIError):
        await platform.batch.database.indexes.create(ENV, "nosuch", [Index("a_1", [IndexKey("a")])])


# --- permissions --------------------------------------------------------------------------------


async def test_permissions_round_trip(platform: wxtcb.Platform, emulator: Emulator) -> None:
    """A custom rule given as a dict is sent as JSON text and read back as that text; another tag
    sends rule "" and clears it."""
    await platform.batch.database.collections.create(ENV, "todos")
    assert await platform.batch.database.get_acl(ENV, "todos") == CollectionAcl("PRIVATE", "")
    rule = {"read": True, "write": "doc._openid == auth.openid"}
    await platform.batch.database.set_acl(ENV, "todos", AclTag.CUSTOM, rule)
    acl = await platform.batch.database.get_acl(ENV, "todos")
    assert acl.acl_tag == AclTag.CUSTOM
    assert json.loads(acl.rule) == rule
    await platform.batch.database.set_acl(ENV, "todos", "READONLY")
    assert await platform.batch.database.get_acl(ENV, "todos") == CollectionAcl("READONLY", "")
    assert emulator.state(BatchDataState).acls[(ENV, "todos")] == ("READONLY", "")


async def test_permission_input_is_refused_before_sending(
    platform: wxtcb.Platform, emulator: Emulator
) -> None:
    """An unknown tag, a CUSTOM rule that is not a JSON object, and a rule beside another tag never
    reach WeChat."""
    bad = [
        ("PUBLIC", ""),
        (AclTag.CUSTOM, ""),
        (AclTag.CUSTOM, "read: true"),
        (AclTag.CUSTOM, "[1]"),
        (AclTag.PRIVATE, '{"read": true}'),
    ]
    for tag, rule in bad:
        with pytest.raises(InvalidRequestError):
            await platform.batch.database.set_acl(ENV, "todos", tag, rule)
    with pytest.raises(InvalidRequestError):
        await platform.batch.database.get_acl(ENV, "")
    assert emulator.calls["componenttcb/dbmodifyacl"] == 0
    assert emulator.calls["componenttcb/dbgetacl"] == 0


async def test_permission_reads_are_resent(platform: wxtcb.Platform, emulator: Emulator) -> None:
    """dbgetacl (a read) and dbmodifyacl (setting a value: twice is once) are retried after -1."""
    await platform.batch.database.collections.create(ENV, "todos")
    emulator.fault("componenttcb/dbmodifyacl", Fault.error(-1))
    await platform.batch.database.set_acl(ENV, "todos", AclTag.ADMINONLY)
    emulator.fault("componenttcb/dbgetacl", Fault.error(-1))
    assert (await platform.batch.database.get_acl(ENV, "todos")).acl_tag == "ADMINONLY"
    assert emulator.calls["componenttcb/dbmodifyacl"] == 2
    assert emulator.calls["componenttcb/dbgetacl"] == 2


def test_an_absent_rule_reads_as_empty() -> None:
    """The page does not say what rule holds for a tag other than CUSTOM: absent or null is ""."""
    assert BatchDbGetAcl.__decode__({"acl_tag": "PRIVATE"}) == CollectionAcl("PRIVATE", "")
    assert BatchDbGetAcl.__decode__({"acl_tag": "PRIVATE", "rule": None}) == CollectionAcl("PRIVATE", "")


# --- storage listing ----------------------------------------------------------------------------


async def test_bucket_listing_with_prefix_delimiter_and_marker(
    platform: wxtcb.Platform, emulator: Emulator
) -> None:
    """getbucket lists what was uploaded (size as an int), filtered by prefix, without the keys a
    delimiter groups away, from after marker, and says when the answer is truncated."""
    env = await _ready_env(platform)
    for path, data in [("a/1.txt", b"one"), ("a/2.txt", b"two!"), ("a/b/3.txt", b"3"), ("c.txt", b"")]:
        await platform.batch.storage.upload(env, path, data)
    listing = await platform.batch.storage.list_files(env)
    assert [(f.key, f.size) for f in listing.contents] == [
        ("a/1.txt", 3),
        ("a/2.txt", 4),
        ("a/b/3.txt", 1),
        ("c.txt", 0),
    ]
    assert not listing.is_truncated
    assert listing.contents[0].last_modified.endswith("Z")
    shallow = await platform.batch.storage.list_files(env, prefix="a/", delimiter="/")
    assert [f.key for f in shallow.contents] == ["a/1.txt", "a/2.txt"]
    emulator.state(BatchDataState).page_size = 2
    first = await platform.batch.storage.list_files(env)
    assert first.is_truncated
    rest = await platform.batch.storage.list_files(env, marker=first.contents[-1].key)
    assert [f.key for f in rest.contents] == ["a/b/3.txt", "c.txt"]
    assert not rest.is_truncated


async def test_listing_input_is_refused_before_sending(platform: wxtcb.Platform, emulator: Emulator) -> None:
    """An empty env or a prefix that is not a string never reaches WeChat; unset options are not sent."""
    with pytest.raises(InvalidRequestError):
        await platform.batch.storage.list_files("")
    with pytest.raises(InvalidRequestError):
        await platform.batch.storage.list_files(ENV, prefix=1)  # type: ignore[arg-type]
    with pytest.raises(InvalidRequestError):
        await platform.batch.static.list_files(ENV, marker=b"a")  # type: ignore[arg-type]
    assert emulator.calls["componenttcb/getbucket"] == emulator.calls["componenttcb/staticfilelist"] == 0


def test_size_is_read_as_a_string_or_a_number() -> None:
    """The page's "554" and a JSON number both become an int; other text is a DecodeError."""
    listing = BatchGetBucket.__decode__(
        {"contents": [{"key": "a", "size": "554"}, {"key": "b", "size": 7}], "is_truncated": False}
    )
    assert listing.contents == (BucketFile("a", size=554), BucketFile("b", size=7))
    assert BatchGetBucket.__decode__({"is_truncated": False}).contents == ()
    with pytest.raises(DecodeError, match="size"):
        BatchGetBucket.__decode__({"contents": [{"key": "a", "size": "big"}], "is_truncated": False})


# --- static hosting -----------------------------------------------------------------------------


async def test_static_store_status_and_files(platform: wxtcb.Platform, emulator: Emulator) -> None:
    """describestaticstore reads the sample's Data and the table's data alike (regoin as region);
    staticfilelist lists the files PUT to the site."""
    env = await _ready_env(platform)
    assert await platform.batch.static.describe(env) == []
    with pytest.raises(APIError):
        await platform.batch.static.list_files(env)
    await platform.batch.static.create_store(env)
    (store,) = await platform.batch.static.describe(env)
    assert (store.env, store.region, store.online) == (env, "ap-shanghai", True)
    emulator.state(BatchDataState).store_key = "data"
    assert await platform.batch.static.describe(env) == [store]
    await platform.batch.static.upload(env, "index.html", b"<h1>hi</h1>")
    await platform.batch.static.upload(env, "css/site.css", b"body{}")
    listing = await platform.batch.static.list_files(env)
    assert [(f.key, f.size) for f in listing.contents] == [("css/site.css", 6), ("index.html", 11)]
    only_css = await platform.batch.static.list_files(env, prefix="css/")
    assert [f.key for f in only_css.contents] == ["css/site.css"]


def test_static_store_spellings() -> None:
    """data wins over Data when both come; region is read when regoin is absent; no list is []."""
    both = DescribeStaticStore.__decode__(
        {"data": [{"env": "a", "regoin": "ap-guangzhou"}], "Data": [{"env": "b"}]}
    )
    assert both == [StaticStore("a", region="ap-guangzhou")]
    assert DescribeStaticStore.__decode__({"Data": [{"env": "c", "region": "ap-beijing"}]}) == [
        StaticStore("c", region="ap-beijing")
    ]
    assert DescribeStaticStore.__decode__({"errcode": 0}) == []
    assert StaticFileList.__decode__(
        {"contents": [{"key": "x", "size": "2"}], "is_truncated": True}
    ).is_truncated


# --- the documentation's example ------------------------------------------------------------------


async def test_docs_example_prepares_an_environment(platform: wxtcb.Platform, emulator: Emulator) -> None:
    """docs/examples/batch_data.py indexes and protects a collection, pages through the storage
    listing (three answers of one file each here) and reads the static site's domain."""
    env = await _ready_env(platform)
    for path in ("exports/1.json", "exports/2.json", "exports/3.json", "other.txt"):
        await platform.batch.storage.upload(env, path, b"{}")
    await platform.batch.static.create_store(env)
    emulator.state(BatchDataState).page_size = 1
    keys, domain = await load_module(EXAMPLE).prepare(platform, env)
    assert keys == ["exports/1.json", "exports/2.json", "exports/3.json"]
    assert domain.startswith(env)
    assert "by_user" in emulator.state(CloudBase).indexes[(env, "orders")]
    tag, rule = emulator.state(BatchDataState).acls[(env, "orders")]
    assert (tag, json.loads(rule)) == ("CUSTOM", {"read": "doc._openid == auth.openid", "write": False})
