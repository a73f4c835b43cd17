"""``wxtcb storage upload|download|delete``: files in CloudBase storage."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from wxtcb.cli.common import Parser, client

__all__ = ["register"]


def register(sub: Any, creds: Parser) -> None:
    """Add ``storage`` to the command."""
    st = sub.add_parser("storage", help="files in CloudBase storage")
    stsub = st.add_subparsers(dest="action", required=True, parser_class=Parser)
    up = stsub.add_parser("upload", parents=[creds], help="upload a local file; prints its file id")
    up.add_argument("env", help="CloudBase environment id")
    up.add_argument("file", help="local file")
    up.add_argument("path", help="cloud path, e.g. avatars/1.png")
    up.set_defaults(run=_upload)
    down = stsub.add_parser("download", parents=[creds], help="download a file id to a local path")
    down.add_argument("env", help="CloudBase environment id")
    down.add_argument("file_id", help="the file's id, cloud://…")
    down.add_argument("dest", help="local path (written whole or not at all)")
    down.add_argument("--max-size", type=int, default=None, help="refuse files larger than this many bytes")
    down.set_defaults(run=_download)
    rm = stsub.add_parser("delete", parents=[creds], help="delete file ids; prints one status line each")
    rm.add_argument("env", help="CloudBase environment id")
    rm.add_argument("file_ids", nargs="+", help="file ids, cloud://…")
    rm.set_defaults(run=_delete)


async def _upload(args: argparse.Namespace) -> None:
    async with client(args) as c:
        uploaded = await c.storage.upload(args.env, args.path, args.file)
    print(uploaded.file_id)


async def _download(args: argparse.Namespace) -> None:
    async with client(args) as c:
        size = await c.storage.download_to(args.env, args.file_id, args.dest, max_size=args.max_size)
    print(f"wxtcb: {size} bytes written to {args.dest}", file=sys.stderr)


async def _delete(args: argparse.Namespace) -> None:
    async with client(args) as c:
        results = await c.storage.delete(args.env, args.file_ids)
    for item in results:
        print(f"{item.file_id}\t{'deleted' if item.ok else f'failed {item.status} {item.errmsg}'}")
    results.raise_for_failures()
