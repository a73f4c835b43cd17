"""client.storage against the emulator over real sockets: two-step uploads, batched links, downloads,
deletes, COS's XML errors, and no signature, token or credential in any error, repr or log line."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

import wxtcb
from tests.conftest import assert_no_secret, log_texts
from wxtcb.storage import FileResults, UploadFile, parse_cos_error
from wxtcb.testing import Emulator, Fault
from wxtcb.testing.storage import StorageState

ENV = "prod-1a2b3c"
DATA = os.urandom(300_000)


async def _chunks(data: bytes, size: int = 7_777) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


@pytest.mark.parametrize("kind", ["bytes", "path", "chunks"])
async def test_upload_then_download_returns_identical_bytes(
    client: wxtcb.Client, tmp_path: Path, kind: str
) -> None:
    """Bytes, a file path and an async iterator of chunks each come back byte for byte."""
    source: object
    if kind == "bytes":
        source = DATA
    elif kind == "path":
        source = tmp_path / "in.bin"
        source.write_bytes(DATA)
    else:
        source = _chunks(DATA)
    uploaded = await client.storage.upload(ENV, f"dir/{kind}.bin", source)  # type: ignore[arg-type]
    assert uploaded.size == len(DATA)
    links = await client.storage.download_urls(ENV, [uploaded.file_id])
    assert links.ok
    assert links[0].file_id == uploaded.file_id
    assert await client.storage.download(ENV, uploaded.file_id) == DATA
    target = tmp_path / "out.bin"
    assert await client.storage.download_to(ENV, uploaded.file_id, target) == len(DATA)
    assert target.read_bytes() == DATA
    streamed = b"".join([c async for c in client.storage.iter_download(ENV, uploaded.file_id)])
    assert streamed == DATA


async def test_120_ids_come_back_in_order_with_per_item_status(
    emulator: Emulator, client: wxtcb.Client
) -> None:
    """120 ids (known and unknown, interleaved): 120 items in order, three calls of at most 50."""
    known = [(await client.storage.upload(ENV, f"f/{i}.txt", b"x%d" % i)).file_id for i in range(3)]
    ids = [known[i % 3] if i % 2 == 0 else f"cloud://{ENV}.nobucket/missing-{i}" for i in range(120)]
    emulator.calls.clear()
    links = await client.storage.download_urls(ENV, ids, max_age=60)
    assert [link.file_id for link in links] == ids
    assert [link.ok for link in links] == [i % 2 == 0 for i in range(120)]
    assert all(link.status != 0 and link.errmsg for link in links.failed)
    assert len(links.failed) == 60
    assert not links.ok
    assert emulator.calls["tcb/batchdownloadfile"] == 3
    with pytest.raises(wxtcb.PartialFailureError) as caught:
        links.raise_for_failures()
    assert caught.value.failed[0][0] == ids[1]


async def test_more_than_50_ids_in_one_call_is_refused_by_the_emulator(
    emulator: Emulator, client: wxtcb.Client
) -> None:
    """The emulator refuses a 51-id batch as WeChat does, so the client's batching is tested for real."""
    token = await client.provider.token(client._pipeline)
    body = {"env": ENV, "file_list": [{"fileid": f"cloud://x.y/{i}", "max_age": 60} for i in range(51)]}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{emulator.url}/tcb/batchdownloadfile", params={"access_token": token}, json=body) as r,
    ):
        answer = await r.json(content_type=None)
    assert answer["errcode"] == 40097


async def test_delete_in_batches_reads_strings_and_objects(emulator: Emulator, client: wxtcb.Client) -> None:
    """delete_list items as objects (the sample) or bare strings (the type): both are read, in order."""
    ids = [(await client.storage.upload(ENV, f"d/{i}", b"1")).file_id for i in range(60)]
    emulator.state(StorageState).delete_as_strings = True
    gone = await client.storage.delete(ENV, [*ids, "cloud://x.y/none"])
    assert isinstance(gone, FileResults)
    assert [item.file_id for item in gone] == [*ids, "cloud://x.y/none"]
    assert [item.ok for item in gone] == [True] * 60 + [False]
    assert emulator.calls["tcb/batchdeletefile"] == 2
    assert emulator.state(StorageState).files == {}


async def test_failed_cos_post_asks_for_a_fresh_link(emulator: Emulator, client: wxtcb.Client) -> None:
    """A 503 from COS: a new tcb/uploadfile link is fetched and the POST sent again."""
    xml = b"<?xml version='1.0'?><Error><Code>ServiceUnavailable</Code><Message>busy</Message></Error>"
    emulator.fault(f"_cos/7465-{ENV}-1250000000/retry.bin", Fault.raw(xml, status=503))
    uploaded = await client.storage.upload(ENV, "retry.bin", b"abc")
    assert emulator.calls["tcb/uploadfile"] == 2
    assert await client.storage.download(ENV, uploaded.file_id) == b"abc"


async def test_cos_xml_error_becomes_a_typed_error_once(emulator: Emulator, client: wxtcb.Client) -> None:
    """A 400 InvalidArgument from COS: StorageError with COS's code and message, not retried."""
    xml = b"<Error><Code>InvalidArgument</Code><Message>bad form</Message><RequestId>r-9</RequestId></Error>"
    emulator.fault(f"_cos/7465-{ENV}-1250000000/bad.bin", Fault.raw(xml, status=400))
    with pytest.raises(wxtcb.StorageError) as caught:
        await client.storage.upload(ENV, "bad.bin", b"abc")
    error = caught.value
    assert (error.code, error.request_id, error.status, error.transient) == (
        "InvalidArgument",
        "r-9",
        400,
        False,
    )
    assert "bad form" in str(error)
    assert emulator.calls["tcb/uploadfile"] == 1


async def test_the_form_is_checked_field_by_field(emulator: Emulator, client: wxtcb.Client) -> None:
    """A wrong Signature, a wrong token, or file before the other fields: COS-style XML errors."""
    link = await client(UploadFile(ENV, "raw.bin"))
    good = {
        "key": "raw.bin",
        "Signature": link.authorization,
        "x-cos-security-token": link.token,
        "x-cos-meta-fileid": link.cos_file_id,
    }

    async def post(fields: dict[str, str], file_first: bool = False) -> tuple[int, bytes]:
        form = aiohttp.FormData()
        if file_first:
            form.add_field("file", b"1", filename="raw.bin")
        for k, v in fields.items():
            form.add_field(k, v)
        if not file_first:
            form.add_field("file", b"1", filename="raw.bin")
        async with aiohttp.ClientSession() as session, session.post(link.url, data=form) as r:
            return r.status, await r.read()

    status, body = await post({**good, "Signature": "q-sign-algorithm=sha1&forged"})
    assert parse_cos_error(status, body).code == "SignatureDoesNotMatch"
    status, body = await post({**good, "x-cos-security-token": "wrong"})
    assert (status, parse_cos_error(status, body).code) == (403, "AccessDenied")
    status, body = await post(good, file_first=True)
    assert parse_cos_error(status, body).code == "InvalidArgument"
    assert (await post(good))[0] == 204


async def test_signed_links_expire_with_max_age(emulator: Emulator, client: wxtcb.Client) -> None:
    """A link made with max_age=60 works now and is refused (403 XML) after 61 s of emulator time."""
    uploaded = await client.storage.upload(ENV, "exp.bin", b"data")
    (link,) = await client.storage.download_urls(ENV, [uploaded.file_id], max_age=60)
    async with aiohttp.ClientSession() as session:
        async with session.get(link.download_url) as r:
            assert (r.status, await r.read()) == (200, b"data")
        emulator.advance(61)
        async with session.get(link.download_url) as r:
            assert parse_cos_error(r.status, await r.read()).code == "AccessDenied"


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda c, p: c.storage.upload("", "a.bin", b"x"), "env"),
        (lambda c, p: c.storage.upload(ENV, "/abs.bin", b"x"), "must not start"),
        (lambda c, p: c.storage.upload(ENV, "", b"x"), "non-empty"),
        (lambda c, p: c.storage.upload(ENV, "a" * 851, b"x"), "850"),
        (lambda c, p: c.storage.upload(ENV, "a\nb", b"x"), "CR, LF"),
        (lambda c, p: c.storage.upload(ENV, "a.bin", p / "missing.bin"), "no such file"),
        (lambda c, p: c.storage.upload(ENV, "a.bin", p), "not a regular file"),
        (lambda c, p: c.storage.upload(ENV, "a.bin", 42), "bytes, a file path"),
        (lambda c, p: c.storage.download_urls(ENV, ["cloud://a.b/c"], max_age=0), "max_age"),
        (lambda c, p: c.storage.download_urls(ENV, ["cloud://a.b/c"], max_age=2**31), "max_age"),
        (lambda c, p: c.storage.download_urls(ENV, "cloud://a.b/c"), "list of strings"),
        (lambda c, p: c.storage.download_urls("", ["cloud://a.b/c"]), "env"),
        (lambda c, p: c.storage.delete(ENV, [""]), "non-empty"),
        (lambda c, p: c.storage.download_to(ENV, "cloud://a.b/c", p), "directory"),
        (lambda c, p: c.storage.get_qcloud_token(7201), "lifespan"),
    ],
)
async def test_bad_input_is_refused_before_any_request(
    emulator: Emulator, client: wxtcb.Client, tmp_path: Path, call: object, match: str
) -> None:
    """Empty env, bad cloud paths, a missing file or a directory, bad max_age: InvalidRequestError, nothing sent."""
    with pytest.raises(wxtcb.InvalidRequestError, match=match):
        await call(client, tmp_path)  # type: ignore[operator]
    assert sum(emulator.calls.values()) == 0


async def test_download_over_the_cap_leaves_no_partial_file(client: wxtcb.Client, tmp_path: Path) -> None:
    """A file over max_size: ResponseTooLarge from download and download_to, and no file left behind."""
    uploaded = await client.storage.upload(ENV, "big.bin", DATA)
    with pytest.raises(wxtcb.ResponseTooLarge):
        await client.storage.download(ENV, uploaded.file_id, max_size=1000)
    target = tmp_path / "out.bin"
    with pytest.raises(wxtcb.ResponseTooLarge):
        await client.storage.download_to(ENV, uploaded.file_id, target, max_size=1000)
    assert os.listdir(tmp_path) == []


async def test_failed_download_leaves_no_partial_file(
    emulator: Emulator, client: wxtcb.Client, tmp_path: Path
) -> None:
    """An unknown id: PartialFailureError, and the destination does not exist."""
    target = tmp_path / "never.bin"
    with pytest.raises(wxtcb.PartialFailureError):
        await client.storage.download_to(ENV, f"cloud://{ENV}.x/none", target)
    assert os.listdir(tmp_path) == []


def test_parse_cos_error_masks_what_the_request_carried() -> None:
    """COS echoing the signature back (as S3-style errors do): masked in the typed error's text."""
    body = (
        b"<Error><Code>SignatureDoesNotMatch</Code><Message>provided q-signature=SECRETSIG123 for"
        b" token TOKEN-456789</Message><RequestId>NjA=</RequestId></Error>"
    )
    error = parse_cos_error(403, body, secrets=["q-signature=SECRETSIG123", "TOKEN-456789"])
    assert error.code == "SignatureDoesNotMatch"
    assert error.transient
    assert_no_secret([str(error), repr(error)], ["SECRETSIG123", "TOKEN-456789"])
    assert parse_cos_error(502, b"<html>bad gateway</html>").code == ""
    assert parse_cos_error(400, b'<!DOCTYPE x [<!ENTITY a "b">]><Error><Code>&a;</Code></Error>').code == ""


async def test_no_signature_token_or_credential_anywhere(
    emulator: Emulator, client: wxtcb.Client, wxtcb_logs: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    """Upload Signature, COS token, signed URLs, temporary credentials and the access token: never in an
    exception, a repr or a DEBUG log line, failures included."""
    wxtcb_logs.set_level(logging.DEBUG, logger="wxtcb")
    texts: list[str] = []
    uploaded = await client.storage.upload(ENV, "s/1.bin", b"secret-bytes")
    state = emulator.state(StorageState)
    link = next(iter(state.links.values()))
    links = await client.storage.download_urls(ENV, [uploaded.file_id])
    texts += [repr(links), repr(await client(UploadFile(ENV, "s/2.bin")))]
    credentials = await client.storage.get_qcloud_token(600)
    texts.append(repr(credentials))
    emulator.fault(f"_cos/7465-{ENV}-1250000000/s/3.bin", Fault.raw(b"<Error><Code>X</Code></Error>", 400))
    with pytest.raises(wxtcb.StorageError) as failed_upload:
        await client.storage.upload(ENV, "s/3.bin", b"1")
    emulator.advance(10_000)
    async with aiohttp.ClientSession() as session, session.get(links[0].download_url):
        pass
    with pytest.raises(wxtcb.WxTcbError) as failed_download:
        await client.storage.download_to(ENV, uploaded.file_id, tmp_path / "x", max_size=1)
    for error in (failed_upload.value, failed_download.value):
        texts += [str(error), repr(error)]
    texts += log_texts(wxtcb_logs)
    assert any("cos/upload" in t for t in texts)  # the transfers were logged
    sign = links[0].download_url.split("sign=")[1].split("&")[0]
    secrets = [
        link.authorization,
        link.token,
        sign,
        credentials.secretkey,
        credentials.token,
        credentials.secretid,
    ]
    assert_no_secret(texts, [*secrets, *emulator.issued_tokens()])
