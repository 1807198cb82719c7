"""Fidelity, raw SOAP: recurring series (issue 14). Masters, occurrences and exceptions; expansion in a CalendarView;
occurrence ids, OccurrenceItemId and RecurringMasterItemId; ModifiedOccurrences and DeletedOccurrences; what
SyncFolderItems reports; the documented refusals.

Requests are Microsoft's documented samples (or built exactly like them) sent with ``requests``, never through
exchangelib or our adapter. Each test cites the page its behaviour comes from; "…/" is
https://learn.microsoft.com/en-us/exchange/client-developer/.
"""

from __future__ import annotations

import pytest

PACIFIC = ('<t:RequestServerVersion Version="Exchange2010" /><t:TimeZoneContext>'
           '<t:TimeZoneDefinition Id="Pacific Standard Time" /></t:TimeZoneContext>')
EASTERN = ('<t:RequestServerVersion Version="Exchange2007_SP1" /><t:TimeZoneContext>'
           '<t:TimeZoneDefinition Id="Eastern Standard Time" /></t:TimeZoneContext>')
MASTER_SHAPE = ("<m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>"
                '<t:FieldURI FieldURI="item:Subject" /><t:FieldURI FieldURI="calendar:CalendarItemType" />'
                '<t:FieldURI FieldURI="calendar:Recurrence" /><t:FieldURI FieldURI="calendar:FirstOccurrence" />'
                '<t:FieldURI FieldURI="calendar:LastOccurrence" />'
                '<t:FieldURI FieldURI="calendar:ModifiedOccurrences" />'
                '<t:FieldURI FieldURI="calendar:DeletedOccurrences" /></t:AdditionalProperties></m:ItemShape>')
VIEW_SHAPE = ("<m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>"
              '<t:FieldURI FieldURI="item:Subject" /><t:FieldURI FieldURI="calendar:Location" />'
              '<t:FieldURI FieldURI="calendar:Start" /><t:FieldURI FieldURI="calendar:End" />'
              '<t:FieldURI FieldURI="calendar:CalendarItemType" /></t:AdditionalProperties></m:ItemShape>')

# …/exchange-web-services/how-to-create-a-recurring-series-by-using-ews-in-exchange (the CreateItem request; the
# header's full Pacific TimeZoneDefinition shortened to its Id, attendees left out: no invitations here)
WEEKLY_UPDATE = (
    '<m:CreateItem SendMeetingInvitations="SendToNone"><m:Items><t:CalendarItem>'
    "<t:Subject>Weekly Update Meeting</t:Subject>"
    '<t:Body BodyType="HTML">Come hear about how the Organized Observational Paradigm SkyNet project is coming '
    "along!</t:Body><t:ReminderMinutesBeforeStart>30</t:ReminderMinutesBeforeStart>"
    "<t:Start>2014-03-08T13:21:32.868-08:00</t:Start><t:End>2014-03-08T14:21:32.868-08:00</t:End>"
    "<t:Location>Contoso Main Gallery</t:Location>"
    "<t:Recurrence><t:WeeklyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Saturday</t:DaysOfWeek>"
    "</t:WeeklyRecurrence><t:NumberedRecurrence><t:StartDate>2014-03-08-08:00</t:StartDate>"
    "<t:NumberOfOccurrences>10</t:NumberOfOccurrences></t:NumberedRecurrence></t:Recurrence>"
    "</t:CalendarItem></m:Items></m:CreateItem>")

# …/exchange-web-services/recurrence-patterns-and-ews: "Swim Team Practice … every Wednesday morning at 8:30 AM,
# starting July 2, with the last practice being on August 6" (table 4), in Pacific time as the page's requests
SWIM_TEAM = (
    '<m:CreateItem SendMeetingInvitations="SendToNone"><m:Items><t:CalendarItem>'
    "<t:Subject>Swim Team Practice</t:Subject><t:Start>2014-07-02T08:30:00</t:Start>"
    "<t:End>2014-07-02T10:00:00</t:End><t:Location>Neighborhood Swimming Pool</t:Location>"
    "<t:Recurrence><t:WeeklyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Wednesday</t:DaysOfWeek>"
    "</t:WeeklyRecurrence><t:EndDateRecurrence><t:StartDate>2014-07-02</t:StartDate>"
    "<t:EndDate>2014-08-06</t:EndDate></t:EndDateRecurrence></t:Recurrence>"
    "</t:CalendarItem></m:Items></m:CreateItem>")


def _ok(soap, root, reply) -> None:
    assert reply.status_code == 200, reply.text
    codes = [e.text for e in soap.findall(root, ".//m:ResponseCode")]
    assert codes and set(codes) == {"NoError"}, reply.text


def _create(soap, body: str, header: str = PACIFIC) -> str:
    reply, root = soap.post(body, header=header)
    _ok(soap, root, reply)
    return soap.find(root, ".//t:ItemId").get("Id")


def _get(soap, ids: str, shape: str = MASTER_SHAPE):
    reply, root = soap.post(f"<m:GetItem>{shape}<m:ItemIds>{ids}</m:ItemIds></m:GetItem>")
    assert reply.status_code == 200, reply.text
    return root


def _calendar_view(soap, start: str, end: str, header: str = PACIFIC):
    reply, root = soap.post(f'<m:FindItem Traversal="Shallow">{VIEW_SHAPE}<m:CalendarView StartDate="{start}" '
                            f'EndDate="{end}" /><m:ParentFolderIds><t:DistinguishedFolderId Id="calendar" />'
                            "</m:ParentFolderIds></m:FindItem>", header=header)
    _ok(soap, root, reply)
    return root


def _items(soap, root) -> list[tuple[str, str, str]]:
    return [(soap.text(i, "t:CalendarItemType"), soap.text(i, "t:Subject"), soap.text(i, "t:Start"))
            for i in soap.findall(root, ".//t:Items/t:CalendarItem")]


def _code(soap, root) -> str:
    return soap.text(root, ".//m:ResponseCode")


def test_a_new_series_is_one_recurring_master_with_first_and_last_occurrence(soap):
    # …/how-to-create-a-recurring-series-by-using-ews-in-exchange: the GetItem answer for the series created above.
    # The occurrences start at the master's time in whole minutes (13:21:32.868 → 21:21:00Z) and stay at 13:21
    # Pacific across the DST change of 9 March 2014 (the last one, 10 May, is 20:21Z).
    master = _create(soap, WEEKLY_UPDATE)
    root = _get(soap, f'<t:ItemId Id="{master}" />')
    assert soap.text(root, ".//t:CalendarItemType") == "RecurringMaster"
    assert soap.text(root, ".//t:NumberedRecurrence/t:StartDate") == "2014-03-08-08:00"
    assert soap.text(root, ".//t:NumberedRecurrence/t:NumberOfOccurrences") == "10"
    assert soap.text(root, ".//t:WeeklyRecurrence/t:DaysOfWeek") == "Saturday"
    first, last = soap.find(root, ".//t:FirstOccurrence"), soap.find(root, ".//t:LastOccurrence")
    assert (soap.text(first, "t:Start"), soap.text(first, "t:End"), soap.text(first, "t:OriginalStart")) == (
        "2014-03-08T21:21:00Z", "2014-03-08T22:21:00Z", "2014-03-08T21:21:00Z")
    assert (soap.text(last, "t:Start"), soap.text(last, "t:End")) == ("2014-05-10T20:21:00Z", "2014-05-10T21:21:00Z")
    # no exceptions yet: the NonEmptyArray elements are absent
    assert soap.find(root, ".//t:ModifiedOccurrences") is None and soap.find(root, ".//t:DeletedOccurrences") is None


def test_a_calendar_view_expands_the_series_and_a_paged_view_lists_the_master(soap):
    # …/recurrence-patterns-and-ews, "Expanded vs. non-expanded views": the CalendarView of July 2014 answers five
    # Occurrence items (15:30Z every Wednesday) and no master; the IndexedPageItemView answers the master only.
    _create(soap, SWIM_TEAM)
    root = _calendar_view(soap, "2014-07-01T07:00:00.000Z", "2014-07-31T07:00:00.000Z")
    assert _items(soap, root) == [("Occurrence", "Swim Team Practice", f"2014-07-{d:02d}T15:30:00Z")
                                  for d in (2, 9, 16, 23, 30)]
    assert soap.find(root, ".//m:RootFolder").get("TotalItemsInView") == "5"
    reply, paged = soap.post(f'<m:FindItem Traversal="Shallow">{VIEW_SHAPE}<m:IndexedPageItemView '
                             'MaxEntriesReturned="100" Offset="0" BasePoint="Beginning" /><m:ParentFolderIds>'
                             '<t:DistinguishedFolderId Id="calendar" /></m:ParentFolderIds></m:FindItem>',
                             header=PACIFIC)
    _ok(soap, paged, reply)
    assert _items(soap, paged) == [("RecurringMaster", "Swim Team Practice", "2014-07-02T15:30:00Z")]


def test_an_occurrence_is_answered_by_its_index_and_by_its_own_id(soap):
    # …/how-to-access-a-recurring-series-by-using-ews-in-exchange: GetItem with an OccurrenceItemId (the master's
    # id and the occurrence's index, 1 for the first); the occurrence's ItemId names it too.
    master = _create(soap, SWIM_TEAM)
    first = _get(soap, f'<t:OccurrenceItemId RecurringMasterId="{master}" InstanceIndex="1" />',
                 shape=VIEW_SHAPE)
    assert (soap.text(first, ".//t:CalendarItemType"), soap.text(first, ".//t:Start")) == (
        "Occurrence", "2014-07-02T15:30:00Z")
    third_id = soap.find(_get(soap, f'<t:OccurrenceItemId RecurringMasterId="{master}" InstanceIndex="3" />',
                              shape=VIEW_SHAPE), ".//t:ItemId").get("Id")
    again = _get(soap, f'<t:ItemId Id="{third_id}" />', shape=VIEW_SHAPE)
    assert soap.text(again, ".//t:Start") == "2014-07-16T15:30:00Z"
    # …/web-service-reference/recurringmasteritemid: the master of an occurrence
    back = _get(soap, f'<t:RecurringMasterItemId OccurrenceId="{third_id}" />', shape=VIEW_SHAPE)
    assert soap.find(back, ".//t:ItemId").get("Id") == master
    assert soap.text(back, ".//t:CalendarItemType") == "RecurringMaster"


def test_updating_an_occurrence_makes_an_exception_listed_on_the_master(soap):
    # …/how-to-update-a-recurring-series-by-using-ews: UpdateItem on the occurrence's ItemId (the sample's Location,
    # Start, End and Subject); "that occurrence is added to an array of modified appointments associated with the
    # recurring master". …/occurrenceitemid: the master's ChangeKey changes with it and is the occurrence's.
    master = _create(soap, SWIM_TEAM)
    before = soap.find(_get(soap, f'<t:ItemId Id="{master}" />'), ".//t:ItemId").get("ChangeKey")
    occurrence = soap.find(_get(soap, f'<t:OccurrenceItemId RecurringMasterId="{master}" InstanceIndex="2" />',
                                shape=VIEW_SHAPE), ".//t:ItemId").get("Id")
    reply, root = soap.post(
        '<m:UpdateItem ConflictResolution="AlwaysOverwrite" SendMeetingInvitationsOrCancellations="SendToNone">'
        f'<m:ItemChanges><t:ItemChange><t:ItemId Id="{occurrence}" /><t:Updates>'
        '<t:SetItemField><t:FieldURI FieldURI="calendar:Location" /><t:CalendarItem>'
        "<t:Location>Helipad of Contoso Bldg 1</t:Location></t:CalendarItem></t:SetItemField>"
        '<t:SetItemField><t:FieldURI FieldURI="calendar:Start" /><t:CalendarItem>'
        "<t:Start>2014-07-10T19:33:00.000-07:00</t:Start></t:CalendarItem></t:SetItemField>"
        '<t:SetItemField><t:FieldURI FieldURI="calendar:End" /><t:CalendarItem>'
        "<t:End>2014-07-10T20:33:00.000-07:00</t:End></t:CalendarItem></t:SetItemField>"
        '<t:SetItemField><t:FieldURI FieldURI="item:Subject" /><t:CalendarItem>'
        "<t:Subject>Weekly Update Meeting:Mandatory</t:Subject></t:CalendarItem></t:SetItemField>"
        "</t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>")
    _ok(soap, root, reply)
    new_key = soap.find(root, ".//t:ItemId").get("ChangeKey")
    got = _get(soap, f'<t:ItemId Id="{master}" />')
    assert soap.find(got, ".//t:ItemId").get("ChangeKey") == new_key != before
    [info] = soap.findall(got, ".//t:ModifiedOccurrences/t:Occurrence")
    assert (soap.find(info, "t:ItemId").get("Id"), soap.text(info, "t:Start"), soap.text(info, "t:End"),
            soap.text(info, "t:OriginalStart")) == (
        occurrence, "2014-07-11T02:33:00Z", "2014-07-11T03:33:00Z", "2014-07-09T15:30:00Z")
    exception = _get(soap, f'<t:ItemId Id="{occurrence}" />', shape=VIEW_SHAPE)
    assert (soap.text(exception, ".//t:CalendarItemType"), soap.text(exception, ".//t:Subject"),
            soap.text(exception, ".//t:Location")) == (
        "Exception", "Weekly Update Meeting:Mandatory", "Helipad of Contoso Bldg 1")
    # the other occurrences are untouched
    view = _calendar_view(soap, "2014-07-01T07:00:00.000Z", "2014-07-31T07:00:00.000Z")
    assert [t for t, _, _ in _items(soap, view)] == ["Occurrence", "Exception", "Occurrence", "Occurrence",
                                                      "Occurrence"]


def test_deleting_an_occurrence_by_index_or_by_id_lists_it_as_deleted(soap):
    # …/how-to-delete-appointments-in-a-recurring-series-by-using-ews-in-exchange: DeleteItem with an
    # OccurrenceItemId (InstanceIndex 3); "you can get the same result by replacing the OccurrenceItemId element
    # with an ItemId element that contains the item ID of the occurrence".
    master = _create(soap, SWIM_TEAM, header=EASTERN)
    reply, root = soap.post('<m:DeleteItem DeleteType="MoveToDeletedItems" SendMeetingCancellations="SendToNone">'
                            f'<m:ItemIds><t:OccurrenceItemId RecurringMasterId="{master}" InstanceIndex="3" />'
                            "</m:ItemIds></m:DeleteItem>", header=EASTERN)
    _ok(soap, root, reply)
    fourth = soap.find(_get(soap, f'<t:OccurrenceItemId RecurringMasterId="{master}" InstanceIndex="4" />',
                            shape=VIEW_SHAPE), ".//t:ItemId").get("Id")
    reply, root = soap.post('<m:DeleteItem DeleteType="HardDelete" SendMeetingCancellations="SendToNone">'
                            f'<m:ItemIds><t:ItemId Id="{fourth}" /></m:ItemIds></m:DeleteItem>')
    _ok(soap, root, reply)
    got = _get(soap, f'<t:ItemId Id="{master}" />')
    assert [soap.text(d, "t:Start") for d in soap.findall(got, ".//t:DeletedOccurrences/t:DeletedOccurrence")] == [
        "2014-07-16T12:30:00Z", "2014-07-23T12:30:00Z"]  # 08:30 Eastern (EDT)
    view = _calendar_view(soap, "2014-07-01T04:00:00.000Z", "2014-08-01T04:00:00.000Z")
    assert [s for _, _, s in _items(soap, view)] == ["2014-07-02T12:30:00Z", "2014-07-09T12:30:00Z",
                                                     "2014-07-30T12:30:00Z"]
    # the master itself is still there: only the occurrences went
    assert soap.text(got, ".//t:CalendarItemType") == "RecurringMaster"


def test_occurrence_references_that_exchange_refuses(soap):
    # …/web-service-reference/responsecode
    master = _create(soap, SWIM_TEAM)  # six occurrences
    single = _create(soap, '<m:CreateItem SendMeetingInvitations="SendToNone"><m:Items><t:CalendarItem>'
                           "<t:Subject>Once</t:Subject><t:Start>2014-07-03T08:30:00</t:Start>"
                           "<t:End>2014-07-03T09:00:00</t:End></t:CalendarItem></m:Items></m:CreateItem>")
    # "if your recurrence pattern defines a set of three meeting occurrences and you try to access the fifth"
    assert _code(soap, _get(soap, f'<t:OccurrenceItemId RecurringMasterId="{master}" InstanceIndex="7" />')) == \
        "ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange"
    # "the ID that was specified is not an ID of any recurring master item"
    assert _code(soap, _get(soap, f'<t:OccurrenceItemId RecurringMasterId="{single}" InstanceIndex="1" />')) == \
        "ErrorCalendarCannotUseIdForRecurringMasterId"
    # "the ID that was specified is not an occurrence ID of any recurring calendar item"
    assert _code(soap, _get(soap, f'<t:RecurringMasterItemId OccurrenceId="{single}" />')) == \
        "ErrorCalendarCannotUseIdForOccurrenceId"
    # "any operation on a deleted occurrence (addressed via recurring master ID and occurrence index) is invalid"
    soap.post('<m:DeleteItem DeleteType="HardDelete" SendMeetingCancellations="SendToNone"><m:ItemIds>'
              f'<t:OccurrenceItemId RecurringMasterId="{master}" InstanceIndex="2" /></m:ItemIds></m:DeleteItem>')
    assert _code(soap, _get(soap, f'<t:OccurrenceItemId RecurringMasterId="{master}" InstanceIndex="2" />')) == \
        "ErrorCalendarOccurrenceIsDeletedFromRecurrence"


def test_an_occurrence_cannot_be_moved_past_its_neighbours(soap):
    # …/responsecode ErrorOccurrenceCrossingBoundary: "the Start or End time of an occurrence is updated so that the
    # occurrence is scheduled to happen earlier or later than the corresponding previous or next occurrence"
    master = _create(soap, SWIM_TEAM)
    _reply, root = soap.post(
        '<m:UpdateItem ConflictResolution="AlwaysOverwrite" SendMeetingInvitationsOrCancellations="SendToNone">'
        f'<m:ItemChanges><t:ItemChange><t:OccurrenceItemId RecurringMasterId="{master}" InstanceIndex="2" />'
        '<t:Updates><t:SetItemField><t:FieldURI FieldURI="calendar:Start" /><t:CalendarItem>'
        "<t:Start>2014-07-17T08:30:00-07:00</t:Start></t:CalendarItem></t:SetItemField>"
        '<t:SetItemField><t:FieldURI FieldURI="calendar:End" /><t:CalendarItem>'
        "<t:End>2014-07-17T10:00:00-07:00</t:End></t:CalendarItem></t:SetItemField>"
        "</t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>")
    assert _code(soap, root) == "ErrorOccurrenceCrossingBoundary"
    assert soap.find(_get(soap, f'<t:ItemId Id="{master}" />'), ".//t:ModifiedOccurrences") is None


@pytest.mark.parametrize("pattern, range_, code", [
    # …/responsecode ErrorCalendarInvalidDayForWeeklyRecurrence: "invalid values of Day, WeekDay, and WeekendDay are
    # used to specify the weekly recurrence"
    ("<t:WeeklyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Weekday</t:DaysOfWeek></t:WeeklyRecurrence>",
     "<t:NoEndRecurrence><t:StartDate>2014-07-02</t:StartDate></t:NoEndRecurrence>",
     "ErrorCalendarInvalidDayForWeeklyRecurrence"),
    # …/responsecode ErrorRecurrenceHasNoOccurrence: "the specified recurrence does not have any occurrence
    # instances in the specified range"
    ("<t:DailyRecurrence><t:Interval>1</t:Interval></t:DailyRecurrence>",
     ("<t:EndDateRecurrence><t:StartDate>2014-07-02</t:StartDate><t:EndDate>2014-07-01</t:EndDate>"
     "</t:EndDateRecurrence>"), "ErrorRecurrenceHasNoOccurrence"),
    # …/responsecode ErrorCalendarOutOfRange: "when the property value is out of range"
    (("<t:AbsoluteMonthlyRecurrence><t:Interval>1</t:Interval><t:DayOfMonth>32</t:DayOfMonth>"
     "</t:AbsoluteMonthlyRecurrence>"), "<t:NoEndRecurrence><t:StartDate>2014-07-02</t:StartDate></t:NoEndRecurrence>",
     "ErrorCalendarOutOfRange"),
    # …/responsecode ErrorRecurrenceEndDateTooBig: "the end date for the recurrence is after 9/1/4500"
    ("<t:DailyRecurrence><t:Interval>1</t:Interval></t:DailyRecurrence>",
     ("<t:EndDateRecurrence><t:StartDate>2014-07-02</t:StartDate><t:EndDate>4600-01-01</t:EndDate>"
     "</t:EndDateRecurrence>"), "ErrorRecurrenceEndDateTooBig"),
])
def test_recurrences_exchange_refuses(soap, pattern, range_, code):
    reply, root = soap.post('<m:CreateItem SendMeetingInvitations="SendToNone"><m:Items><t:CalendarItem>'
                            "<t:Subject>Bad</t:Subject><t:Start>2014-07-02T08:30:00</t:Start>"
                            f"<t:End>2014-07-02T09:00:00</t:End><t:Recurrence>{pattern}{range_}</t:Recurrence>"
                            "</t:CalendarItem></m:Items></m:CreateItem>", header=PACIFIC)
    assert reply.status_code == 200 and _code(soap, root) == code
    assert soap.emu.items("calendar") == []


@pytest.mark.parametrize("pattern, start, expected", [
    # …/web-service-reference/dayofmonth: "If for a particular month this value is larger than the number of days in
    # the month, the last day of the month is assumed"
    (("<t:AbsoluteMonthlyRecurrence><t:Interval>1</t:Interval><t:DayOfMonth>31</t:DayOfMonth>"
     "</t:AbsoluteMonthlyRecurrence>"), "2014-01-31", ["2014-01-31", "2014-02-28", "2014-03-31", "2014-04-30"]),
    # …/web-service-reference/relativemonthlyrecurrence, DaysOfWeek "Weekday" and DayOfWeekIndex "First"
    (("<t:RelativeMonthlyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Weekday</t:DaysOfWeek>"
     "<t:DayOfWeekIndex>First</t:DayOfWeekIndex></t:RelativeMonthlyRecurrence>"), "2014-02-01",
     ["2014-02-03", "2014-03-03", "2014-04-01", "2014-05-01"]),
    # DayOfWeekIndex "Last" Friday, every other month
    (("<t:RelativeMonthlyRecurrence><t:Interval>2</t:Interval><t:DaysOfWeek>Friday</t:DaysOfWeek>"
     "<t:DayOfWeekIndex>Last</t:DayOfWeekIndex></t:RelativeMonthlyRecurrence>"), "2014-01-01",
     ["2014-01-31", "2014-03-28", "2014-05-30", "2014-07-25"]),
    # …/web-service-reference/absoluteyearlyrecurrence and relativeyearlyrecurrence
    (("<t:AbsoluteYearlyRecurrence><t:DayOfMonth>29</t:DayOfMonth><t:Month>February</t:Month>"
     "</t:AbsoluteYearlyRecurrence>"), "2015-01-01", ["2015-02-28", "2016-02-29", "2017-02-28", "2018-02-28"]),
    (("<t:RelativeYearlyRecurrence><t:DaysOfWeek>Monday</t:DaysOfWeek><t:DayOfWeekIndex>First</t:DayOfWeekIndex>"
     "<t:Month>August</t:Month></t:RelativeYearlyRecurrence>"), "2014-01-01",
     ["2014-08-04", "2015-08-03", "2016-08-01", "2017-08-07"]),
    # …/web-service-reference/weeklyrecurrence: several days, every other week, weeks starting on Monday
    (("<t:WeeklyRecurrence><t:Interval>2</t:Interval><t:DaysOfWeek>Tuesday Thursday</t:DaysOfWeek>"
     "<t:FirstDayOfWeek>Monday</t:FirstDayOfWeek></t:WeeklyRecurrence>"), "2014-07-03",
     ["2014-07-03", "2014-07-15", "2014-07-17", "2014-07-29"]),
])
def test_patterns_give_the_documented_dates(soap, pattern, start, expected):
    master = _create(soap, '<m:CreateItem SendMeetingInvitations="SendToNone"><m:Items><t:CalendarItem>'
                           f"<t:Subject>P</t:Subject><t:Start>{start}T09:00:00Z</t:Start>"
                           f"<t:End>{start}T10:00:00Z</t:End><t:Recurrence>{pattern}<t:NumberedRecurrence>"
                           f"<t:StartDate>{start}</t:StartDate><t:NumberOfOccurrences>4</t:NumberOfOccurrences>"
                           "</t:NumberedRecurrence></t:Recurrence></t:CalendarItem></m:Items></m:CreateItem>",
                     header='<t:RequestServerVersion Version="Exchange2016"/>')
    days = []
    for index in range(1, 5):
        got = _get(soap, f'<t:OccurrenceItemId RecurringMasterId="{master}" InstanceIndex="{index}" />',
                   shape=VIEW_SHAPE)
        days.append(soap.text(got, ".//t:Start")[:10])
    assert days == expected


def test_a_new_pattern_on_the_master_moves_every_occurrence(soap):
    # …/how-to-update-a-recurring-series-by-using-ews-in-exchange: UpdateItem on the master sets a new Recurrence
    # (the sample's weekly Tuesday pattern with an EndDateRecurrence); "the recurrence pattern is reevaluated"
    master = _create(soap, SWIM_TEAM)
    key = soap.find(_get(soap, f'<t:ItemId Id="{master}" />'), ".//t:ItemId").get("ChangeKey")
    reply, root = soap.post(
        '<m:UpdateItem MessageDisposition="SaveOnly" ConflictResolution="AutoResolve" '
        'SendMeetingInvitationsOrCancellations="SendToNone"><m:ItemChanges><t:ItemChange>'
        f'<t:ItemId Id="{master}" ChangeKey="{key}" /><t:Updates><t:SetItemField>'
        '<t:FieldURI FieldURI="calendar:Recurrence" /><t:CalendarItem><t:Recurrence><t:WeeklyRecurrence>'
        "<t:Interval>1</t:Interval><t:DaysOfWeek>Tuesday</t:DaysOfWeek></t:WeeklyRecurrence>"
        "<t:EndDateRecurrence><t:StartDate>2014-07-01</t:StartDate><t:EndDate>2014-07-22-04:00</t:EndDate>"
        "</t:EndDateRecurrence></t:Recurrence></t:CalendarItem></t:SetItemField>"
        "</t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>", header=PACIFIC)
    _ok(soap, root, reply)
    view = _calendar_view(soap, "2014-07-01T07:00:00.000Z", "2014-08-01T07:00:00.000Z")
    assert [s for _, _, s in _items(soap, view)] == [f"2014-07-{d:02d}T15:30:00Z" for d in (1, 8, 15, 22)]


def test_sync_folder_items_reports_the_master_and_an_occurrence_edit_as_its_update(soap):
    # …/exchange-web-services/recurrence-patterns-and-ews: occurrences "are not permanently stored on the server";
    # …/previous-versions bb425990 (SyncFolderItems): "Recurring master calendar items, not recurring calendar
    # occurrences, are returned". An occurrence written changes its master (…/occurrenceitemid: "If either the
    # recurring master or any of its occurrences change, the ChangeKey changes").
    def sync(state: str | None):
        reply, root = soap.post(
            "<m:SyncFolderItems><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>"
            '<t:FieldURI FieldURI="calendar:CalendarItemType" /></t:AdditionalProperties></m:ItemShape>'
            '<m:SyncFolderId><t:DistinguishedFolderId Id="calendar" /></m:SyncFolderId>'
            + (f"<m:SyncState>{state}</m:SyncState>" if state else "")
            + "<m:MaxChangesReturned>512</m:MaxChangesReturned></m:SyncFolderItems>")
        _ok(soap, root, reply)
        changes = [(c.tag.rsplit("}", 1)[1], soap.text(c, ".//t:CalendarItemType"), soap.find(c, ".//t:ItemId").get("Id"))
                   for c in soap.find(root, ".//m:Changes")]
        return changes, soap.text(root, ".//m:SyncState")

    master = _create(soap, SWIM_TEAM)
    changes, state = sync(None)
    assert changes == [("Create", "RecurringMaster", master)]
    reply, root = soap.post('<m:DeleteItem DeleteType="HardDelete" SendMeetingCancellations="SendToNone">'
                            f'<m:ItemIds><t:OccurrenceItemId RecurringMasterId="{master}" InstanceIndex="1" />'
                            "</m:ItemIds></m:DeleteItem>")
    _ok(soap, root, reply)
    changes, _ = sync(state)
    assert changes == [("Update", "RecurringMaster", master)]
