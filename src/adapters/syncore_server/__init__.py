"""syncore's server mode: many profiles synced by a Celery worker fleet, state in PostgreSQL.

Extra ``syncore[server]``. See docs/server.md. The core (``syncore``) never imports this package.
"""

from __future__ import annotations
