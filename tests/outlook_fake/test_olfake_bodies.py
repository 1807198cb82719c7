"""Contract: Body / RTFBody behaviour (§3, §12.7)."""

from __future__ import annotations

from syncore_outlook import constants as C

BOLD_RTF = (rb"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0\fswiss Arial;}}"
            rb"\pard\f0 Plain {\b bold words} end\par}")


def test_rtf_body_is_bytes(calendar):
    item = calendar.Items.Add(C.olAppointmentItem)
    item.Subject = "rtf"
    item.Body = "hello"
    item.Save()
    assert isinstance(item.RTFBody, bytes)
    assert item.RTFBody.startswith(b"{\\rtf1")
    assert "hello" in item.Body


def test_rtf_body_write_sets_plain_body(calendar):
    item = calendar.Items.Add(C.olAppointmentItem)
    item.Subject = "rtf write"
    item.RTFBody = BOLD_RTF
    item.Save()
    assert "bold words" in item.Body
    assert b"\\b" in item.RTFBody


def test_body_setter_discards_formatting(calendar, namespace):
    item = calendar.Items.Add(C.olAppointmentItem)
    item.Subject = "wipe"
    item.RTFBody = BOLD_RTF
    item.Save()
    item.Body = "Plain bold words end"
    item.Save()
    again = namespace.GetItemFromID(item.EntryID, calendar.StoreID)
    assert b"\\b " not in again.RTFBody and b"\\b\\" not in again.RTFBody
    assert again.Body.startswith("Plain bold words end")
