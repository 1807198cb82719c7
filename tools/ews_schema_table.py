"""Regenerate ``src/adapters/syncore_exchange/emulator/ews_schema.json`` from the EWS schema files.

Every Exchange server publishes its schema next to the service (``https://<server>/EWS/messages.xsd`` and
``types.xsd``); download both into one folder and run::

    python tools/ews_schema_table.py FOLDER > src/adapters/syncore_exchange/emulator/ews_schema.json

The table keeps, for every type reachable from the operations the emulator implements and from the SOAP
headers, its attributes, content model (element names, order, occurrence) and simple types; the types in
OPAQUE (items and structures the emulator does not store) are kept as "any content".
"""

import json
import sys

from lxml import etree

XS = "{http://www.w3.org/2001/XMLSchema}"
ROOTS = ["m:GetFolderType", "m:SyncFolderItemsType", "m:GetItemType", "m:CreateItemType", "m:UpdateItemType",
         "m:DeleteItemType", "m:FindItemType", "m:ConvertIdType", "t:RequestServerVersion", "t:TimeZoneContext",
         "t:ExchangeImpersonation", "t:MailboxCulture"]
OPAQUE = {"t:MessageType", "t:PostItemType", "t:MeetingMessageType", "t:MeetingRequestMessageType", "t:MeetingResponseMessageType", "t:MeetingCancellationMessageType", "t:AcceptItemType", "t:TentativelyAcceptItemType", "t:DeclineItemType", "t:ReplyToItemType", "t:ForwardItemType", "t:ReplyAllToItemType", "t:CancelCalendarItemType", "t:RemoveItemType", "t:SuppressReadReceiptType", "t:PostReplyItemType", "t:AcceptSharingInvitationType", "t:DistributionListType", "t:RoleMemberItemType", "t:NetworkItemType", "t:AbchPersonItemType", "t:SharingMessageType", "t:EntityExtractionResultType", "t:NonEmptyArrayOfResponseObjectsType", "t:NonEmptyArrayOfAttachmentsType", "t:RightsManagementLicenseDataType", "t:NonEmptyArrayOfPredictedActionReasonType", "t:FlagType", "t:EffectiveRightsType", "t:RetentionTagType", "t:ArrayOfInboxReminderType", "t:LikesPreviewType", "t:MentionsPreviewType", "t:ChangeHighlightsType", "t:ArrayOfSenderAddInsType", "t:NonEmptyArrayOfAppliedHashtagType", "t:AppliedHashtagsPreviewType", "t:MessageSafetyType", "t:EnhancedLocationType", "t:OnlineMeetingSettingsType", "t:ArrayOfGroupIdType", "t:NonEmptyArrayOfInternetHeadersType", "t:MimeContentType", "t:ArrayOfAbchPersonContactHandlesType", "t:ContactUrlDictionaryType", "t:ArrayOfBinaryType", "m:QueryStringType", "t:NonEmptyArrayOfAttendeeConflictData", "t:ArrayOfCalendarPermissionsType"}
src = sys.argv[1]
docs = {p: etree.parse(f"{src}/{n}.xsd").getroot() for p, n in (("m", "messages"), ("t", "types"))}
ct, st, el, grp, agrp = {}, {}, {}, {}, {}
subst = {}
for p, root in docs.items():
    for c in root:
        if not isinstance(c.tag, str): continue
        n = c.get("name")
        key = f"{p}:{n}"
        {XS+"complexType": ct, XS+"simpleType": st, XS+"element": el, XS+"group": grp, XS+"attributeGroup": agrp}.get(c.tag, {})[key] = (c, p)
        if c.tag == XS+"element" and c.get("substitutionGroup"):
            subst.setdefault(c.get("substitutionGroup"), []).append(key)
types_out, simple_out = {}, {}
todo = []
def qname(v, p):
    if v is None: return None
    if ":" in v: return v
    return f"{p}:{v}"
def need(t):
    if t and not t.startswith("xs:") and t not in types_out and t not in simple_out and t not in todo:
        todo.append(t)
def occurs(n):
    mn = int(n.get("minOccurs", "1"))
    mx = n.get("maxOccurs", "1")
    return mn, (None if mx == "unbounded" else int(mx))
def element_particle(n, p):
    mn, mx = occurs(n)
    if n.get("ref"):
        ref = qname(n.get("ref"), p)
        node, _rp = el[ref]
        members = [ref] if node.get("abstract") != "true" else []
        members += subst.get(ref, [])
        alts = []
        for m in members:
            mnode, mp = el[m]
            t = qname(mnode.get("type"), mp)
            need(t)
            alts.append(("el", m, t, 1, 1))
        if len(alts) == 1:
            return ("el", alts[0][1], alts[0][2], mn, mx)
        return ("choice", mn, mx, alts)
    name = f"{p}:{n.get('name')}"
    t = qname(n.get("type"), p)
    if t is None:
        # anonymous type: register under a synthetic name
        inner = n.find(XS+"complexType")
        t = f"{name}@anon"
        if inner is not None:
            types_out[t] = None
            types_out[t] = complex_type(inner, p)
        else:
            t = "xs:string"
    need(t)
    return ("el", name, t, mn, mx)
def model(n, p):
    tag = n.tag
    mn, mx = occurs(n)
    if tag == XS+"element":
        return element_particle(n, p)
    if tag in (XS+"sequence", XS+"choice", XS+"all"):
        kind = {XS+"sequence": "seq", XS+"choice": "choice", XS+"all": "all"}[tag]
        parts = [model(c, p) for c in n if isinstance(c.tag, str) and c.tag != XS+"annotation"]
        return (kind, mn, mx, [x for x in parts if x is not None])
    if tag == XS+"group":
        g, gp = grp[qname(n.get("ref"), p)]
        inner = next(c for c in g if isinstance(c.tag, str) and c.tag != XS+"annotation")
        m = model(inner, gp)
        return (m[0], mn, mx, m[3]) if m[0] != "el" else m
    if tag == XS+"any":
        return ("any", mn, mx)
    return None
def attrs_of(n, p, out):
    for a in n:
        if not isinstance(a.tag, str): continue
        if a.tag == XS+"attribute":
            if a.get("ref"):
                out[a.get("ref")] = ("xs:string", False)
                continue
            t = qname(a.get("type"), p) or "xs:string"
            if a.find(XS+"simpleType") is not None:
                t = f"{p}:{a.get('name')}@attr"
                simple_out[t] = simple_type(a.find(XS+"simpleType"), p)
            need(t)
            out[a.get("name")] = (t, a.get("use") == "required")
        elif a.tag == XS+"attributeGroup":
            g, gp = agrp[qname(a.get("ref"), p)]
            attrs_of(g, gp, out)
        elif a.tag == XS+"anyAttribute":
            out["*"] = ("xs:string", False)
def complex_type(n, p):
    attrs, content, text = {}, None, None
    mixed = n.get("mixed") == "true"
    for c in n:
        if not isinstance(c.tag, str) or c.tag == XS+"annotation": continue
        if c.tag in (XS+"sequence", XS+"choice", XS+"all", XS+"group"):
            content = model(c, p)
        elif c.tag in (XS+"attribute", XS+"attributeGroup", XS+"anyAttribute"):
            attrs_of(n, p, attrs); break
        elif c.tag == XS+"complexContent":
            d = next(x for x in c if isinstance(x.tag, str) and x.tag != XS+"annotation")
            base = qname(d.get("base"), p)
            own = None
            for x in d:
                if isinstance(x.tag, str) and x.tag in (XS+"sequence", XS+"choice", XS+"all", XS+"group"):
                    own = model(x, p)
            attrs_of(d, p, attrs)
            if d.tag == XS+"extension":
                need(base)
                content = ("ext", base, own)
            else:  # restriction replaces the content model, keeps base attributes
                need(base)
                content = ("restrict", base, own)
            mixed = mixed or c.get("mixed") == "true"
        elif c.tag == XS+"simpleContent":
            d = next(x for x in c if isinstance(x.tag, str) and x.tag != XS+"annotation")
            base = qname(d.get("base"), p)
            need(base)
            text = base
            attrs_of(d, p, attrs)
    if content is None:
        attrs_of(n, p, attrs)
    return {"attrs": attrs, "content": content, "text": text, "mixed": mixed}
def simple_type(n, p):
    d = next(x for x in n if isinstance(x.tag, str) and x.tag != XS+"annotation")
    if d.tag == XS+"restriction":
        base = qname(d.get("base"), p)
        enums = [e.get("value") for e in d if isinstance(e.tag, str) and e.tag == XS+"enumeration"]
        if base: need(base)
        facets = {local: e.get("value") for e in d if isinstance(e.tag, str) for local in [e.tag.split('}')[1]] if local in ("minInclusive","maxInclusive","minLength","maxLength","pattern")}
        if d.find(XS+"simpleType") is not None:
            return ("restrict", simple_type(d.find(XS+"simpleType"), p), enums, facets)
        return ("restrict", base, enums, facets)
    if d.tag == XS+"list":
        it = qname(d.get("itemType"), p)
        if it: need(it)
        return ("list", it)
    if d.tag == XS+"union":
        mts = [qname(x, p) for x in (d.get("memberTypes") or "").split()]
        for m in mts: need(m)
        mts += [simple_type(x, p) for x in d if isinstance(x.tag, str) and x.tag == XS+"simpleType"]
        return ("union", mts)
todo.extend(ROOTS)
while todo:
    t = todo.pop(0)
    if t in types_out or t in simple_out: continue
    if t in OPAQUE:
        types_out[t] = {"attrs": {"*": ("xs:string", False)}, "content": ("any", 0, None), "text": None, "mixed": True}
        continue
    if t in ct:
        n, p = ct[t]; types_out[t] = complex_type(n, p)
    elif t in st:
        n, p = st[t]; simple_out[t] = simple_type(n, p)
    elif t in el:  # root element
        n, p = el[t]
        typ = qname(n.get("type"), p)
        if typ is None and n.find(XS+"complexType") is not None:
            typ = f"{t}@anon"
            types_out[typ] = complex_type(n.find(XS+"complexType"), p)
        need(typ)
        types_out.setdefault("@elements", {})[t] = typ
    else:
        print("MISSING", t, file=sys.stderr)
def conv(x):
    if isinstance(x, tuple): return [conv(i) for i in x]
    if isinstance(x, list): return [conv(i) for i in x]
    if isinstance(x, dict): return {k: conv(v) for k, v in x.items()}
    return x
els = types_out.pop("@elements", {})
out = {"types": {k: [conv(v["attrs"]), conv(v["content"]), v["text"], v["mixed"]] for k, v in sorted(types_out.items())},
       "elements": els, "simple": {k: conv(v) for k, v in sorted(simple_out.items())}}
print(json.dumps(out, separators=(",", ":"), sort_keys=True))
