"""wxtcb: an asyncio SDK for the WeChat CloudBase (tcb) server APIs, with tokens that look after themselves.

::

    import wxtcb

    async with wxtcb.Client(wxtcb.AppTokenProvider(appid, secret)) as client:
        config = await client.get_callback_config()
"""

from wxtcb.client import Client
from wxtcb.errors import (
    APIError,
    BadCredentialsError,
    BusyError,
    CredentialStoreError,
    DecodeError,
    InvalidRequestError,
    IPNotAllowedError,
    QuotaError,
    RefreshTokenInvalidError,
    RequestTimeout,
    ResponseTooLarge,
    TicketInvalidError,
    TicketMissingError,
    TokenRejectedError,
    TransportError,
    WxTcbError,
)
from wxtcb.events import (
    Event,
    RefreshTokenRotated,
    RequestFinished,
    RetryScheduled,
    TokenFetched,
    TokenReplayed,
)
from wxtcb.models import (
    CallbackConfig,
    ContainerConfig,
    FunctionCallback,
    FunctionConfig,
    TextMode,
)
from wxtcb.push import InvalidSignatureError, PushCrypto
from wxtcb.retry import RetryPolicy
from wxtcb.stores import CachedToken, Credential, MemoryTokenStore, TokenStore
from wxtcb.tokens import (
    AppTokenProvider,
    AuthorizerTokenProvider,
    ComponentTokenProvider,
    StaticTokenProvider,
    TokenProvider,
)

__version__ = "0.1.0"

__all__ = [
    "APIError",
    "AppTokenProvider",
    "AuthorizerTokenProvider",
    "BadCredentialsError",
    "BusyError",
    "CachedToken",
    "CallbackConfig",
    "Client",
    "ComponentTokenProvider",
    "ContainerConfig",
    "Credential",
    "CredentialStoreError",
    "DecodeError",
    "Event",
    "FunctionCallback",
    "FunctionConfig",
    "IPNotAllowedError",
    "InvalidRequestError",
    "InvalidSignatureError",
    "MemoryTokenStore",
    "PushCrypto",
    "QuotaError",
    "RefreshTokenInvalidError",
    "RefreshTokenRotated",
    "RequestFinished",
    "RequestTimeout",
    "ResponseTooLarge",
    "RetryPolicy",
    "RetryScheduled",
    "StaticTokenProvider",
    "TextMode",
    "TicketInvalidError",
    "TicketMissingError",
    "TokenFetched",
    "TokenProvider",
    "TokenRejectedError",
    "TokenReplayed",
    "TokenStore",
    "TransportError",
    "WxTcbError",
    "__version__",
]
