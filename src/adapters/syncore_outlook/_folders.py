"""Finding the folder a kind syncs when the settings name another than the default: an EntryID, or a path of
sub-folders below the default folder."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from syncore.errors import ConfigurationError

from .errors import is_com_error

if TYPE_CHECKING:
    from ._protocol import Folder


def resolve_folder(namespace: Any, default: Folder, option: str) -> Folder:
    try:
        if "/" not in option and len(option) >= 40 and all(c in "0123456789abcdefABCDEF" for c in option):
            return namespace.GetFolderFromID(option)
        folder = default
        for name in (part for part in option.split("/") if part):
            folder = folder.Folders.Item(name)
        return folder
    except Exception as exc:
        if not is_com_error(exc):
            raise
        raise ConfigurationError(
            f"Outlook folder {option!r} not found: give a folder EntryID or a path of sub-folders below "
            f"the default folder, e.g. 'Projects/CRM'", key="folders", value=option
        ) from exc
