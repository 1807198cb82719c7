"""The org's state behind every endpoint: schema, records, users and sessions, quota, query locators."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .auth import Auth, User
from .clock import Clock
from .errors import ApiError, not_found
from .evaluate import Context
from .faults import Faults
from .ids import make_id
from .records import RecordWriter
from .rules import RuleSettings
from .schema import Schema, SObjectDef
from .store import Store, render_record
from .transactions import OpenTransactions

#: EventRelation fields only visible with Shared Activities (Object Reference, EventRelation)
SHARED_ACTIVITIES_FIELDS = ("IsParent", "IsWhat", "IsInvitee", "AccountId")


@dataclass
class Cursor:
    """A query result kept for ``nextRecordsUrl`` paging."""

    rows: list[dict[str, Any]]
    batch: int


class QueryLocators:
    """Open query cursors by locator id (``01g…``)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cursors: dict[str, Cursor] = {}
        self._counter = 0

    def open(self, cursor: Cursor) -> str:
        """Keep *cursor*; returns its locator."""
        with self._lock:
            self._counter += 1
            locator = make_id("01g", self._counter)
            self._cursors[locator] = cursor
            return locator

    def get(self, locator: str) -> Cursor | None:
        with self._lock:
            return self._cursors.get(locator)

    def clear(self) -> None:
        """Forget every locator (they expire after inactivity on a real org)."""
        with self._lock:
            self._cursors.clear()


class ApiQuota:
    """The ``DailyApiRequests`` counter reported in ``Sforce-Limit-Info``."""

    def __init__(self, limit: int) -> None:
        self._lock = threading.Lock()
        self.limit = limit
        self.used = 0

    def usage(self) -> tuple[int, int]:
        with self._lock:
            return self.used, self.limit

    def set(self, used: int) -> None:
        with self._lock:
            self.used = used

    def charge(self) -> bool:
        """Count one API call; ``False`` (and nothing counted) once the limit is reached."""
        with self._lock:
            if self.used >= self.limit:
                self.used = self.limit
                return False
            self.used += 1
            return True


def check_zone(name: str) -> str:
    """*name* if it is a time zone Salesforce knows (an IANA id or ``GMT``); ``ValueError`` otherwise."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown TimeZoneSidKey {name!r}: expected an IANA zone such as 'America/Los_Angeles'"
        ) from None
    return name


class Org:
    """Everything one emulated org holds; handlers read and change it, the HTTP layer never does."""

    def __init__(
        self,
        *,
        api_version: str,
        users: Mapping[str, tuple[str, str]],
        daily_api_limit: int,
        start_time: datetime | None,
        min_batch_size: int,
        multiday_events: bool,
        upsert_update_status: int,
        replication_id_limit: int,
        closed_task_statuses: tuple[str, ...],
        accept_password_without_token: bool,
        faults: Faults,
        time_zone: str = "GMT",
        lightning_series: bool = True,
        shared_activities: bool = True,
        series_delete_lag: int | None = 0,
        lingering_rows_cut: bool = False,
    ) -> None:
        self.api_version = api_version
        self.min_batch_size = max(1, min_batch_size)
        self.upsert_update_status = upsert_update_status
        self.replication_id_limit = replication_id_limit
        self.clock = Clock(start_time)
        self.faults = faults
        self.schema = Schema(api_version, lightning_series=lightning_series)
        if not shared_activities:
            # "TaskRelation is only available if you've enabled Shared Activities in your organization."
            del self.schema.objects["taskrelation"]
            # EventRelation: "IsParent is visible when Shared Activities is enabled", as are IsWhat and
            # AccountId; IsInvitee only while it is enabled or being enabled/disabled (Object Reference,
            # EventRelation fields). Rows are invitees, so the emulator keeps those flags internally only.
            self.schema.objects["eventrelation"].drop_fields(SHARED_ACTIVITIES_FIELDS)
        self.store = Store(self.schema)
        self.settings = RuleSettings(
            multiday_events=multiday_events,
            api_version=float(api_version),
            closed_task_statuses=set(closed_task_statuses),
            shared_activities=shared_activities,
        )
        self.writer = RecordWriter(self.store, self.clock, faults, self.settings,
                                   series_delete_lag=series_delete_lag, lingering_rows_cut=lingering_rows_cut)
        #: long-running transactions still open (``latestDateCovered`` stays at or before the oldest's start)
        self.open_transactions = OpenTransactions()
        self.org_id = make_id("00D", 1)
        self.auth = Auth(self.org_id, {}, accept_password_without_token)
        for username, (password, token) in users.items():
            self.auth.add_user(username, password, token, check_zone(time_zone))
        #: The user direct-access writes are attributed to: "another Salesforce user".
        self.other_user_id = make_id("005", 999)
        self.writer.zone_of = self.user_zone
        self.quota = ApiQuota(daily_api_limit)
        self.locators = QueryLocators()
        #: ``https://127.0.0.1:PORT`` once the server listens (clients build https URLs; see wiring.py).
        self.instance_url = ""
        self.seed()

    def seed(self) -> None:
        """What a fresh org holds: a User row per login (and "another user"), and the TaskStatus rows."""
        for user in self.auth.users.values():
            self._user_row(user.user_id, user.username, user.time_zone)
        self._user_row(self.other_user_id, "other.user@example.com", "GMT")
        self._seed_task_statuses()

    def add_user(self, username: str, password: str, security_token: str, time_zone: str) -> User:
        """Accept another login and give it a User row."""
        user = self.auth.add_user(username, password, security_token, check_zone(time_zone))
        with self.store.lock:
            self._user_row(user.user_id, user.username, user.time_zone)
        return user

    def _user_row(self, user_id: str, username: str, time_zone: str) -> None:
        local = username.partition("@")[0]
        self.writer.create(
            self.schema.get("User"),
            {
                "Id": user_id,
                "Username": username,
                "LastName": local,
                "Email": username,
                "Alias": local[:8],
                "TimeZoneSidKey": time_zone,
                "LocaleSidKey": "en_US",
                "LanguageLocaleKey": "en_US",
                "IsActive": True,
                "UserType": "Standard",
            },
            self.other_user_id,
            trusted=True,
        )

    def _seed_task_statuses(self) -> None:
        """TaskStatus rows mirror the Task Status picklist; adapters read IsClosed from them (§1.5)."""
        status = self.schema.get("Task").field("Status")
        default = status.picklist_default()
        for order, entry in enumerate(status.raw["picklistValues"], start=1):
            self.writer.create(
                self.schema.get("TaskStatus"),
                {
                    "MasterLabel": entry["label"],
                    "ApiName": entry["value"],
                    "SortOrder": order,
                    "IsDefault": entry["value"] == default,
                    "IsClosed": entry["value"] in self.settings.closed_task_statuses,
                },
                self.other_user_id,
                trusted=True,
            )

    def user_zone(self, user_id: str) -> str:
        """The ``TimeZoneSidKey`` of a user (GMT for one the emulator does not know)."""
        user = self.auth.user_by_id(user_id)
        return user.time_zone if user is not None else "GMT"

    def query_context(self, user_id: str) -> Context:
        """What a query by *user_id* sees: the store for relationships, the user's current day and zone."""
        zone = self.user_zone(user_id)
        today = self.clock.now().astimezone(ZoneInfo(zone)).date()
        return Context(self.store.lookup, today, zone)

    def sobject(self, name: str) -> SObjectDef:
        """The sObject named in a URL; 404 NOT_FOUND if unknown."""
        obj = self.schema.get(name)
        if obj is None:
            raise not_found()
        return obj

    def render(
        self, obj: SObjectDef, rec: dict[str, Any], version: str, fields: list[str] | None = None
    ) -> dict[str, Any]:
        """A record with attributes; *fields* restricts the keys (unknown -> INVALID_FIELD)."""
        fdefs = None
        if fields:
            fdefs = []
            for name in fields:
                fdef = obj.field(name.strip())
                if fdef is None:
                    raise ApiError(
                        400,
                        "INVALID_FIELD",
                        f"No such column '{name.strip()}' on entity '{obj.name}'. If you are attempting to use a "
                        f"custom field, be sure to append the '__c' after the custom field name. Please reference "
                        f"your WSDL or the describe call for the appropriate names.",
                    )
                fdefs.append(fdef)
        return render_record(obj, rec, version, fdefs)
