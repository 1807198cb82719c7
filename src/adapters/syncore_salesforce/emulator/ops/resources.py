"""``GET /services/data/`` (versions) and ``GET /services/data/vNN.0/`` (resources by version).

Versions: https://developer.salesforce.com/docs/platform/api-rest/guide/dome-versions.html
Resources: https://developer.salesforce.com/docs/platform/api-rest/guide/dome-discover-resources.html
"""

from __future__ import annotations

from ..context import Request, Response
from ..org import Org

#: The oldest version the Versions resource lists today (the documented sample starts at Summer '14).
OLDEST_VERSION = 31
_SEASONS = ("Winter", "Spring", "Summer")


def release_label(version: int) -> str:
    """The release that introduced API *version*: 20.0 was Winter '11, then one version per release."""
    steps = version - 20
    return f"{_SEASONS[steps % 3]} '{11 + steps // 3:02d}"


def versions(org: Org) -> list[dict[str, str]]:
    """Every available version up to the emulator's, oldest first."""
    newest = int(float(org.api_version))
    return [
        {"label": release_label(v), "url": f"/services/data/v{v}.0", "version": f"{v}.0"}
        for v in range(OLDEST_VERSION, newest + 1)
    ]


def list_versions(org: Org, req: Request) -> Response:
    """No authentication needed (documented)."""
    return Response(200, versions(org))


def list_resources(org: Org, req: Request) -> Response:
    base = f"/services/data/v{req.version}"
    names = ("sobjects", "query", "queryAll", "limits", "composite")
    body = {n: f"{base}/{n}" for n in names}
    # Real orgs also list the caller's identity URL (…/id/<org id>/<user id>); clients read the running
    # user's id from it.
    body["identity"] = f"{org.instance_url}/id/{org.org_id}/{req.user_id}"
    return Response(200, body)
