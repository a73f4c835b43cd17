"""Batch mode: index a collection, set who may read it, list the files, check the static site."""

from __future__ import annotations

import wxtcb
from wxtcb.batch import AclTag
from wxtcb.database import Index, IndexKey


async def prepare(platform: wxtcb.Platform, env: str) -> tuple[list[str], str]:
    """Index and protect "orders", then return the storage keys under "exports/" and the site's domain."""
    database = platform.batch.database
    await database.collections.create(env, "orders")
    # componenttcb/dbindex, action "create": no `unique` on this page (unique=True is refused).
    await database.indexes.create(env, "orders", [Index("by_user", [IndexKey("_openid", "1")])])
    # The custom rule is JSON text on the wire; a dict is sent as its text.
    await database.set_acl(
        env, "orders", AclTag.CUSTOM, {"read": "doc._openid == auth.openid", "write": False}
    )
    acl = await database.get_acl(env, "orders")  # CollectionAcl(acl_tag="CUSTOM", rule='{"read": …}')
    assert acl.acl_tag == AclTag.CUSTOM

    keys: list[str] = []
    marker = None
    while True:  # getbucket pages: from `marker` on, while `is_truncated`
        listing = await platform.batch.storage.list_files(env, prefix="exports/", marker=marker)
        # f.size is an int (the page sends "554"); the page does not say whether `marker` itself
        # comes back, so it is skipped.
        keys += [f.key for f in listing.contents if f.key != marker]
        last = listing.contents[-1].key if listing.contents else None
        if not listing.is_truncated or last is None or last == marker:
            break
        marker = last

    sites = await platform.batch.static.describe(env)  # `data` or `Data`; `regoin` is `.region`
    return keys, sites[0].domain if sites and sites[0].online else ""
