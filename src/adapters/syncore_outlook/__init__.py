"""Outlook desktop adapter for syncore, over COM (pywin32 on Windows; the logic runs and is tested anywhere).

``OutlookComAdapter.connect()`` starts Outlook's COM thread on Windows; ``OutlookComAdapter(application)``
takes any object shaped like :mod:`syncore_outlook._protocol` (e.g. ``syncore_outlook.fake.FakeOutlook``).
"""

from __future__ import annotations

from .adapter import OutlookComAdapter as OutlookComAdapter
from .errors import ObjectModelGuardError as ObjectModelGuardError
from .errors import OutlookError as OutlookError
from .errors import OutlookUnavailable as OutlookUnavailable

__all__ = ["ObjectModelGuardError", "OutlookComAdapter", "OutlookError", "OutlookUnavailable"]
