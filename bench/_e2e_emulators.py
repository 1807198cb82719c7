"""The emulators in a process of their own, for the end-to-end benchmark (``bench/e2e.py``).

    python -m bench._e2e_emulators --contacts N --events N

Starts the EWS and the Salesforce emulator (this tree's) on 127.0.0.1, puts N contacts and N timed events in
the mailbox as another Exchange client would (Salesforce empty), prints one JSON line with what a client needs
to reach them, then answers commands read from stdin, one per line, each with one JSON line:

* ``cpu``: this process's CPU seconds so far (every thread: both servers);
* ``counts``: the requests each emulator served since the last ``counts``, by operation;
* ``next_minute``: wait (in real time) until the Salesforce emulator's clock is past the next whole minute;
* ``quit``: stop both emulators and exit.

Both clocks run in real time (nothing here freezes or advances them).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime, timedelta

from bench._common import use_source_adapters

use_source_adapters()

from syncore_exchange.emulator import EwsEmulator
from syncore_salesforce.emulator import SalesforceEmulator

MAILBOX = "user@example.com"


def contact_fields(i: int) -> dict:
    return {
        "GivenName": f"First{i}", "Surname": f"Last{i}", "JobTitle": "Account Executive",
        "CompanyName": f"Company {i % 500}", "Department": "Sales",
        "EmailAddresses": {"EmailAddress1": f"user{i}@example{i % 97}.com"},
        "PhoneNumbers": {"BusinessPhone": f"+1 555 {i:07d}", "MobilePhone": f"+1 556 {i:07d}"},
        "PhysicalAddresses": {"Business": {"Street": f"{i} Main Street", "City": "Berlin", "PostalCode": "10115",
                                           "CountryOrRegion": "Germany"}},
    }


def event_fields(i: int, today: datetime) -> dict:
    start = today + timedelta(days=1 + i % 300, hours=8 + i % 9)
    return {
        "Subject": f"Meeting {i} with Company {i % 500}", "Start": start, "End": start + timedelta(minutes=45),
        "Location": f"Room {i % 40}", "LegacyFreeBusyStatus": "Busy", "Body": ("Text", f"Agenda for meeting {i}."),
        "ReminderIsSet": True, "ReminderMinutesBeforeStart": 15,
        "StartTimeZone": "W. Europe Standard Time", "EndTimeZone": "W. Europe Standard Time",
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=0)
    parser.add_argument("--events", type=int, default=0)
    args = parser.parse_args()
    ews = EwsEmulator(mailboxes=[MAILBOX]).start()
    sf = SalesforceEmulator().start()
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    for i in range(args.contacts):
        ews.create_item(folder="contacts", fields=contact_fields(i))
    for i in range(args.events):
        ews.create_item(folder="calendar", fields=event_fields(i, today))
    print(json.dumps({
        "ews_url": ews.url, "mailbox": MAILBOX, "password": ews.password, "sf_url": sf.url,
        "instance_url": sf.instance_url, "session_id": sf.issue_token(), "api_version": sf.api_version,
    }), flush=True)
    for line in sys.stdin:
        command = line.strip()
        if command == "cpu":
            print(json.dumps({"cpu": time.process_time()}), flush=True)
        elif command == "counts":
            counts = {"ews": dict(ews.request_counts()), "salesforce": dict(sf.request_counts())}
            ews.reset_log()
            sf.reset_log()
            print(json.dumps(counts), flush=True)
        elif command == "next_minute":
            now = sf.clock.now()
            boundary = now.replace(second=0, microsecond=0) + timedelta(minutes=1, seconds=1)
            time.sleep(max(0.0, (boundary - now).total_seconds()))
            print(json.dumps({"waited": round((boundary - now).total_seconds(), 1)}), flush=True)
        elif command == "quit":
            break
    ews.stop()
    sf.stop()


if __name__ == "__main__":
    main()
