"""The base of the pair of a copy an interrupted create left behind (a lost reply, a crash right after the write),
found by the recovery (:func:`.recovery.find_copies`): what the journal's fingerprint tells of what was written,
against what the copy and its source hold now."""

from __future__ import annotations

from ..abc import Adapter
from ..errors import InvalidRecordError
from ..merge import without_fields
from ..models import Record
from ..remote import RemoteRecord
from ..snapshots import fingerprint


def recovered_base(target: Adapter, printed: str | None, source: RemoteRecord | None,
                   copy: RemoteRecord) -> tuple[Record, frozenset[str]]:
    """The base (and the fields compared side against side) of the pair of ``source`` and the ``copy`` an
    interrupted create of it wrote on ``target``; ``printed``: the create's journaled fingerprint.

    The copy may differ from what was written because a user edited it since, or because the create stopped
    before its later steps (``Capabilities.create_completes``: a series' exceptions, written after its master).
    The fingerprint tells the record as written, never field by field, so:

    ======================================  =====================================================================
    no fingerprint, no source, the target   the copy as read (a difference from the source then travels to the
    does not say what its creates complete  copy: an unfinished create is completed, and a user's edit of the
    later, or the copy is what was written  copy, if that is what it was, is lost; with the copy unchanged there
                                            is none)
    the source is what was written (it is   the source (the pair's base after a create that finished), with the
    unchanged since, as the target stores   copy's values of the fields the target's create completes later (so
    it)                                     the source's values complete them) and of its read-only fields (a
                                            copy holds those empty, as after any create): every other
                                            difference of the copy is the user's edit, and travels back
    both differ (both edited since)         the copy as read, and the fields where copy and source differ (less
                                            those the create completes later, and the read-only ones) compared
                                            side against side, as at a first sync: two different values are a
                                            conflict for the policy or the review, never one silently written
                                            over the other
    ======================================  =====================================================================
    """
    caps = target.capabilities
    later = caps.create_completes
    if printed is None or source is None or later is None:
        return copy.record, frozenset()  # unknown what was written, or what a create may leave undone
    read_only = caps.read_only_fields

    def as_target_stores(record: Record) -> Record:  # (as the fingerprint was taken: executor._intents)
        return without_fields(target.represent(record), read_only)

    as_copied = as_target_stores(copy.record)
    if fingerprint(as_copied) == printed:
        return copy.record, frozenset()  # the copy is exactly what was written: nobody edited it
    kept = (later | read_only) & frozenset(copy.record.field_names())
    as_sourced = as_target_stores(source.record)
    if fingerprint(as_sourced) == printed:
        # the source is unchanged since the create: the copy's differences are the user's edits, but for the
        # fields the create completes later (still undone where they differ) and the read-only ones
        try:
            return source.record.replace(**{name: getattr(copy.record, name) for name in kept}), frozenset()
        except InvalidRecordError:
            pass  # the copy's values do not fit the source's (a series moved on the copy): compared as below
    # both edited since: neither is the ancestor of the other; where they differ, side against side
    return copy.record, as_sourced.changed_fields(as_copied) - kept
