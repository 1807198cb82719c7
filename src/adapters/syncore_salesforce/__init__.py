"""syncore's Salesforce adapter: Events, Tasks and Contacts over the REST API with simple-salesforce.

See ``docs/salesforce.md`` for setup, options and the live tests.
"""

from __future__ import annotations

from .adapter import SalesforceAdapter as SalesforceAdapter
from .converter import make_converter as make_converter

__all__ = ["SalesforceAdapter", "make_converter"]
