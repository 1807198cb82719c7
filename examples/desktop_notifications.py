"""Show syncore's notifications as desktop pop-ups, like the product's tray messages.

    python examples/desktop_notifications.py --once      # demo sides, one background tick

A notifier is any callable that takes a ``syncore.SyncEvent``. The runner passes it only the event types
switched on under ``[notifications]`` in the settings (plans held for review are always announced).
This hook uses ``notify-send`` on Linux, ``osascript`` on macOS and a PowerShell toast on Windows, and
falls back to printing.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys

from syncore import SqliteStateStore, SyncEngine, SyncEvent
from syncore.config import AutoSync, Config
from syncore.demo import build_demo_sides
from syncore.notify import Notifications
from syncore.runner import AutoSyncRunner
from syncore.schedule import Schedule


def desktop_notifier(event: SyncEvent) -> None:
    """Pop up one notification per event; never raise (a failed pop-up must not stop a sync)."""
    title = f"syncore: {event.kind.value} {event.type.value}"
    body = event.message.splitlines()[0] if event.message else ""
    try:
        if sys.platform.startswith("linux") and shutil.which("notify-send"):
            subprocess.run(["notify-send", title, body], check=False, timeout=5)
            return
        if sys.platform == "darwin":
            script = f"display notification {body!r} with title {title!r}"
            subprocess.run(["osascript", "-e", script], check=False, timeout=5)
            return
        if sys.platform == "win32":
            ps = ("[reflection.assembly]::loadwithpartialname('System.Windows.Forms') | Out-Null;"
                  "$n = New-Object System.Windows.Forms.NotifyIcon; $n.Icon = [System.Drawing.SystemIcons]::Information;"
                  f"$n.Visible = $true; $n.ShowBalloonTip(5000, '{title}', '{body.replace(chr(39), '')}', 'Info')")
            subprocess.run(["powershell", "-NoProfile", "-Command", ps], check=False, timeout=10)
            return
    except (OSError, subprocess.SubprocessError):
        pass
    print(f"[{title}] {body}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--once", action="store_true", help="one background tick on the demo sides, then exit")
    parser.add_argument("--print", action="store_true", help="print instead of popping up")
    args = parser.parse_args(argv)
    sides = build_demo_sides()
    config = Config(auto_sync=AutoSync(enabled=True),
                    notifications=Notifications(created=True, completed=True, conflict=True, error=True))
    engine = SyncEngine(pim=sides.pim, crm=sides.crm, state=SqliteStateStore(":memory:"),
                        settings=config.sync_settings())
    notifier = (lambda event: print(f"[{event.kind.value} {event.type.value}] {event.message.splitlines()[0]}")) \
        if args.print else desktop_notifier
    runner = AutoSyncRunner(engine, Schedule.from_config(config), notifications=config.notifications,
                            notifier=notifier)
    if args.once:
        runner.run_due()
        return 0
    runner.start()
    try:
        runner._thread.join()  # type: ignore[union-attr]
    except KeyboardInterrupt:
        runner.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
