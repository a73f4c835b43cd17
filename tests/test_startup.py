"""Start-up: a program loads what it uses, and nothing else (the figures are in the benchmarks)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

# Never loaded unless a program uses them: the heavy domains, the server side of aiohttp, the
# emulator, the optional extras, and the dependencies only some paths need.
OPTIONAL = [
    "wxtcb.platform",
    "wxtcb.authorization",
    "wxtcb.batch",
    "wxtcb.db",
    "wxtcb.database",
    "wxtcb.storage",
    "wxtcb.cloudrun",
    "wxtcb.testing",
    "wxtcb.wechat_pay",
    "wxtcb.open_data",
    "wxtcb.sms",
    "wxtcb.cloud_users",
    "wxtcb.otel",
    "wxtcb.safexml",
    "defusedxml",
    "aiohttp.web",
    "redis",
    "cryptography",
    "opentelemetry",
    "cattrs",
    "tenacity",
]

# program, the optional modules it is allowed to load
PROGRAMS = [
    ("import wxtcb", set()),
    (
        "import wxtcb\n"
        "client = wxtcb.Client(wxtcb.AppTokenProvider('wx1234567890abcdef', 'app-secret'))\n"
        "client.functions",
        set(),
    ),
    (
        "import wxtcb\n"
        "client = wxtcb.Client(wxtcb.AppTokenProvider('wx1234567890abcdef', 'app-secret'))\n"
        "client.database",
        {"wxtcb.database", "wxtcb.db"},
    ),
    ("from wxtcb import db", {"wxtcb.db"}),
    # batch mode shares the database's and storage's models
    (
        "import wxtcb\nwxtcb.Platform",
        {
            "wxtcb.platform",
            "wxtcb.authorization",
            "wxtcb.batch",
            "wxtcb.database",
            "wxtcb.db",
            "wxtcb.storage",
            "wxtcb.safexml",
        },
    ),
    # the XML parser's module, not defusedxml: that waits for the first XML push
    ("from wxtcb import cloudrun\ncloudrun.Bot", {"wxtcb.cloudrun", "wxtcb.safexml"}),
    # wxtcb --help
    (
        "import runpy, sys\nsys.argv = ['wxtcb', '--help']\n"
        "try:\n    runpy.run_module('wxtcb', run_name='__main__')\nexcept SystemExit:\n    pass",
        set(),
    ),
]


def _loaded(program: str) -> set[str]:
    code = f"{program}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    modules = set(json.loads(done.stdout.splitlines()[-1]))
    return {name for name in OPTIONAL if name in modules}


@pytest.mark.parametrize(("program", "allowed"), PROGRAMS)
def test_a_program_loads_only_what_it_uses(program: str, allowed: set[str]) -> None:
    """A fresh interpreter running *program* has loaded none of the optional parts but those it
    uses: start-up pays for a domain, the aiohttp server, the emulator or an extra only when a
    program touches it."""
    assert _loaded(program) <= allowed


def test_the_lazy_names_are_where_they_were() -> None:
    """``wxtcb.Platform``, ``wxtcb.db`` and every client namespace resolve on first access to the
    objects their modules define."""
    import wxtcb
    import wxtcb.cloudrun
    import wxtcb.database
    import wxtcb.db
    import wxtcb.environments
    import wxtcb.functions
    import wxtcb.platform
    import wxtcb.storage

    assert wxtcb.Platform is wxtcb.platform.Platform
    assert wxtcb.db is sys.modules["wxtcb.db"]
    assert "Platform" in dir(wxtcb)
    assert "db" in dir(wxtcb)
    client = wxtcb.Client(wxtcb.AppTokenProvider("wx1234567890abcdef", "app-secret"))
    assert type(client.functions) is wxtcb.functions.Functions
    assert type(client.database) is wxtcb.database.Database
    assert type(client.storage) is wxtcb.storage.Storage
    assert type(client.envs) is wxtcb.environments.Environments
    assert type(client.customer_service) is wxtcb.cloudrun.CustomerService
    with pytest.raises(AttributeError):
        wxtcb.no_such_name  # noqa: B018


def test_a_lazy_namespace_says_where_it_lives_until_it_is_loaded() -> None:
    """Before its first access a lazy namespace's docstring names its class (help() and the
    reference are not blank), and afterwards it is the class's own."""
    from wxtcb.namespaces import namespace
    from wxtcb.sms import Sms

    lazy: namespace[Sms] = namespace("wxtcb.sms:Sms")
    assert lazy.__doc__ == "The `wxtcb.sms.Sms` namespace (its module is imported on first access)."
    assert lazy.cls is Sms
    assert lazy.__doc__ == Sms.__doc__
