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

from wxtcb import db  # noqa: F401  (``from wxtcb import db``: a module, so not in __all__)
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
from wxtcb.platform import Platform
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

__version__ = "0.1.0"

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
