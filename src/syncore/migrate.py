"""Moving a profile's PIM side to another adapter of the same mailbox (``syncore migrate-profile``).

Exchange Online refuses EWS from October 2026: a profile paired over EWS moves to Microsoft Graph without
re-pairing. The new adapter translates the stored ids (:meth:`~syncore.abc.Adapter.adopt_ids`); every pair
keeps its base and its CRM side, only its PIM id changes (and its PIM version is forgotten, so the next sync
compares the record itself with the base instead of trusting a version from the old API). The PIM change
cursor is cleared: the next sync reads the PIM side in full and finds every pair by its new id.

Nothing is written to either side. A pair whose id cannot be translated and does not already name a record of
the new adapter (a run that was interrupted, or repeated) is dropped and reported: the next sync finds its
record again by the link stored on it, or by matching.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

import attrs

from .abc import Adapter, StateStore
from .errors import SyncError
from .locking import ProfileLock
from .models import Kind, Side
from .remote import fetch_in_batches


@attrs.frozen(kw_only=True)
class KindMigration:
    """What happened to one kind's pairs: carried over (translated or already in the new format) and dropped."""

    kind: Kind
    translated: int = 0
    kept: int = 0
    dropped: tuple[str, ...] = ()
    #: the new adapter does not sync this kind: its pairs were left as they were (not synced from now on)
    not_synced: int = 0

    def summary(self) -> str:
        if self.not_synced:
            return (f"{self.kind.value}: not synced by the new adapter; its {self.not_synced} pairs are left as they "
                    "were")
        text = f"{self.kind.value}: {self.translated} pairs carried over"
        if self.kept:
            text += f", {self.kept} already used the new ids"
        if self.dropped:
            text += f", {len(self.dropped)} dropped (their records are matched again at the next sync)"
        return text


def migrate_pim_ids(state: StateStore, profile: str, adapter: Adapter, source: str, kinds: Iterable[Kind], *,
                    clock: Callable[[], datetime]) -> list[KindMigration]:
    """Rewrite the PIM ids of ``profile``'s pairs from adapter ``source``'s to ``adapter``'s, kind by kind.

    :raises SyncLocked: when a sync of the profile is running
    :raises SyncError: when a kind has writes a stopped sync left open (sync once first, then migrate)
    """
    results = []
    with ProfileLock(state, profile, clock=clock).hold():
        for kind in kinds:
            if kind not in adapter.capabilities.kinds:
                left = state.count_pairs(profile, kind)
                if left:
                    results.append(KindMigration(kind=kind, not_synced=left))
                continue
            if state.open_intents(profile, kind):
                raise SyncError(f"the last {kind.value} sync stopped part-way; run a sync with the old settings "
                                "first, then migrate")
            results.append(_migrate_kind(state, profile, adapter, source, kind))
    return results


def _migrate_kind(state: StateStore, profile: str, adapter: Adapter, source: str, kind: Kind) -> KindMigration:
    pairs = list(state.iter_pairs(profile, kind))
    old_ids = [pair.pim_id for pair in pairs]
    adopted = adapter.adopt_ids(source, kind, old_ids) if old_ids else {}
    translated = {old: new for old, new in adopted.items() if new != old}
    untranslated = [i for i in old_ids if i not in adopted and adapter.is_native_id(kind, i)]
    # ids already in the new format (a repeated or interrupted run) are recognised by reading them
    existing = {old for old, new in adopted.items() if new == old}
    existing |= set(fetch_in_batches(adapter, kind, untranslated)) if untranslated else set()
    pending = [item for item in state.pending(profile, kind) if item.side is Side.PIM]
    dropped = []
    with state.transaction():
        for pair in pairs:
            new_id = translated.get(pair.pim_id)
            if new_id is not None:
                state.save_pair(attrs.evolve(pair, pim_id=new_id, pim_version=None))
            elif pair.pim_id not in existing:
                state.delete_pair(profile, kind, pair.pair_id)
                dropped.append(pair.pim_id)
        for item in pending:
            state.remove_pending(profile, kind, Side.PIM, [item.native_id])
            if item.native_id in translated:
                state.put_pending(attrs.evolve(item, native_id=translated[item.native_id]))
        state.set_cursor(profile, kind, Side.PIM, None)
        state.bump_generation(profile, kind)  # plans made with the old ids no longer fit
    return KindMigration(kind=kind, translated=len(translated), kept=len(existing), dropped=tuple(dropped))
