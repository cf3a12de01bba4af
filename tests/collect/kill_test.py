#!/usr/bin/python3
"""kill_test.py - the collector's crash-safety test. A running `vigil collect`
(flush 200 ms) receives a continuous stream of NetFlow v5 packets whose flows
carry unique ids (source address 10.0.0.0 + id); it is killed with SIGKILL at
a random moment, restarted on the same store, and so on ROUNDS times. Then the
store must read without corrupt blocks, hold no duplicate and no unknown or
mangled flow, and hold every flow that was sent more than MARGIN seconds
before the kill of its round (flush interval + scheduling/fsync margin).

  kill_test.py VIGIL COLLECT_DUMP WORKDIR [ROUNDS]
Exit 0 on success, 1 on failure (with the reason)."""
import os
import random
import signal
import socket
import struct
import subprocess
import sys
import time

FLUSH_MS = 200
# seconds: flush 0.2 + 0.8 for scheduling and fdatasync on a busy, shared disk
MARGIN = float(os.environ.get("KILL_MARGIN", "1.0"))
PPS = 500             # export packets per second
RECS = 30             # flows per packet (v5 maximum)


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def v5_packet(seq, first_id, now):
    hdr = struct.pack(">HHIIIIBBH", 5, RECS, 100000, now, 0, seq, 0, 0, 0)
    recs = []
    for i in range(RECS):
        fid = first_id + i
        recs.append(struct.pack(">IIIHHIIIIHHBBBBHHBBH",
                                0x0A000000 + fid, 0xC0000201, 0, 1, 2,
                                fid % 7 + 1, fid % 100000 + 40, 90000, 99000,
                                fid & 0xFFFF, 443, 0, 0x1B, 6, 0, 0, 0, 24, 24, 0))
    return hdr + b"".join(recs)


def expected(fid):
    """The fields collect_dump prints for flow fid, except the times."""
    a = 0x0A000000 + fid
    src = "%d.%d.%d.%d" % (a >> 24, a >> 16 & 255, a >> 8 & 255, a & 255)
    return (src, str(fid & 0xFFFF), "192.0.2.1", "443", "6", str(fid % 7 + 1), str(fid % 100000 + 40))


def wait_ready(proc, log, timeout=20.0):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None:
            return False
        with open(log) as f:
            if "listening on" in f.read():
                return True
        time.sleep(0.02)
    return False


def main():
    vigil, dump, work = sys.argv[1], sys.argv[2], sys.argv[3]
    rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 20
    rnd = random.Random(int(os.environ.get("KILL_SEED", "12345")))
    os.chmod(work, 0o755)   # the collector drops to nobody when run as root
    store = os.path.join(work, "store")
    conf = os.path.join(work, "vigil.conf")
    with open(conf, "w") as f:
        f.write("[collect]\nstats_interval = 0\n[store]\nflush = %dms\n" % FLUSH_MS)
    port = free_port()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    dst = ("127.0.0.1", port)
    next_id, seq = 0, 0
    must = set()           # ids that have to be in the store
    sent_total = 0
    report = []
    t_start = time.monotonic()
    for r in range(rounds):
        log = os.path.join(work, "collect-%d.log" % r)
        with open(log, "w") as lf:
            proc = subprocess.Popen([vigil, "-v", "collect", "-c", conf, "-w", store,
                                     "-l", "127.0.0.1:%d" % port], stdout=lf, stderr=lf)
        if not wait_ready(proc, log):
            proc.kill()
            proc.wait()
            print("round %d: the collector did not start:\n%s" % (r, open(log).read()))
            return 1
        time.sleep(0.1)
        run_for = rnd.uniform(1.1, 2.0)
        sends = []          # (monotonic time after send, first id)
        t0 = time.monotonic()
        n = 0
        while True:
            now = time.monotonic()
            if now - t0 >= run_for:
                break
            sock.sendto(v5_packet(seq, next_id, int(time.time())), dst)
            sends.append((time.monotonic(), next_id))
            next_id += RECS
            seq += RECS
            n += 1
            delay = t0 + n / PPS - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        t_kill = time.monotonic()
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if proc.returncode != -signal.SIGKILL:
            print("round %d: collector exited by itself (%s):\n%s" % (r, proc.returncode, open(log).read()))
            return 1
        before = [fid for (t, fid) in sends if t < t_kill - MARGIN]
        for fid in before:
            must.update(range(fid, fid + RECS))
        sent_total += len(sends) * RECS
        report.append((r, len(sends) * RECS, len(before) * RECS, sends[0][1] if sends else 0, next_id,
                       [(t_kill - t, fid) for (t, fid) in sends]))
    sock.close()

    # A last clean start and stop on the same store: recovery after the last kill.
    log = os.path.join(work, "collect-final.log")
    with open(log, "w") as lf:
        proc = subprocess.Popen([vigil, "collect", "-c", conf, "-w", store, "-l", "127.0.0.1:%d" % port,
                                 "-v"], stdout=lf, stderr=lf)
    if not wait_ready(proc, log):
        print("final start failed:\n" + open(log).read())
        return 1
    proc.send_signal(signal.SIGTERM)
    if proc.wait(timeout=30) != 0:
        print("final clean stop failed (exit %s):\n%s" % (proc.returncode, open(log).read()))
        return 1

    out = subprocess.run([dump, "-R", store], capture_output=True, text=True)
    if out.returncode != 0:
        print("reading the store failed: " + out.stderr)
        return 1
    stats = dict(kv.split("=") for kv in out.stderr.split())
    seen = {}
    bad = 0
    for line in out.stdout.splitlines():
        f = line.split()
        # first last src sport dst dport proto packets bytes ...
        a = [int(x) for x in f[2].split(".")]
        fid = (a[0] << 24 | a[1] << 16 | a[2] << 8 | a[3]) - 0x0A000000
        if fid < 0 or fid >= next_id or tuple(f[2:9]) != expected(fid):
            bad += 1
            if bad < 5:
                print("mangled or unknown flow: " + line)
            continue
        seen[fid] = seen.get(fid, 0) + 1
    dups = sum(1 for v in seen.values() if v > 1)
    missing = sorted(must - seen.keys())
    print("%d rounds in %.1f s; sent %d flows, %d required, %d stored; store: %s"
          % (rounds, time.monotonic() - t_start, sent_total, len(must), len(seen), out.stderr.strip()))
    worst = 0.0
    for (r, s, m, lo, hi, sends) in report:
        got = sum(1 for i in range(lo, hi) if i in seen)
        # the oldest packet (seconds before the kill) not entirely stored
        lag = max([age for (age, fid) in sends if any(i not in seen for i in range(fid, fid + RECS))] or [0.0])
        worst = max(worst, lag)
        print("  round %2d: sent %6d, required %6d, stored %6d (lost at the kill: %d, "
              "sent up to %.2f s before it)" % (r, s, m, got, s - got, lag))
    print("worst: flows sent %.2f s before a kill were lost (allowed: %.2f s)" % (worst, MARGIN))
    ok = True
    if int(stats.get("bad_blocks", "1")) != 0:
        print("FAIL: corrupt blocks in the store")
        ok = False
    if bad:
        print("FAIL: %d mangled/unknown flows" % bad)
        ok = False
    if dups:
        print("FAIL: %d flows stored more than once" % dups)
        ok = False
    if missing:
        print("FAIL: %d required flows missing (first ids: %s)" % (len(missing), missing[:10]))
        ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
