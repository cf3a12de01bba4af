#!/usr/bin/python3
"""An independent reader of vigil's exports (lxml, jsonschema; not vigil's
code): read an IODEF 2.0 or 1.0 document or an X-ARF v4 line back and check
the incident's host, peer, start time and kind, and (when the schema
directory is given) validate the X-ARF report against xarf.org's v4 schema.

usage: check_export.py iodef|iodef1|xarf FILE HOST PEER FIRST KIND [XARF_SCHEMA_DIR]
(PEER "-" for none; FIRST an RFC 3339 prefix.)
"""
import json
import sys

fmt, path, host, peer, first, kind = sys.argv[1:7]
schema_dir = sys.argv[7] if len(sys.argv) > 7 else ""


def fail(msg):
    sys.exit(f"check_export: {path}: {msg}")


if fmt in ("iodef", "iodef1"):
    from lxml import etree
    ns = {"i": "urn:ietf:params:xml:ns:iodef-2.0" if fmt == "iodef" else "urn:ietf:params:xml:ns:iodef-1.0"}
    doc = etree.parse(path)
    inc = doc.xpath("/i:IODEF-Document/i:Incident", namespaces=ns)
    if len(inc) != 1:
        fail(f"{len(inc)} Incident elements")
    inc = inc[0]
    addrs = inc.xpath(".//i:EventData/i:Flow/i:System/i:Node/i:Address/text()", namespaces=ns)
    if host not in addrs:
        fail(f"host {host} not among the Systems {addrs}")
    if peer != "-" and peer not in addrs:
        fail(f"peer {peer} not among the Systems {addrs}")
    start = inc.xpath("string(i:StartTime)", namespaces=ns)
    if not start.startswith(first):
        fail(f"StartTime {start} is not {first}")
    k = inc.xpath("string(i:AdditionalData[@meaning='vigil-kind'])", namespaces=ns)
    if k != kind:
        fail(f"kind {k} is not {kind}")
    imp = inc.xpath("i:Assessment/i:SystemImpact/@type | i:Assessment/i:Impact/@type", namespaces=ns)
    if not imp:
        fail("no impact in the Assessment")
    if not inc.xpath(".//i:EventData/i:Expectation/@action", namespaces=ns):
        fail("no Expectation")
    if fmt == "iodef" and not inc.get("status"):
        fail("no status on the 2.0 Incident")
elif fmt == "xarf":
    lines = [l for l in open(path, encoding="utf-8") if l.strip()]
    if len(lines) != 1:
        fail(f"{len(lines)} reports, want 1")
    r = json.loads(lines[0])
    if r.get("source_identifier") != host:
        fail(f"source_identifier {r.get('source_identifier')} is not {host}")
    if peer != "-" and r.get("destination_ip") != peer:
        fail(f"destination_ip {r.get('destination_ip')} is not {peer}")
    if not r.get("first_seen", "").startswith(first):
        fail(f"first_seen {r.get('first_seen')} is not {first}")
    if r.get("vigil_kind") != kind:
        fail(f"vigil_kind {r.get('vigil_kind')} is not {kind}")
    if schema_dir:
        import glob
        import os
        import jsonschema
        store = {}
        for f in glob.glob(os.path.join(schema_dir, "*.json")) + glob.glob(os.path.join(schema_dir, "types", "*.json")):
            s = json.load(open(f, encoding="utf-8"))
            if "$id" in s:
                store[s["$id"]] = s
        # ddos wants the attack's source port and copyright the infringing
        # URL, which flow records and incidents do not keep: the core schema
        # for those two, the type's schema for every other kind
        top = "xarf-core.json" if kind in ("dos", "copyright") else "xarf-v4-master.json"
        master = json.load(open(os.path.join(schema_dir, top), encoding="utf-8"))
        resolver = jsonschema.RefResolver.from_schema(master, store=store)
        v = jsonschema.Draft202012Validator(master, resolver=resolver,
                                            format_checker=jsonschema.FormatChecker())
        errs = sorted(v.iter_errors(r), key=lambda e: list(e.path))
        if errs:
            fail("X-ARF v4 schema: " + "; ".join(e.message[:200] for e in errs[:5]))
else:
    fail(f"unknown format {fmt}")
