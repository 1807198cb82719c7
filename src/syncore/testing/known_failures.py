"""Known failures of a conformance suite, declared by the test module and run as strict xfails."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import pytest


class KnownFailures:
    """Mixin: each test named in :attr:`known_failures` (with its parameters, ``"test_x[task]"``) runs as a
    strict xfail with the given reason, so a fix shows up as a failure until its entry is removed."""

    known_failures: ClassVar[Mapping[str, str]] = {}

    @pytest.fixture(autouse=True)
    def _known_failure(self, request: pytest.FixtureRequest) -> None:
        reason = self.known_failures.get(request.node.name)
        if reason is not None:
            request.node.add_marker(pytest.mark.xfail(strict=True, reason=reason))
