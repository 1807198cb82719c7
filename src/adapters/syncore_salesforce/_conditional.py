"""Updates conditional on the version the engine planned against (``UpdateRequest.base_version``).

Salesforce offers no conditional write the adapter's batches could use:

* ``If-Match`` with an ETag works on sObject Rows (one record per request) of **Account records only**
  (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/intro_rest_conditional_requests.htm,
  https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_retrieve_patch.htm);
* ``If-Unmodified-Since`` is a *weak* check against the record's last modified date, an HTTP-date (whole
  seconds), also on sObject Rows only: one request per record (a Composite request carries at most 25 such
  subrequests), and an edit in the same second as the read passes it;
* sObject Collections (200 records per PATCH) document no conditional header at all
  (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections_update.htm).

So each batch of at most 200 updates reads its targets first, in **one** request (the read behind ``fetch``:
a collections retrieve, or a query through ``format_soql`` for contacts and with ``extra_filter``), and
compares each record's version (the hash of its mapped content, :func:`._mapping.content_version`; a save that
touches no synced field is no change) with the one planned against:

* unchanged: written, in the same PATCH as the rest of the batch;
* changed, and the named fields already hold the values asked for (the user made the same edit, or an earlier
  write of ours whose answer was lost): nothing to write, a success;
* changed otherwise: not written, reported as :class:`~syncore.errors.VersionMismatch`. The engine parks the
  pair; the next sync reads the edit and merges field by field (Exchange answers ErrorIrresolvableConflict the
  same way).

What is left is the time between the read's answer and the PATCH reaching Salesforce: one request's round
trip, with nothing run in between (docs/salesforce.md, "Updates are conditional"). An update without a
``base_version`` (the pair's version is unknown) and a record the read does not find (deleted, or out of scope:
Salesforce's own answer tells) are sent as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from syncore.errors import VersionMismatch
from syncore.models import Kind, Record
from syncore.remote import RemoteRecord, UpdateRequest, WriteOutcome

from .converter import to18

#: fields written as relation rows, never read back (capabilities.write_only_fields): whether a changed record
#: already holds them cannot be told, so a stale update naming one is always refused
UNREADABLE_FIELDS = frozenset({"attendees", "contacts"})

Read = Callable[[Kind, Sequence[str]], Mapping[str, RemoteRecord]]


class Conditions:
    """The check before each update batch: which requests still meet the version they were planned against."""

    def __init__(self, read: Read, represent: Callable[[Record], Record]) -> None:
        self.read = read
        self.represent = represent

    def check(self, kind: Kind, requests: Sequence[UpdateRequest], versions: Mapping[str, str],
              outcomes: dict[str, WriteOutcome]) -> set[str]:
        """The refs of ``requests`` to write; the others get their outcome in ``outcomes``.

        One read for the requests that carry a ``base_version`` (none when none does).
        :raises AdapterError: the read failed (nothing was written)
        """
        conditional = [r for r in requests if r.base_version is not None]
        current = self.read(kind, sorted({to18(r.id) for r in conditional})) if conditional else {}
        send = {r.ref for r in requests}
        for request in conditional:
            stored = current.get(to18(request.id))
            if stored is None or stored.version == request.base_version:
                continue
            send.discard(request.ref)
            if self._holds(stored, request):
                # Reported as a write would be: with the version of what was asked for, not the stored one, so
                # the next read sees whatever else changed and merges it.
                outcomes[request.ref] = WriteOutcome(ref=request.ref, id=to18(request.id),
                                                     version=versions[request.ref])
            else:
                outcomes[request.ref] = WriteOutcome(ref=request.ref, error=VersionMismatch(
                    f"salesforce: update {kind.value} {request.id}: changed in Salesforce since it was read; not "
                    "written, so that change is not lost (the next sync merges it)", code="CHANGED_SINCE_READ"))
        return send

    def _holds(self, stored: RemoteRecord, request: UpdateRequest) -> bool:
        """True when ``stored`` already has the requested values of every named field."""
        if request.fields & UNREADABLE_FIELDS:
            return False
        if request.link is not None and str(stored.link or "").lower() != request.link.lower():
            return False
        wanted = self.represent(request.record)
        return all(getattr(stored.record, name) == getattr(wanted, name) for name in request.fields)
