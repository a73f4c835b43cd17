"""Make sure a merchant has a function, with the timeout and environment variables it needs."""

from __future__ import annotations

import wxtcb


async def ensure_function(merchant: wxtcb.Client, env: str, name: str, variables: dict[str, str]) -> bool:
    """Create *name* in *env* if it is missing, then write its environment configuration.

    Returns whether the function was created. *merchant* is a merchant's client
    (``platform.merchant(appid)``): these pages name the authorizer token only.
    """
    created = False
    offset, seen = 0, set()
    while True:  # page through the functions: listfunctions is a read, retried when transient
        page = await merchant.functions.list(env, limit=50, offset=offset)
        seen |= {f.name for f in page.functions}
        offset += len(page.functions)
        if not page.functions or offset >= page.total_count:
            break
    if name not in seen:
        await merchant.functions.create(env, name)  # never resent: a lost answer raises
        created = True
    # Type 3 is the environment configuration, as the page's own sample writes it; the value is
    # sent as JSON text and never shows in a repr or an error (variables may hold secrets).
    environment = [{"key": k, "value": v} for k, v in sorted(variables.items())]
    await merchant.functions.upload_config(env, name, 3, {"timeout": 20, "environment": environment})
    return created
