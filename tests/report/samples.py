#!/usr/bin/env python3
"""samples.py - `vigil report parse` over every report sample of ../shared/data,
each delivered the way it arrives in a CSIRT's mailbox (a real MIME mail built
with Python's email package, attachments base64, CSVs zipped as Shadowserver
sends them), checked against what the sample says:

  ACNS     the parse-acns test notices (0.6, 0.7, 1.1, 1.2) against their
           expected YAML: address, port, case id, time in UTC; every ACNS mail
           of abuseio gives a high-confidence copyright occurrence
  Shadow-  every CSV report type of intelmq's test data and the legacy drone
  server   report: one occurrence per row with a readable address, the type
           mapped to a kind (never the catch-all for a known family); the
           abuseio mails (zipped attachments) too
  X-ARF    v4 (xarf-spec), v3 (xarf-spec, abusix positive samples): one
           occurrence with the source address; sources that are host names
           refused with a reason; abusix negative samples never crash and
           either parse or say why; v0.2 mails of abuseio and rxarf
  other    the plain complaints: addresses from the text, confidence low

Skips with a message when the shared data is absent.
"""
import csv
import email.message
import glob
import io
import ipaddress
import json
import os
import subprocess
import sys
import tempfile
import zipfile

V = os.environ["VIGIL"]
D = os.environ.get("VIGIL_DATA_DIR") or os.path.join(os.environ["VIGIL_SOURCE_DIR"], "..", "shared", "data")
tmp = tempfile.mkdtemp()
failures = []
counts = {}


def bad(msg):
    failures.append(msg)
    print("FAIL:", msg)


def parse_file(path):
    r = subprocess.run([V, "report", "parse", path], capture_output=True)
    if r.returncode not in (0, 1):
        bad("%s: exit %d: %s" % (path, r.returncode, r.stderr.decode()[:300]))
    occ = [json.loads(l) for l in r.stdout.decode().splitlines() if l.strip()]
    for o in occ:
        for k in ("type", "ip", "port", "proto", "time", "case", "sender", "confidence", "source", "format"):
            if k not in o:
                bad("%s: occurrence without %s: %s" % (path, k, o))
        try:
            ipaddress.ip_address(o["ip"])
        except ValueError:
            bad("%s: ip %r is not an address" % (path, o["ip"]))
        if o["time"] is not None and not o["time"].endswith("Z"):
            bad("%s: time %r is not UTC" % (path, o["time"]))
    return occ, r.stderr.decode()


def mail(name, parts, sender="reports@example.org", subject="Abuse report", headers=None):
    m = email.message.EmailMessage()
    m["From"] = sender
    m["To"] = "abuse@example.ac.uk"
    m["Subject"] = subject
    m["Date"] = "Fri, 01 Mar 2024 10:00:00 +0000"
    m["Message-Id"] = "<%s@example.org>" % name
    for k, v in (headers or {}).items():
        m[k] = v
    m.set_content(parts[0] if parts and isinstance(parts[0], str) else "Please find the report attached.\n")
    for p in parts:
        if isinstance(p, tuple):
            data, filename, ctype = p
            mt, st = ctype.split("/")
            if mt == "text":
                m.add_attachment(data.decode("utf-8", "replace"), subtype=st, filename=filename)
            else:
                m.add_attachment(data, maintype=mt, subtype=st, filename=filename)
    path = os.path.join(tmp, name.replace("/", "_") + ".eml")
    with open(path, "wb") as f:
        f.write(bytes(m))
    return path


def count(what, n=1):
    counts[what] = counts.get(what, 0) + n


def utc(s):
    from datetime import datetime, timezone
    d = datetime.fromisoformat(str(s).replace("Z", "+00:00"))
    if d.tzinfo is None:
        d = d.replace(tzinfo=timezone.utc)
    return d.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


if not os.path.isdir(os.path.join(D, "acns")):
    print("SKIP: %s not present: the shared report samples were not parsed" % D)
    sys.exit(0)

# ---- ACNS ------------------------------------------------------------------------
import yaml  # noqa: E402  (python3-yaml)

for x in sorted(glob.glob(os.path.join(D, "acns/parse-acns-testdata/full-*.xml"))):
    exp = yaml.safe_load(open(x[:-4] + ".expected.yaml"))
    src = exp["Source"]
    path = mail(os.path.basename(x), [("ACNS notice attached.\n"), (open(x, "rb").read(), "notice.xml", "application/xml")],
                sender="notice@scannervendor.com", subject="Notice of Claimed Infringement")
    occ, err = parse_file(path)
    if len(occ) != 1:
        bad("%s: %d occurrences, want 1 (%s)" % (x, len(occ), err.strip()[:200]))
        continue
    o = occ[0]
    if o["type"] != "copyright" or o["format"] != "acns" or o["confidence"] != "high":
        bad("%s: %s" % (x, o))
    if o["ip"] != str(src["IP_Address"]):
        bad("%s: ip %s, want %s" % (x, o["ip"], src["IP_Address"]))
    if "Port" in src and o["port"] != int(src["Port"]):
        bad("%s: port %s, want %s" % (x, o["port"], src["Port"]))
    if o["case"] != str(exp["Case"]["ID"]):
        bad("%s: case %s, want %s" % (x, o["case"], exp["Case"]["ID"]))
    if "TimeStamp" in src and o["time"] != utc(src["TimeStamp"]):
        bad("%s: time %s, want %s" % (x, o["time"], utc(src["TimeStamp"])))
    count("acns xml")

for f in sorted(glob.glob(os.path.join(D, "acns/abuseio/*.eml"))):
    occ, err = parse_file(f)
    if not occ:
        bad("%s: nothing found (%s)" % (f, err.strip()[:200]))
    for o in occ:
        if o["type"] != "copyright" or o["time"] is None:
            bad("%s: %s" % (f, o))
    count("acns mails")
    count("acns occurrences", len(occ))

# ---- Shadowserver ---------------------------------------------------------------------
# report families whose kind is not the catch-all
generic_ok = {"device_id", "population_http_proxy", "special", "sandbox_dns"}
for f in sorted(glob.glob(os.path.join(D, "shadowserver/intelmq-testdata/*.csv"))) + \
        sorted(glob.glob(os.path.join(D, "shadowserver/intelmq-legacy/*.csv"))):
    base = os.path.basename(f)[:-4]
    data = open(f, "rb").read()
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8", "replace"))))
    col = next((c for c in ("ip", "src_ip", "http_referer_ip") if rows and c in rows[0]), None)
    want = 0
    for r in rows:
        try:
            ipaddress.ip_address((r.get(col) or "").strip())
            want += 1
        except ValueError:
            pass
    z = io.BytesIO()
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("2024-03-01-%s-example-asn.csv" % base, data)
    path = mail("ss-" + base, [(z.getvalue(), "2024-03-01-%s-example-asn.csv.zip" % base, "application/zip")],
                sender="autoreports@shadowserver.org", subject="[Example] Shadowserver %s Report: 2024-03-01" % base)
    occ, err = parse_file(path)
    if len(occ) != want:
        bad("shadowserver %s: %d occurrences, want %d (rows with an address of %d): %s" %
            (base, len(occ), want, len(rows), err.strip()[:300]))
    if want and len(occ) == want:
        # every row without an address is named with its line
        missing = len(rows) - want
        if missing and err.count("line ") < missing:
            bad("shadowserver %s: %d rows without an address, not each named: %s" % (base, missing, err[:300]))
    kinds = {o["type"] for o in occ}
    if "report" in kinds and base not in generic_ok:
        bad("shadowserver %s: mapped to the catch-all kind" % base)
    for o in occ:
        if o["format"] != "shadowserver" or o["confidence"] != "high":
            bad("shadowserver %s: %s" % (base, o))
            break
    count("shadowserver report types")
    count("shadowserver rows", len(occ))

for f in sorted(glob.glob(os.path.join(D, "shadowserver/abuseio_emails/*.eml"))):
    occ, err = parse_file(f)
    if not occ:
        bad("%s: nothing found (%s)" % (f, err.strip()[:200]))
    count("shadowserver mails")

# ---- X-ARF ----------------------------------------------------------------------------
def xarf_json(f, label):
    doc = json.load(open(f))
    path = mail(label + "-" + os.path.basename(f), [("X-ARF report attached.\n"), (open(f, "rb").read(), "report.json", "application/json")],
                headers={"X-XARF": "PLAIN"})
    occ, err = parse_file(path)
    return doc, occ, err


def xarf_source(doc):
    if "xarf_version" in doc:
        return doc.get("source_identifier") or ""
    r = doc.get("Report", {})
    return r.get("SourceIp") or (r.get("Source") or {}).get("IP") or ""


for f in sorted(glob.glob(os.path.join(D, "xarf/xarf-spec/samples/*/*.json"))) + \
        sorted(glob.glob(os.path.join(D, "xarf/abusix-xarf/samples/positive/*/*.json"))):
    doc, occ, err = xarf_json(f, "xarf")
    src = xarf_source(doc)
    try:
        ipaddress.ip_address(src)
        is_ip = True
    except ValueError:
        is_ip = False
    if is_ip:
        if len(occ) != 1 or occ[0]["ip"] != str(ipaddress.ip_address(src)):
            bad("%s: want one occurrence of %s, got %s %s" % (f, src, occ, err.strip()[:200]))
        elif occ[0]["format"] != "xarf" or occ[0]["confidence"] != "high":
            bad("%s: %s" % (f, occ[0]))
        count("xarf json with an address")
    else:
        # a host name or URL: nothing to trace to a host of ours, said so
        if occ or ("not an IP address" not in err and "no reported address" not in err):
            bad("%s: source %r should be refused with a reason: %s %s" % (f, src, occ, err[:200]))
        count("xarf json about a name, refused")

for f in sorted(glob.glob(os.path.join(D, "xarf/abusix-xarf/samples/negative/*/*.json"))):
    doc, occ, err = xarf_json(f, "xarf-neg")
    if not occ and not err.strip():
        bad("%s: neither parsed nor refused with a reason" % f)
    count("xarf negative samples")

for f in sorted(glob.glob(os.path.join(D, "xarf/abuseio/*.eml"))):
    occ, err = parse_file(f)
    # Netcraft's URL reports name no address; everything else does
    if not occ and "is not an IP address" not in err:
        bad("%s: nothing found (%s)" % (f, err.strip()[:200]))
    count("xarf mails")
    count("xarf mail occurrences", len(occ))

rx = os.path.join(D, "xarf/rxarf-classic-v0.2")
for f in sorted(glob.glob(os.path.join(rx, "*-report.txt"))):
    # whole X-ARF mails as the sender's MTA delivered them
    occ, err = parse_file(f)
    # (these samples hold tabs, which strict YAML refuses: read the key by hand)
    import re
    m = re.search(r"^Source:\s*(\S+)", open(f, encoding="utf-8", errors="replace").read(), re.M)
    srcip = m.group(1).strip("'\"") if m else ""
    try:
        ipaddress.ip_address(srcip)
        want_ip = True
    except ValueError:
        want_ip = False
    if not occ and not err.strip():
        bad("%s: nothing found and no reason given" % f)
    if want_ip and (not occ or occ[0]["ip"] != srcip or occ[0]["format"] != "xarf"):
        bad("%s: want %s from the YAML report, got %s %s" % (f, srcip, occ, err.strip()[:200]))
    count("xarf 0.2 reports")

# ---- other complaints -----------------------------------------------------------------
for f in sorted(glob.glob(os.path.join(D, "other_reports/*/*.eml"))):
    occ, err = parse_file(f)
    for o in occ:
        if o["format"] == "text" and o["confidence"] != "low":
            bad("%s: guessed occurrence not low: %s" % (f, o))
    count("other mails")
    count("other occurrences", len(occ))

for k in sorted(counts):
    print("# %s: %d" % (k, counts[k]))
if failures:
    print("%d failures" % len(failures))
    sys.exit(1)
print("PASS")
