"""Calling WeChat from inside cloud-run without a secret: `OpenApiProvider` and `CloudbaseTokenProvider`.

* The open-API service (开放接口服务) is a sidecar that relays ``http://api.weixin.qq.com`` requests
  and adds the token itself: requests carry no token at all. The API must be in the environment's
  cloud-call permission list (微信令牌权限配置), and the service version built after the switch
  was turned on. A relayed answer carries ``x-openapi-seqid``; wxtcb keeps it in error messages.
* The cloud-call token (微信令牌): cloud-run mounts a file ``cloudbase_access_token`` at
  ``/.tencentcloudbase/wx/cloudbase_access_token`` and renews it (a new token every 10 minutes,
  each valid 30), to be sent as ``cloudbase_access_token=``.
"""

from __future__ import annotations

import os
from pathlib import Path

from wxtcb.errors import TokenFileError
from wxtcb.methods import TokenKind
from wxtcb.tokens.base import TokenContext

__all__ = ["CLOUDBASE_TOKEN_PATH", "OPEN_API_BASE_URL", "CloudbaseTokenProvider", "OpenApiProvider"]

#: Where cloud-run mounts the cloud-call token.
CLOUDBASE_TOKEN_PATH = "/.tencentcloudbase/wx/cloudbase_access_token"
#: The host the open-API service relays: plain HTTP, inside the container.
OPEN_API_BASE_URL = "http://api.weixin.qq.com"
#: A token file larger than this is not a token.
_MAX_TOKEN_FILE = 64 * 1024


class OpenApiProvider:
    """No token at all: cloud-run's open-API service adds it on the way out.

    A client built with it (and no ``base_url``) talks to ``http://api.weixin.qq.com``, which the
    service relays. A rejected-token errcode here cannot be fixed by a refresh: it raises
    `wxtcb.errors.CloudCallPermissionError` (add the API to the cloud-call permission list).

    Args:
        appid: Whose calls they are, for logs and events.

    Attributes:
        kind: ``"openapi"``.
        token_kind: `TokenKind.ACCESS`: the service adds an access token.
        token_param: None: no token is sent.
        appid: Whose calls they are, for logs and events.
    """

    kind = "openapi"
    token_kind = TokenKind.ACCESS
    token_param: str | None = None
    #: The base URL a `wxtcb.Client` built with this provider uses when given none.
    base_url = OPEN_API_BASE_URL

    def __init__(self, *, appid: str = "-") -> None:
        self.appid = appid

    def __repr__(self) -> str:
        return f"<OpenApiProvider appid={self.appid}>"

    async def token(self, ctx: TokenContext) -> str:
        return ""

    async def invalidate(self, token: str) -> None:
        return None


class CloudbaseTokenProvider:
    """The cloud-call token cloud-run mounts in the container, sent as ``cloudbase_access_token=``.

    The file is read when it changes (its modification time, size or inode) and again after
    WeChat rejects the token it held; a rejection of a token the file still holds raises (the
    pipeline never loops). A missing, unreadable or empty file raises `wxtcb.errors.TokenFileError`.

    Args:
        path: The token file (default: where cloud-run mounts it).
        appid: Whose token it is, for logs and events.

    Attributes:
        kind: ``"cloudbase"``.
        token_kind: `TokenKind.ACCESS`.
        token_param: ``"cloudbase_access_token"``.
        path: The token file, as a `pathlib.Path`.
        appid: Whose token it is, for logs and events.
    """

    kind = "cloudbase"
    token_kind = TokenKind.ACCESS
    token_param: str | None = "cloudbase_access_token"

    def __init__(self, path: str | os.PathLike[str] = CLOUDBASE_TOKEN_PATH, *, appid: str = "-") -> None:
        self.path = Path(path)
        self.appid = appid
        self._token: str | None = None
        self._stamp: tuple[int, int, int] | None = None

    def __repr__(self) -> str:
        return f"<CloudbaseTokenProvider path={str(self.path)!r}>"

    async def token(self, ctx: TokenContext) -> str:
        try:
            st = os.stat(self.path)
        except OSError as exc:
            raise TokenFileError(
                f"cannot read the cloudbase_access_token file {self.path}: {_why(exc)}"
            ) from None
        stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        if self._token is None or stamp != self._stamp:
            self._token = self._read(st.st_size)
            self._stamp = stamp
        return self._token

    def _read(self, size: int) -> str:
        if size > _MAX_TOKEN_FILE:
            raise TokenFileError(f"the cloudbase_access_token file {self.path} is {size} bytes: not a token")
        try:
            value = self.path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise TokenFileError(
                f"cannot read the cloudbase_access_token file {self.path}: {_why(exc)}"
            ) from None
        if not value:
            raise TokenFileError(
                f"the cloudbase_access_token file {self.path} is empty: is the service running in cloud-run?"
            )
        return value

    async def invalidate(self, token: str) -> None:
        # Read the file again on the next call, even if it looks unchanged.
        if self._token == token:
            self._token = None


def _why(exc: BaseException) -> str:
    if isinstance(exc, FileNotFoundError):
        return "no such file (cloud-run mounts it only inside its containers; pass path= elsewhere)"
    return getattr(exc, "strerror", None) or type(exc).__name__
