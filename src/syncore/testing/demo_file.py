"""A file-backed memory side for trying the command line without any server (``type = "demo_file"``)."""

from __future__ import annotations

import itertools
import json
import os
from array import array
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

import attrs

from ..converters import make_converter, structure_tagged, unstructure_tagged
from ..models import Kind, Record, Side
from ..remote import CreateRequest, DeleteRequest, UpdateRequest, WriteOutcome
from ..timezones import UTC
from .demo_data import sample_data
from .memory import MemoryAdapter
from .memory_store import _Item


@attrs.frozen(kw_only=True)
class DemoFileOptions:
    """The settings file's ``options`` of a ``demo_file`` side.

    :ivar path: the JSON file (relative to the settings file); created when missing
    :ivar side: ``"pim"`` (keeps formatted bodies, Outlook's sample records) or ``"crm"`` (plain text,
        Salesforce's sample records)
    :ivar seed: fill a new file with the demo's sample week
    """

    path: str = attrs.field(metadata={"path": True, "ask": "JSON file for this side, e.g. outlook.json"})
    side: Side = Side.PIM
    seed: bool = False


class DemoFileAdapter(MemoryAdapter):
    """An in-memory side saved to a JSON file after every write (for demos and CLI tests; not for real data).

    :param path: the JSON file; created (and seeded when ``seed`` is true) if missing
    :param side: ``"pim"`` (keeps formatted bodies) or ``"crm"`` (plain text), chooses the sample records
    :param seed: fill a new file with the demo's sample data
    """

    adapter_name: ClassVar[str] = "demo_file"
    options_type: ClassVar[type] = DemoFileOptions

    def __init__(self, *, path: str, side: str | Side = Side.PIM, seed: bool = False, **kwargs: Any) -> None:
        side_enum = Side(side)
        kwargs.setdefault("display_name", f"{'Outlook' if side_enum is Side.PIM else 'Salesforce'}-like demo file")
        super().__init__(name=side_enum.value, formatted_bodies=side_enum is Side.PIM, **kwargs)
        self.path = Path(path)
        self._converter = make_converter()
        if self.path.exists():
            self._load()
        elif seed:
            data = sample_data(datetime.now(UTC).date())
            records = [*(data.pim_only if side_enum is Side.PIM else data.crm_only), *data.both]
            for record in records:
                MemoryAdapter.put(self, record)
            self._save()

    def _save(self) -> None:
        counters = {}
        for attr in ("_ids", "_seq", "_versions"):
            value = next(getattr(self, attr))
            counters[attr] = value
            setattr(self, attr, itertools.count(value))
        data = {
            "epoch": self._epoch,
            "counters": counters,
            "stores": {
                kind.value: {
                    "items": {
                        native_id: {
                            "record": unstructure_tagged(item.record, self._converter),
                            "version": item.version,
                            "link": item.link,
                            "modified_at": self._converter.unstructure(item.modified_at),
                        }
                        for native_id, item in store.items.items()
                    },
                    "log": list(zip(store.log_seqs, store.log_ids, strict=True)),
                }
                for kind, store in self._stores.items()
            },
        }
        tmp = self.path.with_suffix(self.path.suffix + ".tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, self.path)

    def _load(self) -> None:
        data = json.loads(self.path.read_text(encoding="utf-8"))
        self._epoch = data["epoch"]
        for attr, value in data["counters"].items():
            setattr(self, attr, itertools.count(value))
        for kind_value, raw in data["stores"].items():
            store = self._stores[Kind(kind_value)]
            store.items = {
                native_id: _Item(structure_tagged(item["record"], self._converter), item["version"], item["link"],
                                 self._converter.structure(item["modified_at"], datetime))
                for native_id, item in raw["items"].items()
            }
            store.log_seqs = array("q", (seq for seq, _ in raw["log"]))
            store.log_ids = [native_id for _, native_id in raw["log"]]
            store.rewrites = array("q", store.log_seqs[-1:])  # (unknown: taken as up to the last entry)

    def create(self, kind: Kind, requests: Sequence[CreateRequest]) -> list[WriteOutcome]:
        """See :meth:`syncore.abc.Adapter.create`; the file is saved afterwards."""
        try:
            return super().create(kind, requests)
        finally:
            self._save()

    def update(self, kind: Kind, requests: Sequence[UpdateRequest]) -> list[WriteOutcome]:
        """See :meth:`syncore.abc.Adapter.update`; the file is saved afterwards."""
        try:
            return super().update(kind, requests)
        finally:
            self._save()

    def delete(self, kind: Kind, requests: Sequence[DeleteRequest]) -> list[WriteOutcome]:
        """See :meth:`syncore.abc.Adapter.delete`; the file is saved afterwards."""
        try:
            return super().delete(kind, requests)
        finally:
            self._save()

    def put(self, record: Record, *, link: str | None = None) -> str:
        """Create a record as a user would, and save."""
        native_id = super().put(record, link=link)
        self._save()
        return native_id

    def edit(self, native_id: str, **fields: Any) -> Record:
        """Edit a record as a user would, and save."""
        record = super().edit(native_id, **fields)
        self._save()
        return record

    def remove(self, native_id: str) -> None:
        """Delete a record as a user would, and save."""
        super().remove(native_id)
        self._save()
