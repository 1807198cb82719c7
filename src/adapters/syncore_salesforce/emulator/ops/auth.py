"""Login endpoints and the identity URL: ``POST /services/Soap/u/{v}``, ``POST /services/oauth2/token`` and
``GET /id/{orgId}/{userId}``.

SOAP login: https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_login.htm
OAuth username-password flow:
https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_oauth_username_password_flow.htm
Identity URLs: https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_using_openid.htm and
https://developer.salesforce.com/docs/platform/mobile-sdk/guide/oauth-using-identity-urls.html
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from ..auth import User
from ..context import Request, Response
from ..org import Org


def soap_login(org: Org, req: Request) -> Response:
    reply = org.auth.soap_login(req.body, org.instance_url, org.api_version)
    return Response(reply.status, reply.body, reply.headers)


def oauth_token(org: Org, req: Request, identity_base: str) -> Response:
    issued = int(org.clock.now().timestamp() * 1000)
    reply = org.auth.oauth_token(
        req.body, req.headers.get("authorization", ""), org.instance_url, issued, identity_base=identity_base
    )
    return Response(reply.status, reply.body, reply.headers)


def _token(req: Request) -> str:
    """The access token from the Authorization header or the ``oauth_token`` parameter (both documented)."""
    header = req.headers.get("authorization", "")
    if header:
        return header
    token = req.params.get("oauth_token") or req.params.get("access_token")
    return f"Bearer {token}" if token else ""


def identity(org: Org, req: Request) -> Response:
    """The identity of the user the URL names, for a token of that user."""
    caller = org.auth.authenticate(_token(req))
    if caller is None:
        # (unverified) the exact status and body for a missing or expired token.
        return Response(403, b"Bad_OAuth_Token", {"Content-Type": "text/plain;charset=UTF-8"})
    if len(req.segments) != 3 or req.segments[1] != org.org_id or req.segments[2] != caller:
        # Documented: one user's token gives no access to another user's identity URL (without the
        # "manage users" conditions the emulator does not model). Status and body are (unverified).
        return Response(403, b"Bad_Id", {"Content-Type": "text/plain;charset=UTF-8"})
    user = org.auth.user_by_id(caller)
    assert user is not None
    version = req.params.get("version")
    if version == "latest":
        version = org.api_version
    return Response(200, identity_body(org, user, version or "{version}"))


def identity_body(org: Org, user: User, version: str) -> dict[str, Any]:
    """The documented identity response; API URLs carry ``{version}`` unless a version was asked for."""
    base, org15 = org.instance_url, org.org_id[:15]
    local, _, _ = user.username.partition("@")
    offset = datetime.now(ZoneInfo(user.time_zone)).utcoffset()
    data = f"{base}/services/data/v{version}"
    return {
        "id": f"{base}/id/{org.org_id}/{user.user_id}",
        "asserted_user": True,
        "user_id": user.user_id,
        "organization_id": org.org_id,
        "username": user.username,
        "nick_name": local,
        "display_name": local,
        "email": user.username,
        "email_verified": True,
        "first_name": None,
        "last_name": local,
        "timezone": user.time_zone,
        "photos": {"picture": f"{base}/profilephoto/005/F", "thumbnail": f"{base}/profilephoto/005/T"},
        "addr_street": None,
        "addr_city": None,
        "addr_state": None,
        "addr_country": None,
        "addr_zip": None,
        "mobile_phone": None,
        "mobile_phone_verified": False,
        "is_lightning_login_user": False,
        "status": {"created_date": None, "body": None},
        "urls": {
            "enterprise": f"{base}/services/Soap/c/{version}/{org15}",
            "metadata": f"{base}/services/Soap/m/{version}/{org15}",
            "partner": f"{base}/services/Soap/u/{version}/{org15}",
            "rest": f"{data}/",
            "sobjects": f"{data}/sobjects/",
            "search": f"{data}/search/",
            "query": f"{data}/query/",
            "recent": f"{data}/recent/",
            "tooling_soap": f"{base}/services/Soap/T/{version}/{org15}",
            "tooling_rest": f"{data}/tooling/",
            "profile": f"{base}/{user.user_id}",
            "feeds": f"{data}/chatter/feeds",
            "groups": f"{data}/chatter/groups",
            "users": f"{data}/chatter/users",
            "feed_items": f"{data}/chatter/feed-items",
            "feed_elements": f"{data}/chatter/feed-elements",
            "custom_domain": base,
        },
        "active": True,
        "user_type": "STANDARD",
        "language": "en_US",
        "locale": "en_US",
        "utcOffset": int(offset.total_seconds() * 1000) if offset is not None else 0,
        "last_modified_date": org.clock.now().strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "is_app_installed": True,
    }
