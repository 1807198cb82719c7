"""A ``pywintypes.com_error`` look-alike, so adapter error mapping is exercised on Linux."""

from __future__ import annotations

from ..constants import DISP_E_EXCEPTION


class FakeComError(Exception):
    """Shaped like ``pywintypes.com_error``: ``args == (hresult, strerror, excepinfo, argerror)``.

    Errors raised by Outlook itself arrive as ``DISP_E_EXCEPTION`` with the real code in ``excepinfo[5]``,
    which is what pywin32 produces for an ``IDispatch::Invoke`` failure.
    """

    def __init__(self, hresult: int, strerror: str, excepinfo: tuple | None, argerror: int | None = None):
        super().__init__(hresult, strerror, excepinfo, argerror)
        self.hresult = hresult
        self.strerror = strerror
        self.excepinfo = excepinfo
        self.argerror = argerror


def outlook_error(scode: int, description: str) -> FakeComError:
    """Build the error Outlook raises through ``IDispatch``: DISP_E_EXCEPTION carrying ``scode``."""
    return FakeComError(DISP_E_EXCEPTION, "Exception occurred.",
                        (4096, "Microsoft Outlook", description, None, 0, scode), None)


def no_attribute(name: str) -> AttributeError:
    """What pywin32 dynamic dispatch raises for a member the item type does not have."""
    return AttributeError(f"<unknown>.{name}")
