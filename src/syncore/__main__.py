"""``python -m syncore``: the command line (see :mod:`syncore.cli`)."""

from __future__ import annotations

import sys

from .cli import main

sys.exit(main())
