#!/usr/bin/python3
"""check_sampled.py - the findings of `vigil detect` on one capture exported
unsampled, 1:10 and 1:100 sampled must agree.

usage: check_sampled.py LABELS.txt E1.jsonl E10.jsonl E100.jsonl [MISSED ...]

A finding is (kind, host). Unsampled: every labelled incident is found and no
event names a host outside the labelled incidents. 1:10: exactly the
unsampled findings. 1:100: no finding the unsampled run lacks; every
unsampled finding except those named MISSED ("kind:host", incidents too
small to be seen at 1:100, see docs/internals/detect.md) is found, and the
MISSED ones are indeed missed. Sampled events must say they are estimates
(estimate true, sampling N, "est. from 1:N sampling" or "seen" in why).
"""
import json
import sys


def load(path):
    out = {}
    with open(path) as f:
        for line in f:
            if line.strip():
                e = json.loads(line)
                out[(e["kind"], e["host"])] = e
    return out


def main():
    labels = set()
    with open(sys.argv[1]) as f:
        for line in f:
            k, h = line.split()
            labels.add((k, h))
    runs = {n: load(p) for n, p in zip((1, 10, 100), sys.argv[2:5])}
    missed = set(tuple(m.split(":", 1)) for m in sys.argv[5:])
    hosts = {h for _, h in labels}
    bad = []
    base = set(runs[1])
    for k in sorted(labels - base):
        bad.append("1:1: labelled incident not found: %s %s" % k)
    for k in sorted(base):
        if k[1] not in hosts:
            bad.append("1:1: event for an ordinary host: %s %s" % k)
    for n in (10, 100):
        got = set(runs[n])
        for k in sorted(got - base):
            bad.append("1:%d: new finding (false positive): %s %s: %s" % (n, k[0], k[1], runs[n][k]["why"]))
        want = base if n == 10 else base - missed
        for k in sorted(want - got):
            bad.append("1:%d: finding of the unsampled run missed: %s %s" % ((n,) + k))
        if n == 100:
            for k in sorted(missed & got):
                bad.append("1:100: %s %s was expected to be too small to be seen" % k)
        for k, e in sorted(runs[n].items()):
            if not e.get("estimate") or e.get("sampling") != n:
                bad.append("1:%d: %s %s not marked as an estimate of 1:%d" % (n, k[0], k[1], n))
            if "est. from 1:%d sampling" % n not in e["why"] and " seen" not in e["why"]:
                bad.append("1:%d: %s %s: why does not say what is estimated: %s" % (n, k[0], k[1], e["why"]))
    for n in (1, 10, 100):
        print("1:%d: %d findings: %s" % (n, len(runs[n]), " ".join("%s:%s" % k for k in sorted(runs[n]))))
    for b in bad:
        print("FAIL: " + b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
