"""``sobjects/`` (describe global), ``sobjects/{T}/`` (basic information) and ``sobjects/{T}/describe/``.

https://developer.salesforce.com/docs/platform/api-rest/guide/resources-describe-global.html
https://developer.salesforce.com/docs/platform/api-rest/guide/resources-basic-info.html
https://developer.salesforce.com/docs/platform/api-rest/guide/resources-sobject-describe.html
"""

from __future__ import annotations

from ..context import Request, Response
from ..org import Org


def describe_global(org: Org, req: Request) -> Response:
    sobjects = []
    for obj in org.schema.objects.values():
        d = org.schema.describe(obj.name)
        sobjects.append({k: v for k, v in d.items() if k != "fields"})
    return Response(200, {"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": sobjects})


def basic_info(org: Org, req: Request) -> Response:
    obj = org.sobject(req.segments[1])
    d = org.schema.describe(obj.name)
    with org.store.lock:
        recent = [
            org.render(obj, r, req.version, ["Id"] + (["Name"] if obj.field("Name") else []))
            for r in list(org.store.table(obj).values())[-3:]
            if not r.get("IsDeleted")
        ]
    return Response(
        200, {"objectDescribe": {k: v for k, v in d.items() if k != "fields"}, "recentItems": recent}
    )


def describe(org: Org, req: Request) -> Response:
    return Response(200, org.schema.describe(org.sobject(req.segments[1]).name))
