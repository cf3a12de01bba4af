#!/usr/bin/python3
"""bench/flows/table.py - print the flow benchmark's results (bench/out/flows) as
Markdown tables: ingest maxima, bytes per flow, query medians, throughput and
peak RSS, with vigil/nfdump ratios. Usage: table.py OUTDIR FLOWS"""
import json
import os
import sys

out, flows = sys.argv[1], int(sys.argv[2])


def read(name):
    p = os.path.join(out, name)
    return open(p).read().strip() if os.path.exists(p) else None


print("## Ingest: highest loss-free rate on loopback (flows/s)\n")
print("| collector | highest loss-free | first loss at |")
print("|---|---:|---:|")
maxima = {}
for tool in ("nfdump", "vigil"):
    tsv = read("rate-%s.tsv" % tool)
    if not tsv:
        continue
    rows = [l.split("\t") for l in tsv.splitlines()[1:]]
    ok = [int(r[1]) for r in rows if r[5] == "0"]
    bad = [int(r[1]) for r in rows if r[5] != "0"]
    maxima[tool] = max(ok) if ok else 0
    print("| %s | %d | %s |" % (tool, maxima[tool], min(bad) if bad else "none"))
if maxima.get("nfdump") and "vigil" in maxima:
    print("\nratio vigil/nfcapd: %.2fx" % (maxima["vigil"] / maxima["nfdump"]))

disk = read("disk.tsv")
if disk:
    print("\n## Disk: bytes per flow\n")
    print("| store | bytes | flows | bytes/flow |")
    print("|---|---:|---:|---:|")
    for l in disk.splitlines():
        r = l.split("\t")
        print("| %s | %s | %s | %s |" % (r[0], r[1], r[2], r[3]))

print("\n## Queries over the whole set (%d flows), warm cache, median of runs\n" % flows)
print("Wall time is what the issue asks for but the machine was shared (load 6-13 on")
print("2 cores); CPU time (user+sys, mean over runs, all threads summed) is less")
print("sensitive to that.\n")
print("| query | tool | median wall s | flows/s (wall) | CPU s | flows/CPU-s | peak RSS MB | vigil speed-up wall / CPU |")
print("|---|---|---:|---:|---:|---:|---:|---:|")
for q in ("filter", "null", "topn", "host"):
    j = read("q-%s.json" % q)
    if not j:
        continue
    res = json.loads(j)["results"]
    med = {r["command"]: r["median"] for r in res}
    cpu = {r["command"]: r["user"] + r["system"] for r in res}
    nf = [k for k in med if k.startswith("nfdump")]
    best_nf = min((med[k] for k in nf), default=None)
    best_cpu = min((cpu[k] for k in nf), default=None)
    for r in res:
        name = r["command"]
        rss = read("rss-%s-%s" % (q, name))
        up = ""
        if name == "vigil" and best_nf:
            up = "%.2fx / %.2fx" % (best_nf / med[name], best_cpu / cpu[name])
        print("| %s | %s | %.3f | %.0f | %.3f | %.0f | %s | %s |" % (
            q, name, med[name], flows / med[name], cpu[name], flows / cpu[name],
            "%.0f" % (int(rss.splitlines()[-1]) / 1024) if rss else "?", up))
