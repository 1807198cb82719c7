"""What an adapter declares in its :class:`~syncore.remote.Capabilities` holds, whoever calls it.

:class:`EnforcedCapabilities` is the metaclass of :class:`syncore.abc.Adapter` (as vdirsyncer's storage metaclass
wraps every mutating method). It wraps the data methods each adapter class defines, so that in one place:

* a kind the adapter does not support is refused;
* nothing is written to a read-only side;
* no call carries more records than the declared batch maximum;
* a side that stores no links finds no record by link;
* a side that does not declare ``cuts_series`` is never asked to cut a series;
* a write answers exactly one outcome per request;
* deleting (or cutting) a record that is already gone is a success (the one statement of that rule).

A violation by the caller is a :class:`~syncore.errors.CapabilityError`; an adapter answering the wrong number
of outcomes is an :class:`~syncore.errors.AdapterError` (the whole call failed).
"""

from __future__ import annotations

import functools
from abc import ABCMeta
from collections.abc import Callable, Sized
from typing import Any

import attrs

from .errors import AdapterError, CapabilityError, NotFound
from .models import Kind

#: method → (whether it writes, the Capabilities field bounding its batch, or None)
_CHECKED: dict[str, tuple[bool, str | None]] = {
    "changes": (False, None),
    "full_scan": (False, None),
    "fetch": (False, "max_fetch_batch"),
    "find_by_link": (False, None),
    "create": (True, "max_create_batch"),
    "update": (True, "max_update_batch"),
    "delete": (True, "max_delete_batch"),
    "cut_series": (True, "max_delete_batch"),
}


def _check(adapter: Any, method: str, kind: Kind, batch: object) -> None:
    caps = adapter.capabilities
    name = getattr(adapter, "adapter_name", type(adapter).__name__)
    writes, limit = _CHECKED[method]
    if Kind(kind) not in caps.kinds:
        raise CapabilityError(f"the {name} adapter does not support {Kind(kind).value}s ({method} refused)")
    if writes and caps.read_only:
        raise CapabilityError(f"the {name} adapter is read-only ({method} refused)")
    if method == "cut_series" and not caps.cuts_series:
        raise CapabilityError(f"the {name} adapter does not declare cuts_series ({method} refused)")
    if limit is not None and isinstance(batch, Sized) and len(batch) > getattr(caps, limit):
        raise CapabilityError(f"{method} of {len(batch)} records exceeds the {name} adapter's {limit} "
                              f"({getattr(caps, limit)})")


def _checked(method: str, function: Callable[..., Any]) -> Callable[..., Any]:
    writes, _ = _CHECKED[method]

    @functools.wraps(function)
    def wrapper(self: Any, kind: Kind, batch: Any = None, *args: Any, **kwargs: Any) -> Any:
        _check(self, method, kind, batch)
        if method == "find_by_link" and not self.capabilities.link_ids:
            return {}  # a side that stores no links finds none, whatever the adapter would answer
        result = function(self, kind, *(() if batch is None else (batch,)), *args, **kwargs)
        if not writes:
            return result
        if len(result) != len(batch):
            name = getattr(self, "adapter_name", type(self).__name__)
            raise AdapterError(f"{name} answered {len(result)} outcomes for {len(batch)} {method} requests")
        if method in ("delete", "cut_series"):
            # a record that is already gone is what a delete wants (and leaves nothing to cut)
            result = [attrs.evolve(outcome, error=None) if isinstance(outcome.error, NotFound) else outcome
                      for outcome in result]
        return result

    wrapper.__capabilities_checked__ = True  # type: ignore[attr-defined]
    return wrapper


class EnforcedCapabilities(ABCMeta):
    """Wraps the data methods an adapter class defines with the checks above."""

    def __init__(cls, name: str, bases: tuple[type, ...], namespace: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(name, bases, namespace, **kwargs)
        for method in _CHECKED:
            function = namespace.get(method)
            if callable(function) and not getattr(function, "__isabstractmethod__", False) \
                    and not getattr(function, "__capabilities_checked__", False):
                setattr(cls, method, _checked(method, function))
