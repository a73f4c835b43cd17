"""Call a cloud function from a server, and handle its failures."""

from __future__ import annotations

import logging

import wxtcb

log = logging.getLogger(__name__)


async def login(client: wxtcb.Client, env: str, code: str) -> object:
    """Invoke the `login` function; None when it failed (the reason is logged)."""
    try:
        # env and name go in the query string, the payload is the body; the answer is decoded.
        return await client.functions.invoke(env, "login", {"code": code})
    except wxtcb.FunctionError as exc:  # -504001 / -504002: the function itself failed
        log.warning("login failed in the function: %s (rid %s)", exc.errmsg, exc.rid)
    except wxtcb.WxTcbError as exc:
        # A timeout or a busy answer is NOT retried for invoke: the function may have run.
        log.warning("login not confirmed: %s", exc)
    return None
