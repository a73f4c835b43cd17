"""The emulator's small document database: parses WeChat database statements and executes them.

`DocumentDatabase` keeps in-memory collections per environment and answers each ``tcb/database*``
endpoint with the dict WeChat would send, so that an emulator route is one line::

    docdb = DocumentDatabase()
    try:
        answer = docdb.query(body["env"], body["query"])  # {"errcode": 0, "errmsg": "ok", "pager": ...}
    except DocDBError as exc:
        answer = exc.answer()  # {"errcode": -501007, "errmsg": "..."}

The statement language is parsed by a tokenizer and a recursive-descent parser (never ``eval``):
``db.collection(<string>)`` followed by ``.name(args)`` calls, where an argument is a string
(single or double quotes, JavaScript escapes), a number, ``true``/``false``/``null``, an object
(bare, quoted or numeric keys, trailing comma allowed), an array, a command ``_.name(args)`` or
``db.command.name(args)``, ``db.RegExp({regexp, options})`` (optionally with ``new``),
``db.serverDate()`` / ``db.serverDate({offset})``, or ``new Date(<string or number>)``. Everything
else (chained commands such as ``_.gt(1).and(...)``, geo values, comments, JavaScript regex
literals, expressions) is refused with an error: the emulator never guesses.

What it executes, and the WeChat facts behind it (see `wxtcb.db` for the statement shapes):

- ``where`` (dotted paths, a nested object matching field by field, arrays matching by any
  element; comparison ``eq neq lt lte gt gte in nin``, logical ``and or nor not``, ``exists``,
  ``mod``, array ``all elemMatch size``, ``db.RegExp``), ``orderBy`` (several, in call order),
  ``skip``, ``limit`` (default 10 per the databaseQuery page; 1 to 1000, the server-side maximum on
  the SDK's ``Collection.limit`` page: a limit over 1000 is refused, not clamped, since what WeChat
  does with one is not documented), ``field``, and the terminals ``get``, ``count``, ``update``
  (update commands ``set remove inc mul push pop shift unshift``; a nested object updates only the
  fields it names, as in the SDK's update pages), ``remove``, ``add({data: [...] | {...}})``;
  ``doc(id)`` followed by ``get``, ``update``, ``set`` or ``remove``.
- ``aggregate()`` with the stages ``match``, ``sort``, ``skip``, ``limit``, ``project`` and
  ``end()``; any other stage (``group`` and the rest) is refused with `INVALID_PARAMETER`, as a
  limit of the emulator. No default limit is applied to ``aggregate`` (none is documented for the
  HTTP API).
- Auto ``_id``: 32 lowercase hex characters (the shape of the second id in the databaseAdd sample).

Error codes (WeChat's CloudBase table, ``wxcloud/reference/errcode``, and wechat-api.md §4.1):

- `COLLECTION_NOT_EXISTS` (-502005) for a statement or a drop naming a missing collection: the
  code and text ("database collection not exists") seen in real answers quoted on GitHub.
- `INVALID_PARAMETER` (-501007, "cloud resource common error: parameter error") for a statement
  the emulator cannot parse or execute, a statement for another endpoint, a duplicate ``_id``,
  and creating a collection that exists. WeChat's pages do not say which -502xxx code answers
  each of these, so the emulator uses the documented generic parameter error rather than guess.
- `MISSING_PARAMETER` (40101) for an empty ``env``, statement or collection name (the database
  pages' "缺少必填参数").

``data`` items are JSON strings as WeChat sends them. Numbers are written as plain JSON numbers
(WeChat's aggregate sample shows EJSON ``{"$numberDouble": "113.0"}`` for doubles; the emulator
does not emit that form); a stored date is written as relaxed EJSON ``{"$date": "<ISO 8601>Z"}``.
Collection sizes in `DocumentDatabase.collection_get` are the emulator's own numbers: ``size`` is
the UTF-8 length of the documents' JSON, one index (``_id``) of size 0.

Where each part lives: `~wxtcb.testing.docdb.statement` (the tokenizer and parser),
`~wxtcb.testing.docdb.values` (values, comparison, dotted paths, wire JSON),
`~wxtcb.testing.docdb.match` (``where`` conditions), `~wxtcb.testing.docdb.update` (update
operators), `~wxtcb.testing.docdb.query` (planning, order, projection),
`~wxtcb.testing.docdb.aggregate` (the pipeline), `~wxtcb.testing.docdb.database` (the
collections and the endpoints), `~wxtcb.testing.docdb.errors` (errcodes).
"""

from wxtcb.testing.docdb.database import DocumentDatabase
from wxtcb.testing.docdb.errors import COLLECTION_NOT_EXISTS, INVALID_PARAMETER, MISSING_PARAMETER, DocDBError
from wxtcb.testing.docdb.query import DEFAULT_LIMIT, MAX_LIMIT
from wxtcb.testing.docdb.statement import Call, ParsedStatement, parse_statement, parse_value
from wxtcb.testing.docdb.values import CommandCall, RegexValue, ServerDateValue

__all__ = [
    "COLLECTION_NOT_EXISTS",
    "DEFAULT_LIMIT",
    "INVALID_PARAMETER",
    "MAX_LIMIT",
    "MISSING_PARAMETER",
    "Call",
    "CommandCall",
    "DocDBError",
    "DocumentDatabase",
    "ParsedStatement",
    "RegexValue",
    "ServerDateValue",
    "parse_statement",
    "parse_value",
]
