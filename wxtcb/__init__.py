"""wxtcb: an asyncio SDK for the WeChat CloudBase (tcb) server APIs, with tokens that look after themselves.

.. code-block:: python

    import wxtcb

    async with wxtcb.Client(wxtcb.AppTokenProvider(appid, secret)) as client:
        config = await client.get_callback_config()

The top level holds what most programs import: the client and the platform, the token
providers, the retry policy, the stores, the error tree, and the message-push models. Each
domain's models and method objects live in its module (`wxtcb.message_push`, …); events in
`wxtcb.events`; push decryption in `wxtcb.push`.
"""

import typing as _typing

from wxtcb.client import Client
from wxtcb.errors import (
    APIError,
    AuthorizationNotStoredError,
    BadCredentialsError,
    BusyError,
    CloudBaseBusyError,
    CloudBaseError,
    CloudCallPermissionError,
    CredentialStoreError,
    DecodeError,
    FunctionError,
    InvalidRequestError,
    InvalidSignatureError,
    IPNotAllowedError,
    PartialFailureError,
    QuotaError,
    RefreshTokenInvalidError,
    RequestTimeout,
    ResponseTooLarge,
    StorageError,
    TicketInvalidError,
    TicketMissingError,
    TokenFileError,
    TokenRejectedError,
    TransportError,
    WxTcbError,
)
from wxtcb.message_push import (
    CallbackConfig,
    ContainerConfig,
    FunctionCallback,
    FunctionConfig,
    TextMode,
)
from wxtcb.methods import TokenKind
from wxtcb.retry import RetryPolicy
from wxtcb.stores import CachedToken, Credential, MemoryTokenStore, TokenStore
from wxtcb.tokens import (
    AppTokenProvider,
    AuthorizerTokenProvider,
    CloudbaseTokenProvider,
    ComponentTokenProvider,
    OpenApiProvider,
    StaticTokenProvider,
    TokenProvider,
)

if _typing.TYPE_CHECKING:
    from wxtcb import db  # noqa: F401  (``from wxtcb import db``: a module, so not in __all__)
    from wxtcb.platform import Platform

__version__ = "0.1.0"

# What a program that only uses a client does not need is loaded on first use: the platform (with
# authorization and batch mode) and the statement builder. The names stay where they were.
_LAZY = {"Platform": ("wxtcb.platform", "Platform"), "db": ("wxtcb.db", None)}


def __getattr__(name: str) -> _typing.Any:
    where = _LAZY.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    module = importlib.import_module(where[0])
    value = module if where[1] is None else getattr(module, where[1])
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__all__ = [
    "APIError",
    "AppTokenProvider",
    "AuthorizationNotStoredError",
    "AuthorizerTokenProvider",
    "BadCredentialsError",
    "BusyError",
    "CachedToken",
    "CallbackConfig",
    "Client",
    "CloudBaseBusyError",
    "CloudBaseError",
    "CloudCallPermissionError",
    "CloudbaseTokenProvider",
    "ComponentTokenProvider",
    "ContainerConfig",
    "Credential",
    "CredentialStoreError",
    "DecodeError",
    "FunctionCallback",
    "FunctionConfig",
    "FunctionError",
    "IPNotAllowedError",
    "InvalidRequestError",
    "InvalidSignatureError",
    "MemoryTokenStore",
    "OpenApiProvider",
    "PartialFailureError",
    "Platform",
    "QuotaError",
    "RefreshTokenInvalidError",
    "RequestTimeout",
    "ResponseTooLarge",
    "RetryPolicy",
    "StaticTokenProvider",
    "StorageError",
    "TextMode",
    "TicketInvalidError",
    "TicketMissingError",
    "TokenFileError",
    "TokenKind",
    "TokenProvider",
    "TokenRejectedError",
    "TokenStore",
    "TransportError",
    "WxTcbError",
    "__version__",
]
