"""Outlook errors and the one translation from COM errors to syncore's error tree.

Real ``pywintypes.com_error`` and the fake's ``FakeComError`` share a shape (``args == (hresult, strerror,
excepinfo, argerror)``; Outlook's own code in ``excepinfo[5]``), so translation is duck-typed and runs on Linux.
"""

from __future__ import annotations

from typing import Any

from syncore.errors import (
    AdapterError,
    AuthenticationError,
    NotFound,
    RecordRejected,
    TransientError,
)

from . import constants as C

#: seconds to wait before retrying when Outlook rejected a call (busy, modal dialog open); no documented value
BUSY_RETRY_AFTER = 30.0

GUARD_HELP = (
    "Outlook's Object Model Guard refused access to {member} (MAPI_E_NOT_SUPPORTED): Outlook treats syncore as "
    "an untrusted program. Fix: in Outlook open File > Options > Trust Center > Trust Center Settings > "
    "Programmatic Access; it shows whether antivirus status is 'Valid'. With up-to-date antivirus reported by "
    "Windows Security Center Outlook does not prompt; otherwise choose 'Never warn me about suspicious activity' "
    "(needs administrator rights) or have your administrator allow programmatic access by Group Policy "
    "(Outlook Security Mode 'Use Outlook Security Group Policy', then PromptOOMAddressBookAccess and "
    "PromptOOMAddressInformationAccess = 2, automatically approve). If a security prompt appeared, answer "
    "'Allow'. See `syncore docs outlook`."
)


class OutlookError(AdapterError):
    """Base class of the Outlook adapter's own errors."""


class ObjectModelGuardError(AuthenticationError, OutlookError):
    """Outlook's Object Model Guard (the security prompt) denied syncore access; the message explains the fix."""

    def __init__(self, member: str = "a protected property") -> None:
        super().__init__(GUARD_HELP.format(member=member), code="MAPI_E_NOT_SUPPORTED")
        self.member = member


class OutlookUnavailable(OutlookError):
    """Outlook could not be started or reached over COM (not installed, not on Windows, pywin32 missing)."""


def is_com_error(exc: BaseException) -> bool:
    """True for ``pywintypes.com_error`` and look-alikes (duck-typed on ``hresult`` / ``excepinfo``)."""
    return hasattr(exc, "hresult") and hasattr(exc, "excepinfo")


def scode_of(exc: Any) -> int:
    """Outlook's own error code: ``excepinfo[5]`` when Outlook raised it, else the bare HRESULT."""
    info = getattr(exc, "excepinfo", None)
    if info and len(info) > 5 and info[5]:
        return int(info[5])
    return int(getattr(exc, "hresult", C.E_FAIL))


_NAMES = {
    C.MAPI_E_NOT_SUPPORTED: "MAPI_E_NOT_SUPPORTED",
    C.MAPI_E_NOT_FOUND: "MAPI_E_NOT_FOUND",
    C.MAPI_E_OBJECT_DELETED: "MAPI_E_OBJECT_DELETED",
    C.RPC_E_CALL_REJECTED: "RPC_E_CALL_REJECTED",
    C.E_INVALIDARG: "E_INVALIDARG",
    C.E_FAIL: "E_FAIL",
}


def _description(exc: Any) -> str:
    info = getattr(exc, "excepinfo", None)
    if info and len(info) > 2 and info[2]:
        return str(info[2])
    return str(getattr(exc, "strerror", "") or exc)


def translate(exc: BaseException, what: str, *, member: str | None = None) -> AdapterError:
    """The syncore error for a COM error raised while doing ``what`` (the caller raises it ``from exc``).

    Guard denials become :class:`ObjectModelGuardError`; unknown or deleted items :class:`NotFound`; a busy
    Outlook :class:`TransientError`; an item Outlook refuses to save :class:`RecordRejected`.
    """
    code = scode_of(exc)
    name = _NAMES.get(code, f"0x{code & 0xFFFFFFFF:08X}")
    text = f"Outlook: {what}: {_description(exc)} ({name})"
    if code == C.MAPI_E_NOT_SUPPORTED:
        return ObjectModelGuardError(member or what)
    if code in (C.MAPI_E_NOT_FOUND, C.MAPI_E_OBJECT_DELETED):
        return NotFound(text, code=name)
    if code == C.RPC_E_CALL_REJECTED:
        return TransientError(text, code=name, retry_after=BUSY_RETRY_AFTER)
    if code in (C.E_FAIL, C.E_INVALIDARG):
        return RecordRejected(text, code=name)
    return OutlookError(text, code=name)
