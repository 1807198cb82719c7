"""One module per SOAP operation; :data:`OPERATIONS` maps operation names to handlers."""

from __future__ import annotations

from . import (
    convert_id,
    create_item,
    delete_item,
    find_item,
    get_folder,
    get_item,
    sync_folder_items,
    update_item,
)

OPERATIONS = {
    "GetFolder": get_folder.handle,
    "SyncFolderItems": sync_folder_items.handle,
    "GetItem": get_item.handle,
    "CreateItem": create_item.handle,
    "UpdateItem": update_item.handle,
    "DeleteItem": delete_item.handle,
    "FindItem": find_item.handle,
    "ConvertId": convert_id.handle,
}
