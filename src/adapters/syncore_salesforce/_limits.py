"""The API budget: the org's daily allocation as reported in ``Sforce-Limit-Info`` (reference §4)."""

from __future__ import annotations

from typing import Any

from syncore.errors import ConfigurationError, QuotaExhausted


class ApiBudget:
    """Stops the adapter before the org's daily API allocation runs out.

    After every call the transport passes the client's ``api_usage`` (parsed by simple-salesforce from the
    ``Sforce-Limit-Info: api-usage=USED/MAX`` header). Before every call :meth:`check` raises
    :class:`~syncore.errors.QuotaExhausted` once the org has used ``max_share`` of its allocation, so the rest
    stays available to the org's other integrations and users.
    """

    def __init__(self, max_share: float = 1.0) -> None:
        if isinstance(max_share, bool) or not isinstance(max_share, (int, float)) or not 0 < max_share <= 1:
            raise ConfigurationError(
                f"max_api_share: expected a number greater than 0 and at most 1, got {max_share!r}",
                key="max_api_share", value=max_share,
            )
        self.max_share = float(max_share)
        #: the last reported (used, max) of the org's DailyApiRequests, or None before the first call
        self.usage: tuple[int, int] | None = None

    def observe(self, api_usage: Any) -> None:
        """Read ``sf.api_usage`` (``{'api-usage': Usage(used, total)}``) after a call."""
        usage = (api_usage or {}).get("api-usage")
        if usage is not None:
            self.usage = (int(usage.used), int(usage.total))

    def check(self) -> None:
        """Raise QuotaExhausted when the next call would go past the allowed share."""
        if self.usage is None:
            return
        used, total = self.usage
        allowed = int(total * self.max_share)
        if used >= allowed:
            raise QuotaExhausted(
                f"Salesforce API budget reached: the org has used {used} of its {total} daily API requests and "
                f"max_api_share={self.max_share:g} allows syncore to go on only below {allowed}; the sync stops "
                "here and resumes when the rolling 24-hour allocation frees up",
                code="MAX_API_SHARE",
            )
