"""Run the benchmarks: ``python -m benchmarks [--quick] [--json PATH]`` (or ``nox -s bench``)."""

import asyncio
import sys

from benchmarks.harness import main

sys.exit(asyncio.run(main(sys.argv[1:])))
