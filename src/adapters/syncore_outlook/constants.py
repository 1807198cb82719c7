"""Outlook object-model constants, named exactly as in the Outlook type library.

The adapter must not depend on makepy-generated ``win32com.client.constants`` (reference §1), so the few
numbers it needs live here. Values come from the ``Ol*`` enumerations in the Outlook VBA reference
(``MicrosoftDocs/VBA-Docs`` ``api/Outlook.Ol*.md``).
"""

from __future__ import annotations

from datetime import datetime

# OlDefaultFolders
olFolderDeletedItems = 3
olFolderCalendar = 9
olFolderContacts = 10
olFolderTasks = 13

# OlItemType (CreateItem, Items.Add, Folder.DefaultItemType)
olMailItem = 0
olAppointmentItem = 1
olContactItem = 2
olTaskItem = 3

# OlObjectClass (item.Class) for the item kinds syncore touches
olAppointment = 26
olContact = 40
olTask = 48

# OlBusyStatus
olFree = 0
olTentative = 1
olBusy = 2
olOutOfOffice = 3
olWorkingElsewhere = 4

# OlSensitivity
olNormal = 0
olPersonal = 1
olPrivate = 2
olConfidential = 3

# OlImportance
olImportanceLow = 0
olImportanceNormal = 1
olImportanceHigh = 2

# OlMeetingStatus
olNonMeeting = 0
olMeeting = 1
olMeetingReceived = 3
olMeetingCanceled = 5
olMeetingReceivedAndCanceled = 7

# OlMeetingRecipientType: https://learn.microsoft.com/en-us/office/vba/api/outlook.olmeetingrecipienttype
olOrganizer = 0
olRequired = 1
olOptional = 2
olResource = 3

# OlAddressEntryUserType: https://learn.microsoft.com/en-us/office/vba/api/outlook.oladdressentryusertype
olExchangeUserAddressEntry = 0
olExchangeRemoteUserAddressEntry = 5
olSmtpAddressEntry = 30

# OlRecurrenceState
olApptNotRecurring = 0
olApptMaster = 1
olApptOccurrence = 2
olApptException = 3

# OlRecurrenceType. Yearly patterns express Interval in months (reference §8).
olRecursDaily = 0
olRecursWeekly = 1
olRecursMonthly = 2
olRecursMonthNth = 3
olRecursYearly = 5
olRecursYearNth = 6

# OlDaysOfWeek (RecurrencePattern.DayOfWeekMask bits)
olSunday = 1
olMonday = 2
olTuesday = 4
olWednesday = 8
olThursday = 16
olFriday = 32
olSaturday = 64

# OlTaskStatus
olTaskNotStarted = 0
olTaskInProgress = 1
olTaskComplete = 2
olTaskWaiting = 3
olTaskDeferred = 4

# OlUserPropertyType
olOutlookInternal = 0
olText = 1
olNumber = 3
olDateTime = 5
olYesNo = 6
olDuration = 7
olKeywords = 11
olPercent = 12
olCurrency = 14
olFormula = 18
olCombination = 19
olInteger = 20

# OlTableContents (Folder.GetTable)
olUserItems = 0
olHiddenItems = 1

# Message classes
MESSAGE_CLASS_APPOINTMENT = "IPM.Appointment"
MESSAGE_CLASS_CONTACT = "IPM.Contact"
MESSAGE_CLASS_TASK = "IPM.Task"

#: Outlook's "no date" value for Birthday, Anniversary, DueDate, DateCompleted, ... (reference §2.4).
#: Naive here; through pywin32 it arrives as this wall time labelled UTC.
OUTLOOK_DATE_NONE = datetime(4501, 1, 1)

# HRESULTs. pywin32 raises ``pywintypes.com_error(hresult, strerror, excepinfo, argerror)``; for errors raised
# by Outlook itself ``hresult`` is DISP_E_EXCEPTION and the real code is ``excepinfo[5]`` (the scode).
DISP_E_EXCEPTION = -2147352567  # 0x80020009
E_INVALIDARG = -2147024809  # 0x80070057
E_FAIL = -2147467259  # 0x80004005
MAPI_E_NOT_SUPPORTED = -2147221246  # 0x80040102: Object Model Guard "deny" (reference §7)
MAPI_E_NOT_FOUND = -2147221233  # 0x8004010F: unknown EntryID / property
MAPI_E_OBJECT_DELETED = -2147221238  # 0x8004010A: item moved or deleted (unverified for OOM)
RPC_E_CALL_REJECTED = -2147418111  # 0x80010001: Outlook busy / modal dialog (reference §9.2, unverified)

# DASL property names used for fast scans (reference §5).
PR_ENTRYID = "http://schemas.microsoft.com/mapi/proptag/0x0FFF0102"
PR_LONGTERM_ENTRYID_FROM_TABLE = "http://schemas.microsoft.com/mapi/proptag/0x66700102"
PR_LAST_MODIFICATION_TIME = "http://schemas.microsoft.com/mapi/proptag/0x30080040"
PR_CREATION_TIME = "http://schemas.microsoft.com/mapi/proptag/0x30070040"
PR_MESSAGE_CLASS = "http://schemas.microsoft.com/mapi/proptag/0x001A001F"
PR_MESSAGE_CLASS_A = "http://schemas.microsoft.com/mapi/proptag/0x001A001E"
PR_SUBJECT = "http://schemas.microsoft.com/mapi/proptag/0x0037001F"
PR_BODY = "http://schemas.microsoft.com/mapi/proptag/0x1000001F"
PID_GLOBAL_OBJECT_ID = "http://schemas.microsoft.com/mapi/id/{6ED8DA90-450B-101B-98DA-00AA003F1305}/00030102"
PID_EMAIL1_SMTP = "http://schemas.microsoft.com/mapi/id/{00062004-0000-0000-C000-000000000046}/8084001F"
DASL_DTSTART = "urn:schemas:calendar:dtstart"
DASL_DTEND = "urn:schemas:calendar:dtend"
DASL_GETLASTMODIFIED = "DAV:getlastmodified"
DASL_KEYWORDS = "urn:schemas-microsoft-com:office:office#Keywords"
#: Prefix of PS_PUBLIC_STRINGS named properties; user properties live here (reference §5, §6).
PS_PUBLIC_STRINGS = "http://schemas.microsoft.com/mapi/string/{00020329-0000-0000-C000-000000000046}/"
#: Type suffix for a PT_UNICODE named property not defined in the folder.
PT_UNICODE_SUFFIX = "/0000001f"
