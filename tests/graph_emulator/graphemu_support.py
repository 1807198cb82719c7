"""Helpers of the Graph emulator tests: raw httpx clients and documented sample bodies."""

from __future__ import annotations

import ssl

import httpx

from syncore_graph.emulator import GraphEmulator

IMMUTABLE = 'IdType="ImmutableId"'


def client(emulator: GraphEmulator, token: str | None = None, **headers: str) -> httpx.Client:
    auth = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=f"{emulator.url}/v1.0", headers={**auth, **headers},
                        verify=ssl.create_default_context(cafile=emulator.ca_cert_path))


def event_body(subject: str = "Sync", start: str = "2026-12-10T10:00:00", end: str = "2026-12-10T11:00:00",
               zone: str = "UTC", **extra) -> dict:
    return {"subject": subject, "start": {"dateTime": start, "timeZone": zone},
            "end": {"dateTime": end, "timeZone": zone}, **extra}
