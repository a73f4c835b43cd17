"""The one place that redacts.

WeChat puts tokens in the query string and secrets in token-endpoint bodies, and aiohttp prints
whole URLs in its exceptions. Everything that leaves wxtcb as text (exception messages, log
records, reprs, event hooks, CLI output) is built from a `RequestSummary` or passed through
`scrub` first.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Collection, Iterable, Mapping

import attrs

__all__ = [
    "MASK",
    "MAX_ERRMSG",
    "SECRET_PARAMS",
    "RequestSummary",
    "bounded",
    "hide_queries",
    "redact_params",
    "redact_text",
    "redact_url",
    "scrub",
]

MASK = "***"

#: The longest errmsg kept in an error or a log line, in characters.
MAX_ERRMSG = 512

#: A secret shorter than this is not searched for in text: it would mask ordinary words.
_MIN_SECRET = 6

#: Query or body keys whose values are credentials.
SECRET_PARAMS = frozenset(
    {
        "access_token",
        "authorizer_access_token",
        "authorizer_refresh_token",
        "cloudbase_access_token",
        "component_access_token",
        "component_appsecret",
        "component_verify_ticket",
        "encoding_aes_key",
        "refresh_token",
        "secret",
        "ticket",
    }
)

_KEYS = "|".join(sorted(SECRET_PARAMS, key=len, reverse=True))
_SECRET_IN_TEXT = re.compile(
    rf"(?P<key>(?:{_KEYS})(?:%3D|[\"']?\s*[:=]\s*[\"']?))(?P<value>[^&\s'\",}}]+)",
    re.IGNORECASE,
)


def redact_params(params: Mapping[str, str], hidden: Collection[str] = ()) -> tuple[tuple[str, str], ...]:
    """Return *params* as pairs, with every credential's value replaced by the mask, and the
    value of every key in *hidden* (a method's own secret or personal query fields, such as an
    ``openid``)."""
    return tuple((k, MASK if k.lower() in SECRET_PARAMS or k in hidden else v) for k, v in params.items())


def scrub(text: str) -> str:
    """Mask credential values inside free text such as an aiohttp exception message."""
    return _SECRET_IN_TEXT.sub(lambda m: m.group("key") + MASK, text)


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """`scrub` *text*, and mask every one of *secrets* (the values a request carried) inside it.

    WeChat (or anything pretending to be it) may echo a request back in errmsg.
    """
    for secret in secrets:
        if len(secret) >= _MIN_SECRET and secret in text:
            text = text.replace(secret, MASK)
    return scrub(text)


_URL_QUERY = re.compile(r"(?P<url>\b[a-z][a-z0-9+.-]*://[^\s?#'\"<>]*)\?[^\s#'\"<>]*", re.IGNORECASE)


def hide_queries(text: str) -> str:
    """Mask the query string of every URL in *text*: a signed URL's (or a redirect target's)
    signature lives there, under names no list of secrets can know."""
    return _URL_QUERY.sub(lambda m: m.group("url") + "?" + MASK, text)


def redact_url(url: str, params: Mapping[str, str] | None = None) -> str:
    """*url* safe to export as a trace's ``url.full``: without user info, and with its own query
    masked whole (a signed link's signature hides under names no list of secrets can know); with
    *params* (an API request's query), those follow with every credential's value masked."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return "(an invalid URL)"
    netloc = parts.netloc.rpartition("@")[2]
    query = MASK if parts.query else ""
    if params:
        query = "&".join(
            f"{urllib.parse.quote(k, safe='')}={urllib.parse.quote(v, safe='*')}"
            for k, v in redact_params(params)
        )
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def bounded(text: str, limit: int) -> str:
    """*text* cut to *limit* characters, ending in ``…`` when it was cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


@attrs.frozen
class RequestSummary:
    """What a request was, safe to print: HTTP method, API path and redacted query parameters.

    The body is never summarised: token endpoints carry secrets there. *seqid* is the relay's id
    of the request (``x-openapi-seqid`` from cloud-run's open-API service), for WeChat's support.
    """

    http_method: str
    path: str
    params: tuple[tuple[str, str], ...] = ()
    seqid: str | None = None

    def __str__(self) -> str:
        text = f"{self.http_method} {self.path}"
        if self.params:
            text += "?" + "&".join(f"{k}={v}" for k, v in self.params)
        if self.seqid:
            text += f" (x-openapi-seqid {self.seqid})"
        return text
