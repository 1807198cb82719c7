"""A contact's company is its Account: found by name, created when missing, never twice.

For one batch of contacts (:meth:`AccountDirectory.accounts_for`):

1. one lookup: ``SELECT Id, Name, CreatedDate FROM Account WHERE Name IN (…)`` (200 names per query, quoted by
   ``format_soql``); SOQL compares text case-insensitively, and the match is then checked here as an exact,
   case-insensitive equality of the trimmed names (so ``acme`` finds ``Acme`` but never ``Acme Ltd``);
2. the names still missing are looked up once more right before creating them (another process may have made
   one meanwhile), then created together (sObject Collections, 200 per call);
3. when the create's answer is lost (:class:`~syncore.errors.OutcomeUnknown`) the names are looked up again:
   what was made is used, and the contacts of a name still missing fail for this sync only, with a plain
   :class:`~syncore.errors.TransientError`: the contacts themselves were never sent, so nothing of theirs is
   uncertain (an ``OutcomeUnknown`` would have the engine look for copies that cannot exist). A create that
   failed before it was sent fails its contacts the same way; the other contacts of the batch are written.

Several Accounts of one name: the oldest (``CreatedDate``, then ``Id``) is used, with a warning. Accounts are
shared across owners, so neither ``scope`` nor ``extra_filter`` limits the lookup: Salesforce's sharing does.
With ``create_accounts`` off a missing Account is reported and the contact is written without one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs
from simple_salesforce import format_soql

from syncore.errors import AdapterError, OutcomeUnknown, RecordRejected, TransientError

from . import _collections
from ._scope import IN_QUERY_CHUNK
from ._transport import Transport
from .converter import to18

#: Account.Name: "Limit: 255 characters" (Object Reference, Account)
MAX_NAME = 255


def name_key(name: str) -> str:
    """How two company names are compared: trimmed, case-insensitive."""
    return name.strip().casefold()


@attrs.frozen(kw_only=True)
class AccountChoice:
    """What a company name became: an Account id, or why there is none."""

    account_id: str | None
    warning: str | None = None
    error: AdapterError | None = None


class AccountDirectory:
    """Finds and creates Accounts by name for the contacts of one write batch."""

    def __init__(self, transport: Transport, *, create: bool) -> None:
        self.transport = transport
        self.create = create

    def accounts_for(self, names: Iterable[str]) -> dict[str, AccountChoice]:
        """One :class:`AccountChoice` per distinct non-empty company (keyed by :func:`name_key`)."""
        wanted: dict[str, str] = {}
        for name in names:
            if name and name.strip():
                wanted.setdefault(name_key(name), name.strip())  # the first spelling names a new Account
        choices: dict[str, AccountChoice] = {}
        for key, name in list(wanted.items()):
            if len(name) > MAX_NAME:
                choices[key] = AccountChoice(
                    account_id=None,
                    error=RecordRejected(
                        f"company is {len(name)} characters; a Salesforce Account name allows {MAX_NAME}",
                        code="STRING_TOO_LONG",
                    ),
                )
                del wanted[key]
        found = self._find(wanted.values()) if wanted else {}
        missing = {k: n for k, n in wanted.items() if k not in found}
        failed: dict[str, AdapterError] = {}
        if missing and self.create:
            # looked up again right before creating: an Account made since the first lookup is used, not
            # made twice
            found.update(self._find(missing.values()))
            missing = {k: n for k, n in missing.items() if k not in found}
            if missing:
                made, failed = self._create(missing)
                found.update(made)
        for key, name in wanted.items():
            if key in found:
                account_id, count = found[key]
                warning = (
                    f"{count} Salesforce Accounts are named {name!r}: the oldest is used"
                    if count > 1
                    else None
                )
                choices[key] = AccountChoice(account_id=account_id, warning=warning)
            elif self.create:
                choices[key] = AccountChoice(
                    account_id=None,
                    error=failed.get(key)
                    or TransientError(
                        f"the Account {name!r} was not found after a create that got no answer: "
                        "the contact was not written; retried next sync",
                        code="ACCOUNT_NOT_CREATED",
                    ),
                )
            else:
                choices[key] = AccountChoice(
                    account_id=None,
                    warning=(
                        f"no Salesforce Account is named {name!r} and create_accounts is off: "
                        "the contact is written without an Account"
                    ),
                )
        return choices

    def _find(self, names: Iterable[str]) -> dict[str, tuple[str, int]]:
        """Existing Accounts by name key: (the oldest one's id, how many share the name)."""
        values = sorted(set(names))
        rows: list[dict[str, Any]] = []
        for start in range(0, len(values), IN_QUERY_CHUNK):
            soql = format_soql(
                "SELECT Id, Name, CreatedDate FROM Account WHERE Name IN {}",
                values[start : start + IN_QUERY_CHUNK],
            )
            rows += self.transport.query_pages(soql, include_deleted=False, what="Account lookup by name")
        found: dict[str, tuple[str, int]] = {}
        for row in sorted(rows, key=lambda r: (str(r.get("CreatedDate") or ""), str(r.get("Id")))):
            key = name_key(str(row.get("Name") or ""))
            if key in found:
                found[key] = (found[key][0], found[key][1] + 1)
            else:
                found[key] = (to18(row["Id"]), 1)
        return found

    def _create(self, missing: dict[str, str]) -> tuple[dict[str, tuple[str, int]], dict[str, AdapterError]]:
        """Create one Account per name: the ones made, and why the others were not."""
        created: dict[str, tuple[str, int]] = {}
        failed: dict[str, AdapterError] = {}
        items = list(missing.items())
        for start in range(0, len(items), _collections.MAX_WRITE_BATCH):
            chunk = items[start : start + _collections.MAX_WRITE_BATCH]
            try:
                results = _collections.create(
                    self.transport, "Account", [{"Name": name} for _, name in chunk]
                )
            except OutcomeUnknown:
                # the Accounts may exist now: whatever was made is found, never made twice
                created.update(self._find(name for _, name in chunk))
                continue
            except TransientError as exc:
                # not sent: only these names' contacts wait for the next sync
                for key, name in chunk:
                    failed[key] = TransientError(
                        f"the Account {name!r} could not be created ({exc}): the contact was not written; "
                        "retried next sync",
                        code=exc.code,
                    )
                continue
            for (key, name), result in zip(chunk, results, strict=True):
                if result.get("success"):
                    created[key] = (to18(result["id"]), 1)
                else:
                    error = _collections.error_of(result, "Account")
                    failed[key] = type(error)(
                        f"the Account {name!r} could not be created: {error}", code=error.code
                    )
        return created, failed
