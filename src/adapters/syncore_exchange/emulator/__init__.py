"""Loopback EWS (Exchange Web Services) emulator that the real exchangelib client can talk to.

Quick start::

    from syncore_exchange.emulator import EwsEmulator

    with EwsEmulator(mailboxes=["user@example.com"]) as emu:  # emu.url: http://127.0.0.1:PORT/EWS/...
        account = emu.account()  # a real exchangelib.Account (Basic auth, Exchange 2016, no autodiscover)
        item_id = emu.create_item(folder="calendar", fields={...})  # "another client" edits the mailbox
        changes = list(account.calendar.sync_items(max_changes_returned=512))
        emu.faults.server_busy(back_off_ms=10)  # inject failures
        emu.requests, emu.count("GetItem"), emu.request_counts()  # what the client sent

Operations: GetFolder, SyncFolderItems, GetItem, CreateItem, UpdateItem, DeleteItem, FindItem and ConvertId.
Anything else is answered with a SOAP fault (``ErrorInvalidOperation``) naming the operation.
"""

from __future__ import annotations

from .emulator import EwsEmulator, clear_protocol_cache
from .faults import Fault, Faults
from .log import RequestRecord

__all__ = ["EwsEmulator", "Fault", "Faults", "RequestRecord", "clear_protocol_cache"]
