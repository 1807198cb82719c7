"""Contract: UserProperties and PropertyAccessor (§6, §12.13)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from syncore_outlook import constants as C


def test_find_returns_none_when_absent(contacts):
    item = contacts.Items.Add(C.olContactItem)
    assert item.UserProperties.Find("SalesforceId") is None


def test_value_round_trip_and_public_strings_dasl(contacts, namespace):
    item = contacts.Items.Add(C.olContactItem)
    item.LastName = "Props"
    prop = item.UserProperties.Add("SalesforceId", C.olText, True)
    prop.Value = "003000000000042"
    item.Save()
    again = namespace.GetItemFromID(item.EntryID, contacts.StoreID)
    found = again.UserProperties.Find("SalesforceId")
    assert found is not None
    assert found.Value == "003000000000042"
    assert found.Type == C.olText
    # Same MAPI named property as EWS PublicStrings/SalesforceId.
    assert again.PropertyAccessor.GetProperty(C.PS_PUBLIC_STRINGS + "SalesforceId") == "003000000000042"
    assert contacts.UserDefinedProperties.Find("SalesforceId") is not None


@pytest.mark.parametrize("name", ["Has_Underscore", "Has#Hash", "[Bracket]", "x" * 65])
def test_invalid_names_rejected(contacts, com_error, name):
    item = contacts.Items.Add(C.olContactItem)
    with pytest.raises(com_error):
        item.UserProperties.Add(name, C.olText, True)


def test_name_of_64_characters_accepted(contacts):
    item = contacts.Items.Add(C.olContactItem)
    prop = item.UserProperties.Add("y" * 64, C.olText, False)
    assert prop.Name == "y" * 64


def test_property_accessor_dasl_last_modification_is_utc(calendar, local_zone):
    item = calendar.Items.Add(C.olAppointmentItem)
    item.Subject = "pa"
    item.Save()
    utc = item.PropertyAccessor.GetProperty(C.PR_LAST_MODIFICATION_TIME)
    local_labelled = item.LastModificationTime  # local wall clock labelled UTC (pywin32 trap)
    assert utc.utcoffset() == timedelta(0)
    local_wall = utc.astimezone(local_zone).replace(tzinfo=None)
    assert abs(local_labelled.replace(tzinfo=None) - local_wall) < timedelta(seconds=1)
