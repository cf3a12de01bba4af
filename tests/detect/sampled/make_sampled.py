#!/usr/bin/python3
"""make_sampled.py - a busy campus day for the sampling test of vigil's detectors.

Ordinary traffic of a /16 constituency (10.10.0.0/16) -- web browsing by many
clients and a web proxy (TCP and QUIC), DNS through an internal resolver that asks many name
servers, mail in and out, a busy public web server, an ssh server and an
administrator's ssh sessions -- plus the incidents of ../scenarios/make.py (an
address scan, a port scan, a C&C beacon, a block-list fetch, a SYN flood, a DNS
reflection and an NTP amplifier), and a bigger address scan and port scan that
stay visible at 1:100. softflowd exports the same capture as IPFIX
unsampled and with its 1:10 and 1:100 packet sampling (`-s N`, announced in an
options template), so `vigil detect` sees the rate as it would from a router.

usage: /usr/bin/python3 make_sampled.py OUTDIR
  writes OUTDIR/s1.pcap, OUTDIR/s10.pcap, OUTDIR/s100.pcap and OUTDIR/labels.txt
Deterministic: a fixed random seed and start time.
"""
import os
import random
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scenarios"))
import make  # noqa: E402

T0 = make.T0
SPAN = 1500.0


def quic(c, t, cli, srv, sport, up, down):
    """A QUIC-like UDP exchange on 443/udp."""
    for i in range(up):
        c.udp(t + i * 0.02, cli, srv, sport, 443, 300)
    for i in range(down):
        c.udp(t + 0.01 + i * 0.02, srv, cli, 443, sport, 1200)


# outside addresses the lists (../scenarios/lists) or the incidents use
TAKEN = {"203.0.113.98", "203.0.113.99", "203.0.113.200", "203.0.113.250", "192.0.2.66", "192.0.2.67",
         "192.0.2.199"} | {"203.0.113.%d" % i for i in range(240, 248)} | \
        {"198.51.100.%d" % i for i in range(64, 96)}


def hosts(fmt, lo, hi):
    return [a for a in (fmt % i for i in range(lo, hi)) if a not in TAKEN]


def benign(c, rnd):
    """Ordinary traffic only; no event may name any of these hosts."""
    clients = ["10.10.1.%d" % i for i in range(10, 70)] + ["10.10.2.%d" % i for i in range(10, 40)]
    webs = hosts("203.0.113.%d", 1, 255) + hosts("198.51.100.%d", 100, 200)
    # browsing: each client a few dozen sessions to many different servers
    for cl in clients:
        for _ in range(rnd.randint(30, 70)):
            t = T0 + rnd.uniform(0, SPAN)
            make.tcp_session(c, t, cl, rnd.choice(webs), rnd.randint(32768, 60999),
                             rnd.choice([80, 443, 443, 443]), up=rnd.randint(1, 4),
                             down=rnd.randint(2, 20), size=1200)
        for _ in range(rnd.randint(3, 10)):
            quic(c, T0 + rnd.uniform(0, SPAN), cl, rnd.choice(webs), rnd.randint(32768, 60999),
                 rnd.randint(3, 12), rnd.randint(4, 30))
    # a web proxy: thousands of sessions to hundreds of servers, and QUIC
    for _ in range(2500):
        make.tcp_session(c, T0 + rnd.uniform(0, SPAN), "10.10.0.8", rnd.choice(webs),
                         rnd.randint(32768, 60999), rnd.choice([80, 443, 443]),
                         up=rnd.randint(1, 4), down=rnd.randint(2, 20), size=1200)
    for _ in range(300):
        quic(c, T0 + rnd.uniform(0, SPAN), "10.10.0.8", rnd.choice(webs), rnd.randint(32768, 60999),
             rnd.randint(3, 12), rnd.randint(4, 30))
    # DNS: clients ask the resolver, which asks many name servers outside
    nss = hosts("192.0.2.%d", 1, 255) + hosts("198.51.100.%d", 1, 100)
    for _ in range(6000):
        t = T0 + rnd.uniform(0, SPAN)
        cl = rnd.choice(clients)
        sp = rnd.randint(32768, 60999)
        c.udp(t, cl, "10.10.0.53", sp, 53, 40)
        c.udp(t + 0.002, "10.10.0.53", cl, 53, sp, 120)
        if rnd.random() < 0.4:
            sp2 = rnd.randint(1024, 65535)
            ns = rnd.choice(nss)
            c.udp(t + 0.0005, "10.10.0.53", ns, sp2, 53, 40)
            c.udp(t + 0.0015, ns, "10.10.0.53", 53, sp2, 180)
    # mail: outside MTAs deliver to the MX, which relays to many outside MTAs
    for _ in range(400):
        t = T0 + rnd.uniform(0, SPAN)
        make.tcp_session(c, t, "198.51.100.%d" % rnd.randint(20, 63), "10.10.0.25",
                         rnd.randint(32768, 60999), 25, up=6, down=2, size=300)
    for _ in range(300):
        t = T0 + rnd.uniform(0, SPAN)
        make.tcp_session(c, t, "10.10.0.25", rnd.choice(webs), rnd.randint(32768, 60999), 25,
                         up=6, down=2, size=300)
    # the busy public web server: thousands of sessions from many clients
    for _ in range(4000):
        t = T0 + rnd.uniform(0, SPAN)
        make.tcp_session(c, t, "198.18.%d.%d" % (rnd.randint(100, 120), rnd.randint(1, 254)),
                         "10.10.0.81", rnd.randint(32768, 60999), 443, up=2,
                         down=rnd.randint(3, 12))
    # an ssh server logged into from outside, and an administrator's ssh out
    for _ in range(300):
        t = T0 + rnd.uniform(0, SPAN)
        make.tcp_session(c, t, rnd.choice(webs), "10.10.0.22",
                         rnd.randint(32768, 60999), 22, up=10, down=10, size=100)
    for i in range(20):
        make.tcp_session(c, T0 + rnd.uniform(0, SPAN), "10.10.1.5", webs[i * 7 % len(webs)],
                         40000 + i, 22, up=25, down=25, size=100)


def big_incidents(c):
    """Scans large enough to be seen at 1:100 (the scenario's are not)."""
    for i in range(5000):
        dst = "198.18.%d.%d" % (10 + i // 250, 1 + i % 250)
        c.tcp(T0 + 600 + i * 0.05, "10.10.5.67", dst, 30000 + i % 20000, 23, "S")
    for p in range(1, 4001):
        c.tcp(T0 + 700 + p * 0.02, "203.0.113.98", "10.10.0.90", 62000, p, "S")
        c.tcp(T0 + 700 + p * 0.02 + 0.001, "10.10.0.90", "203.0.113.98", p, 62000, "RA")
    return [("scan", "10.10.5.67"), ("portscan", "10.10.0.90")]


def main():
    if len(sys.argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rnd = random.Random(20261206)
    c = make.Capture()
    benign(c, rnd)
    labels = make.incidents(c, rnd, SPAN, scale=1.0)
    labels += big_incidents(c)
    with tempfile.TemporaryDirectory() as td:
        raw = os.path.join(td, "traffic.pcap")
        c.write(raw)
        for n in (1, 10, 100):
            make.export(raw, os.path.join(out, "s%d.pcap" % n), 10, n)
    with open(os.path.join(out, "labels.txt"), "w") as f:
        for k, h in labels:
            f.write("%s %s\n" % (k, h))
    return 0


if __name__ == "__main__":
    sys.exit(main())
