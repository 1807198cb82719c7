"""One adapter call for one batch of a plan's operations: the requests each action sends."""

from __future__ import annotations

from .abc import Adapter
from .models import Kind
from .plan import Operation
from .remote import CreateRequest, DeleteRequest, UpdateRequest, WriteOutcome
from .state_types import Action


def send(adapter: Adapter, kind: Kind, action: Action, batch: list[Operation]) -> list[WriteOutcome]:
    """Write ``batch`` (operations of one ``action``) with one call to ``adapter``; one outcome per operation."""
    if action is Action.CREATE:
        return adapter.create(kind, [CreateRequest(ref=op.op_id, record=op.record, link=op.link)  # type: ignore[arg-type]
                                     for op in batch])
    if action is Action.UPDATE:
        return adapter.update(kind, [UpdateRequest(ref=op.op_id, id=op.target_id, record=op.record,  # type: ignore[arg-type]
                                                   fields=op.fields, base_version=op.base_version,
                                                   previous=op.previous) for op in batch])
    return adapter.delete(kind, [DeleteRequest(ref=op.op_id, id=op.target_id, base_version=op.base_version)  # type: ignore[arg-type]
                                 for op in batch])
