"""A memory side whose create calls can be left in flight: the sync dies with the call sent, and the server makes
those writes only later, when the test calls :meth:`LandingLate.land` (Salesforce finishes a request whose sender
is gone, within its documented 10-minute call timeout; docs/concepts.md, "Interrupted syncs")."""

from __future__ import annotations

from datetime import timedelta

from syncore.errors import SimulatedCrash
from syncore.testing import MemoryAdapter

WINDOW = timedelta(minutes=10)


class LandingLate(MemoryAdapter):
    """A memory side (``writes_land_within``: :data:`WINDOW`) whose next ``in_flight_calls`` create calls are still
    in flight when the sync dies (after ``through_calls`` more made as usual): nothing is written until :meth:`land`."""

    def __init__(self, **kwargs) -> None:
        super().__init__(writes_land_within=WINDOW, **kwargs)
        self.in_flight_calls = 0
        self.through_calls = 0
        self._flying: list = []

    def create(self, kind, requests):
        if self.in_flight_calls and self.through_calls:
            self.through_calls -= 1
        elif self.in_flight_calls:
            self.in_flight_calls -= 1
            self._flying.append((kind, list(requests)))
            raise SimulatedCrash("the process died with its create call in flight")
        return super().create(kind, requests)

    def land(self) -> None:
        """The server finishes the requests in flight."""
        for kind, requests in self._flying:
            super().create(kind, requests)
        self._flying.clear()
