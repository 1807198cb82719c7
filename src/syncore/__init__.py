"""syncore: two-way sync of calendar events, contacts and tasks between Outlook/Exchange and Salesforce.

The public API::

    from syncore import SyncEngine, SyncSettings, SqliteStateStore, Kind
    engine = SyncEngine(pim=outlook_adapter, crm=salesforce_adapter, state=SqliteStateStore("sync.db"))
    plan = engine.plan(Kind.EVENT)      # reads both sides, writes nothing
    result = engine.apply(plan)         # after review
    print(result.summary)
"""

from __future__ import annotations

from .engine import SyncEngine as SyncEngine
from .errors import ConfigurationError as ConfigurationError
from .errors import SyncoreError as SyncoreError
from .models import Body as Body
from .models import Contact as Contact
from .models import Event as Event
from .models import Kind as Kind
from .models import ShowAs as ShowAs
from .models import Side as Side
from .models import Task as Task
from .models import TaskPriority as TaskPriority
from .models import TaskStatus as TaskStatus
from .plan import Plan as Plan
from .recurrence import Override as Override
from .recurrence import Recurrence as Recurrence
from .recurrence import Regeneration as Regeneration
from .recurrence import TaskRecurrence as TaskRecurrence
from .results import SyncEvent as SyncEvent
from .results import SyncResult as SyncResult
from .settings import ConflictPolicy as ConflictPolicy
from .settings import Direction as Direction
from .settings import KindSettings as KindSettings
from .settings import SyncSettings as SyncSettings
from .state import SqliteStateStore as SqliteStateStore
from .state_types import Action as Action

__version__ = "0.1.0"

__all__ = [
    "Action", "Body", "ConfigurationError", "ConflictPolicy", "Contact", "Direction", "Event", "Kind", "KindSettings",
    "Override", "Plan", "Recurrence", "Regeneration", "ShowAs", "Side", "SqliteStateStore", "SyncEngine",
    "SyncEvent", "SyncResult", "SyncSettings", "SyncoreError", "Task", "TaskPriority", "TaskRecurrence", "TaskStatus",
]
