"""In-memory fake of the Outlook desktop object model as seen through pywin32 (reference §12).

Entry point::

    fake = FakeOutlook(local_zone="Europe/Berlin", guard="allow")
    app = fake.application                      # satisfies syncore_outlook._protocol.Application
    ns = app.GetNamespace("MAPI")               # or app.Session
    calendar = ns.GetDefaultFolder(olFolderCalendar)

What it reproduces (each from the reference, not from real-Outlook recordings):

* ids: ``EntryID == ""`` until ``Save()``; Save assigns EntryID, GlobalAppointmentID (appointments) and
  LastModificationTime; ``Delete()``/``Move()`` give the item a new EntryID in the destination folder.
* the pywin32 time trap: local-time properties read as local wall clock labelled UTC; writes apply
  ``astimezone(UTC)`` (naive = local) and store the result as the wall clock.
* Object Model Guard: ``guard="deny"`` (or a callable) makes guarded members raise ``FakeComError`` carrying
  ``MAPI_E_NOT_SUPPORTED`` in ``excepinfo[5]``.
* Restrict (Jet / DASL subsets), GetTable (name vs DASL representation, 255 truncation), UserProperties,
  recurrence patterns with occurrences and exceptions, an appointment's ``Recipients`` (``_recipients.py``),
  a task's ``Links`` to contacts (``_links.py``).

Test support: counters (``item_opens``, ``saves``, ``guard_denials``, ``calls``, ``access_count()``,
``reset_counters()``), fault injection (``inject_error``), a controllable ``clock`` and ``user_*`` helpers
that play the user editing in Outlook without touching the counters.
"""

from __future__ import annotations

# The item modules register their classes (``_item_types``) when imported.
from . import _appointment as _appointment
from . import _contacts_tasks as _contacts_tasks
from ._app import FakeOutlook as FakeOutlook
from ._errors import FakeComError as FakeComError
from ._oom import FakeApplication as FakeApplication
from ._oom import FakeFolder as FakeFolder
from ._oom import FakeNameSpace as FakeNameSpace
from ._records import RecipientData as RecipientData
from ._records import exchange_recipient as exchange_recipient
from ._records import smtp_recipient as smtp_recipient
from ._time import FakeClock as FakeClock
from ._time import FakeTimeZone as FakeTimeZone

__all__ = ["FakeApplication", "FakeClock", "FakeComError", "FakeFolder", "FakeNameSpace", "FakeOutlook",
           "FakeTimeZone", "RecipientData", "exchange_recipient", "smtp_recipient"]
