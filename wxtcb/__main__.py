"""``python -m wxtcb``: the same as the ``wxtcb`` command."""

import sys

from wxtcb.cli import main

sys.exit(main())
