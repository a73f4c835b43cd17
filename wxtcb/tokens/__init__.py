"""Token providers: own app (stable or classic), static, third-party component and authorizer, cloud-run."""

from wxtcb.tokens.app import AppTokenProvider, StaticTokenProvider
from wxtcb.tokens.base import CachingTokenProvider, TokenContext, TokenProvider
from wxtcb.tokens.cloudrun import CloudbaseTokenProvider, OpenApiProvider
from wxtcb.tokens.component import AuthorizerTokenProvider, ComponentTokenProvider, RefreshTokenHook

__all__ = [
    "AppTokenProvider",
    "AuthorizerTokenProvider",
    "CachingTokenProvider",
    "CloudbaseTokenProvider",
    "ComponentTokenProvider",
    "OpenApiProvider",
    "RefreshTokenHook",
    "StaticTokenProvider",
    "TokenContext",
    "TokenProvider",
]
