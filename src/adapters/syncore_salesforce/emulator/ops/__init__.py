"""One module per REST resource; :mod:`..routes` maps URLs to their handlers.

Each handler is ``handle(org, request) -> Response`` and raises :class:`~..errors.ApiError` (request level) or
:class:`~..errors.RecordError` (lifted to a single-record response). Handlers import only the org's state
modules, never the router or one another, so the import graph has no cycles.
"""

from __future__ import annotations
