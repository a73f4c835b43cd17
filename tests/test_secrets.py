"""No token, secret, ticket or refresh token in any exception text, repr, log record or event."""

from __future__ import annotations

from typing import Any

import pytest

import wxtcb
import wxtcb.events
from tests.conftest import STATIC_SECRETS, assert_no_secret, demo_component, log_texts
from wxtcb.protocol import build_request
from wxtcb.redaction import scrub
from wxtcb.testing import (
    DEMO_APPID,
    DEMO_AUTHORIZER_APPID,
    DEMO_COMPONENT_APPID,
    DEMO_COMPONENT_SECRET,
    DEMO_REFRESH_TOKEN,
    DEMO_SECRET,
    DEMO_TICKET,
    INSTANT_RETRY,
    Emulator,
    Fault,
)
from wxtcb.tokens.endpoints import (
    AuthorizerTokenMethod,
    ClassicTokenMethod,
    ComponentTokenMethod,
    StableTokenMethod,
)

GET = "tcb/getcallbackconfig"

# endpoint, fault: every way a call can fail
ERROR_PATHS = [
    (GET, Fault.error(40001)),
    (GET, Fault.error(42001)),
    (GET, Fault.error(-1)),
    (GET, Fault.error(45009)),
    (GET, Fault.error(40164, "invalid ip 203.0.113.7, not in whitelist")),
    (GET, Fault.http(502)),
    (GET, Fault.http(404)),
    (GET, Fault.malformed()),
    (GET, Fault.reset()),
    (GET, Fault.raw(b'{"errcode": 0, "data": {"container_config": {"enable": "x"}}}')),
    ("token", Fault.error(40125)),
    ("token", Fault.error(40013)),
    ("token", Fault.error(-1)),
    ("token", Fault.http(502)),
    ("token", Fault.reset()),
    ("token", Fault.raw(b'{"access_token": 42, "expires_in": 7200}')),
    ("token", Fault.raw(b'{"access_token": "leaked-token-shape", "expires_in": "soon"}')),
    ("token", Fault.raw(b'{"access_token": "leaked-token-shape", "expires_in": 0}')),
]

PROVIDERS = ["stable", "classic", "authorizer"]
TOKEN_PATH = {
    "stable": "cgi-bin/stable_token",
    "classic": "cgi-bin/token",
    "authorizer": "cgi-bin/component/api_authorizer_token",
}


def _provider(kind: str) -> wxtcb.TokenProvider:
    if kind == "authorizer":
        component = demo_component()
        return component.authorizer(DEMO_AUTHORIZER_APPID, refresh_token=DEMO_REFRESH_TOKEN)
    return wxtcb.AppTokenProvider(DEMO_APPID, DEMO_SECRET, stable=kind == "stable")


@pytest.mark.parametrize("kind", PROVIDERS)
@pytest.mark.parametrize(("where", "fault"), ERROR_PATHS, ids=lambda v: getattr(v, "kind", v))
async def test_no_secret_on_any_error_path(
    emulator: Emulator, wxtcb_logs: pytest.LogCaptureFixture, kind: str, where: str, fault: Fault
) -> None:
    """Each failure, for each kind of token, leaves no secret in str, repr, logs or events."""
    events: list[wxtcb.events.Event] = []
    provider = _provider(kind)
    texts: list[str] = []
    async with wxtcb.Client(
        provider, base_url=emulator.url, retry=INSTANT_RETRY, timeout=2.0, on_event=events.append
    ) as client:
        await client.get_callback_config()  # a token exists, so it could leak
        emulator.revoke_tokens() if where == "token" else None
        emulator.fault(TOKEN_PATH[kind] if where == "token" else where, fault, times=10)
        with pytest.raises(wxtcb.WxTcbError) as info:
            await client.get_callback_config()
        texts += [str(info.value), repr(info.value), repr(client), repr(provider)]
        texts += [str(getattr(info.value, "request", ""))]
    texts += log_texts(wxtcb_logs) + [repr(e) for e in events]
    assert_no_secret(texts, [*emulator.issued_tokens(), *STATIC_SECRETS, "leaked-token-shape"])


def test_method_objects_and_requests_hide_their_secrets() -> None:
    """reprs of token-endpoint method objects and built requests show no credential."""
    methods = [
        StableTokenMethod(DEMO_APPID, DEMO_SECRET),
        ClassicTokenMethod(DEMO_APPID, DEMO_SECRET),
        ComponentTokenMethod(DEMO_COMPONENT_APPID, DEMO_COMPONENT_SECRET, DEMO_TICKET),
        AuthorizerTokenMethod(DEMO_COMPONENT_APPID, DEMO_AUTHORIZER_APPID, DEMO_REFRESH_TOKEN),
    ]
    texts = [repr(m) for m in methods]
    for m in methods:
        token = "the-component-token" if m.__endpoint__.token is wxtcb.TokenKind.COMPONENT else None
        request = build_request(m, token, "access_token" if token else None)
        texts += [repr(request), str(request.summary)]
    assert_no_secret(texts, [*STATIC_SECRETS, "the-component-token"])


@pytest.mark.parametrize(
    "text",
    [
        "GET https://api.weixin.qq.com/cgi-bin/token?grant_type=client_credential&appid=wx1&secret=S3CRET",
        "POST http://127.0.0.1:1/tcb/getcallbackconfig?access_token=S3CRET",
        "url=/x?component_access_token=S3CRET&y=1",
        "{'access_token': 'S3CRET'}",
        '{"authorizer_refresh_token":"S3CRET"}',
        "access_token%3DS3CRET",
    ],
)
def test_scrub_masks_credentials_in_free_text(text: str) -> None:
    """The one redaction helper masks credential values wherever a URL or a dict prints them."""
    assert "S3CRET" not in scrub(text)
    assert "***" in scrub(text)


async def test_the_secret_never_reaches_the_token_endpoint_summary(emulator: Emulator) -> None:
    """A wrong classic secret fails with the query's secret masked in the message."""
    provider = wxtcb.AppTokenProvider(DEMO_APPID, "wrong-secret-value", stable=False)
    async with wxtcb.Client(provider, base_url=emulator.url, retry=INSTANT_RETRY) as client:
        with pytest.raises(wxtcb.BadCredentialsError) as info:
            await client.get_callback_config()
    assert "secret=***" in str(info.value)
    assert_no_secret([str(info.value), repr(info.value), repr(provider)], ["wrong-secret-value"])


CLI_RUNS = [
    ["callback-config", "get", "-vv"],
    ["callback-config", "get", "-vv", "--classic"],
    ["callback-config", "get", "-vv", "--secret", "wrong-secret-value"],
    ["callback-config", "get", "-vv", "--third-party"],
    ["callback-config", "get", "-vv", "--third-party", "--refresh-token", "refresh-token-that-is-unknown"],
    ["callback-config", "get", "-vv", "--third-party", "--ticket", "ticket-that-is-unknown"],
    ["callback-config", "get", "-vv", "--third-party", "--component-secret", "component-secret-wrong"],
    ["callback-config", "set", "-vv", "--file", "CONFIG"],
]


@pytest.mark.parametrize("argv", CLI_RUNS, ids=[" ".join(a[2:]) or "get" for a in CLI_RUNS])
def test_no_secret_in_any_cli_output(
    argv: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Any
) -> None:
    """Every CLI command, verbose, successful or not, prints no token, secret, ticket or refresh token."""
    from tests.test_cli import ThreadedEmulator, run
    from wxtcb.testing import DEMO_COMPONENT_APPID, DEMO_ENCODING_AES_KEY, DEMO_PUSH_TOKEN

    config = tmp_path / "c.json"
    config.write_text(
        '{"container_config": {"enable": true, "qbase_env": "e", "qbase_container_path": "/p", "text_mode": 1}}'
    )
    argv = [str(config) if a == "CONFIG" else a for a in argv]
    with ThreadedEmulator() as served:
        if "--third-party" in argv:
            base = [
                "--component-appid",
                DEMO_COMPONENT_APPID,
                "--component-secret",
                DEMO_COMPONENT_SECRET,
                "--ticket",
                DEMO_TICKET,
                "--authorizer-appid",
                DEMO_AUTHORIZER_APPID,
                "--refresh-token",
                DEMO_REFRESH_TOKEN,
            ]
            argv = [a for a in argv if a != "--third-party"]
        else:
            base = ["--appid", DEMO_APPID, "--secret", DEMO_SECRET]
        # Flags given later win, so the bad values above replace the good defaults.
        code, out, err = run(capsys, *argv[:2], *base, "--base-url", served.url, *argv[2:])
        issued = served.issued_tokens()
        refresh_now = served.refresh_token_of(DEMO_AUTHORIZER_APPID)
    assert code in (0, 1)
    secrets = [
        *issued,
        *STATIC_SECRETS,
        refresh_now,
        DEMO_ENCODING_AES_KEY,
        DEMO_PUSH_TOKEN,
        "wrong-secret-value",
        "refresh-token-that-is-unknown",
        "ticket-that-is-unknown",
        "component-secret-wrong",
    ]
    assert_no_secret([out, err], secrets)


def test_help_does_not_show_secrets_from_the_environment(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """--help lists the WXTCB_* variables but never their values."""
    from tests.test_cli import run

    monkeypatch.setenv("WXTCB_SECRET", "secret-from-the-environment")
    monkeypatch.setenv("WXTCB_AUTHORIZER_REFRESH_TOKEN", "refresh-from-the-environment")
    code, out, err = run(capsys, "callback-config", "get", "--help")
    assert code == 0
    assert "WXTCB_SECRET" in out
    assert_no_secret([out, err], ["secret-from-the-environment", "refresh-from-the-environment"])


async def test_a_failing_refresh_token_hook_leaks_nothing_into_the_log(
    emulator: Emulator, wxtcb_logs: pytest.LogCaptureFixture
) -> None:
    """A hook that raises with the new token in its message, bound with a password, logs neither."""
    import functools

    async def save(appid: str, new: str, *, dsn: str) -> None:
        raise RuntimeError(f"could not save {new} to {dsn}")

    emulator.rotate_refresh_tokens = True
    hook = functools.partial(save, dsn="postgres://user:db-password-123@db/merchants")
    component = demo_component()
    merchant = component.authorizer(
        DEMO_AUTHORIZER_APPID, refresh_token=DEMO_REFRESH_TOKEN, on_refresh_token=hook
    )
    async with wxtcb.Client(merchant, base_url=emulator.url, retry=INSTANT_RETRY) as client:
        await client.get_callback_config()
    assert any("hook" in r.getMessage() and "RuntimeError" in r.getMessage() for r in wxtcb_logs.records)
    secrets = [emulator.refresh_token_of(DEMO_AUTHORIZER_APPID), "db-password-123", *STATIC_SECRETS]
    assert_no_secret(log_texts(wxtcb_logs), secrets)


def test_foreign_error_texts_hide_every_url_query() -> None:
    """A signed URL's query (the signature, under any name) never survives in an error text."""
    from wxtcb.redaction import hide_queries

    text = "TooManyRedirects: url=https://cos.example.com/a/b.png?sign=q-sign-secret&q-key-time=1"
    assert "q-sign-secret" not in hide_queries(text)
    assert "https://cos.example.com/a/b.png?***" in hide_queries(text)
    assert hide_queries("plain text?with=a question") == "plain text?with=a question"


def _personal_reprs() -> list[tuple[object, str]]:
    from wxtcb.batch.containers import SetCsVersionConfig
    from wxtcb.batch.functions import EnvVariable, UpdateScfConfig
    from wxtcb.cloudrun.customer_service import CustomText, SendCustomMessage
    from wxtcb.cloudrun.messages import TextMessage

    password = "hunter2-db-password"
    openid = "oPERSONALopenid0123456789"
    return [
        (EnvVariable("DB_PASSWORD", password), password),
        (
            UpdateScfConfig(
                env="env-1",
                functionname="login",
                environment_variables=[EnvVariable("DB_PASSWORD", password)],
            ),
            password,
        ),
        (
            SetCsVersionConfig(
                env="env-1", service_name="svc", version_name="v1", env_params=f"DB_PASSWORD={password}"
            ),
            password,
        ),
        (SendCustomMessage(touser=openid, text=CustomText("hi")), openid),
        (TextMessage(from_user_name=openid, content="call me at 13800138000"), openid),
        (TextMessage(from_user_name="o", content="call me at 13800138000"), "13800138000"),
    ]


@pytest.mark.parametrize(("value", "hidden"), _personal_reprs(), ids=lambda v: type(v).__name__)
def test_environment_variables_openids_and_messages_stay_out_of_reprs(value: object, hidden: str) -> None:
    """Environment-variable values (passwords, often), a message's sender openid and what a user
    typed are not in the repr of the models and method objects that carry them; a method's such
    fields are among the secrets masked in error texts."""
    assert hidden not in repr(value)
    from wxtcb.methods import Method
    from wxtcb.protocol import build_request

    if isinstance(value, Method):
        assert hidden in " ".join(build_request(value, "t", "access_token").secrets)
