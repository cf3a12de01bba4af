#!/usr/bin/python3
"""check_golden.py - compare `vigil detect` events with a golden file.

usage: check_golden.py ACTUAL.jsonl GOLDEN.jsonl LABELS.txt [TOLERANCE]

Events are matched on (kind, host, role, peer, port, proto); the sets must be
equal (no missing event, no extra one). Counts (flows, packets, bytes,
distinct) must agree within TOLERANCE (a fraction, default 0: exact), and
estimate/sampling exactly. Every labelled incident of make.py (kind, host in
LABELS.txt) must be among the events, and no event may name one of the
ordinary hosts. Prints both values on any difference and exits 1.
"""
import json
import sys

ORDINARY = ["10.10.1.", "10.10.2.", "10.10.0.53", "10.10.0.25"]


def key(e):
    return (e["kind"], e["host"], e.get("role"), e.get("peer"), e.get("port"), e.get("proto"))


def load(path):
    out = {}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            e = json.loads(line)
            for field in ("kind", "host", "role", "first", "last", "why", "source", "query"):
                if field not in e:
                    raise SystemExit("%s:%d: no %s" % (path, n, field))
            k = key(e)
            if k in out:
                raise SystemExit("%s:%d: duplicate event %r" % (path, n, k))
            out[k] = e
    return out


def main():
    actual, golden = load(sys.argv[1]), load(sys.argv[2])
    tol = float(sys.argv[4]) if len(sys.argv) > 4 else 0.0
    bad = 0
    for k in sorted(set(golden) - set(actual), key=str):
        print("missing event: %r" % (k,))
        bad += 1
    for k in sorted(set(actual) - set(golden), key=str):
        print("unexpected event: %r" % (k,))
        bad += 1
    for k in sorted(set(actual) & set(golden), key=str):
        a, g = actual[k], golden[k]
        for field in ("estimate", "sampling"):
            if a.get(field) != g.get(field):
                print("%r: %s is %r, expected %r" % (k, field, a.get(field), g.get(field)))
                bad += 1
        for field in ("flows", "packets", "bytes", "distinct"):
            if (field in a) != (field in g):
                print("%r: %s present in only one" % (k, field))
                bad += 1
                continue
            if field not in a:
                continue
            lim = tol * max(abs(g[field]), 1)
            if abs(a[field] - g[field]) > lim:
                print("%r: %s is %r, expected %r (tolerance %g)" % (k, field, a[field], g[field], tol))
                bad += 1
    with open(sys.argv[3]) as f:
        for line in f:
            kind, host = line.split()
            if not any(e["kind"] == kind and e["host"] == host for e in actual.values()):
                print("labelled incident not found: %s %s" % (kind, host))
                bad += 1
    for e in actual.values():
        if any(e["host"].startswith(p) for p in ORDINARY):
            print("event for an ordinary host: %s" % json.dumps(e))
            bad += 1
    if bad:
        print("%d differences" % bad)
        return 1
    print("ok: %d events as expected" % len(actual))
    return 0


if __name__ == "__main__":
    sys.exit(main())
