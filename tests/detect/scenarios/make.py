#!/usr/bin/python3
"""make.py - labelled traffic for vigil's detectors, exported by a real exporter.

Generates a packet capture of a /16 constituency (10.10.0.0/16) with ordinary
traffic (web, DNS, mail, ssh) plus one of each incident the detectors must
find, then has softflowd turn it into NetFlow v9 / IPFIX exports (optionally
with softflowd's own 1:N packet sampling, `-s N`, which it announces in an
options template), receiving the export on a local UDP socket and writing it
out as a pcap of export datagrams -- the input `vigil detect -r` reads.

All "external" addresses are documentation / benchmark ranges (192.0.2.0/24,
198.51.100.0/24, 203.0.113.0/24, 198.18.0.0/15), never real third parties.

usage: /usr/bin/python3 make.py OUTDIR [--demo]
  writes OUTDIR/v9.pcap, OUTDIR/ipfix.pcap, OUTDIR/v9-s10.pcap (or, with
  --demo, OUTDIR/demo.pcap only) and OUTDIR/labels.txt.
Deterministic: a fixed random seed and fixed start time.
"""
import os
import random
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

from scapy.all import IP, TCP, UDP, Ether  # noqa: E402

T0 = 1709287200.0  # 2024-03-01T10:00:00Z

ETH = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02", type=0x0800)


class Capture:
    """Collects (time, bytes) packets and writes a classic pcap."""

    def __init__(self):
        self.pkts = []
        self.cache = {}

    def add(self, t, pkt):
        self.pkts.append((t, pkt))

    def tcp(self, t, src, dst, sport, dport, flags, payload=0):
        key = ("t", src, dst, sport, dport, flags, payload)
        b = self.cache.get(key)
        if b is None:
            b = bytes(ETH / IP(src=src, dst=dst) /
                      TCP(sport=sport, dport=dport, flags=flags) / (b"x" * payload))
            self.cache[key] = b
        self.add(t, b)

    def udp(self, t, src, dst, sport, dport, payload):
        key = ("u", src, dst, sport, dport, payload)
        b = self.cache.get(key)
        if b is None:
            b = bytes(ETH / IP(src=src, dst=dst) / UDP(sport=sport, dport=dport) /
                      (b"y" * payload))
            self.cache[key] = b
        self.add(t, b)

    def write(self, path):
        self.pkts.sort(key=lambda p: p[0])
        with open(path, "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
            for t, b in self.pkts:
                sec = int(t)
                usec = int(round((t - sec) * 1e6))
                if usec >= 1000000:
                    sec, usec = sec + 1, usec - 1000000
                f.write(struct.pack("<IIII", sec, usec, len(b), len(b)))
                f.write(b)


def tcp_session(c, t, cli, srv, sport, dport, up=2, down=4, size=1200):
    """A complete TCP conversation: handshake, data both ways, FIN."""
    c.tcp(t, cli, srv, sport, dport, "S")
    c.tcp(t + 0.01, srv, cli, dport, sport, "SA")
    c.tcp(t + 0.02, cli, srv, sport, dport, "A")
    for i in range(up):
        c.tcp(t + 0.03 + i * 0.01, cli, srv, sport, dport, "PA", 200)
    for i in range(down):
        c.tcp(t + 0.05 + i * 0.01, srv, cli, dport, sport, "PA", size)
    c.tcp(t + 0.2, cli, srv, sport, dport, "FA")
    c.tcp(t + 0.21, srv, cli, dport, sport, "FA")
    c.tcp(t + 0.22, cli, srv, sport, dport, "A")


def ordinary(c, rnd, span, scale=1.0):
    """Web, DNS, mail and ssh of a handful of hosts; nothing here may alarm."""
    clients = ["10.10.1.%d" % i for i in range(10, 40)]
    webs = ["203.0.113.%d" % i for i in range(10, 22)]
    n = int(300 * scale)
    for _ in range(n):
        t = T0 + rnd.uniform(0, span)
        tcp_session(c, t, rnd.choice(clients), rnd.choice(webs), rnd.randint(32768, 60999),
                    rnd.choice([80, 443, 443, 443]))
    # DNS: clients ask the internal resolver, which asks outside.
    for _ in range(n):
        t = T0 + rnd.uniform(0, span)
        cl = rnd.choice(clients)
        sp = rnd.randint(32768, 60999)
        c.udp(t, cl, "10.10.0.53", sp, 53, 40)
        c.udp(t + 0.001, "10.10.0.53", cl, 53, sp, 120)
        if rnd.random() < 0.3:
            sp2 = rnd.randint(1024, 65535)
            ns = rnd.choice(["192.0.2.53", "192.0.2.54", "198.51.100.53"])
            c.udp(t + 0.0005, "10.10.0.53", ns, sp2, 53, 40)
            c.udp(t + 0.0008, ns, "10.10.0.53", 53, sp2, 180)
    # Mail: external MTAs deliver to the internal MX, which relays out.
    for _ in range(int(40 * scale)):
        t = T0 + rnd.uniform(0, span)
        tcp_session(c, t, "198.51.100.%d" % rnd.randint(20, 40), "10.10.0.25",
                    rnd.randint(32768, 60999), 25, up=6, down=2, size=300)
    # Inbound web to the public server.
    for _ in range(int(120 * scale)):
        t = T0 + rnd.uniform(0, span)
        tcp_session(c, t, "203.0.113.%d" % rnd.randint(100, 160), "10.10.0.80",
                    rnd.randint(32768, 60999), 443)
    # Admin ssh inside, and one ssh session out.
    for _ in range(int(10 * scale)):
        t = T0 + rnd.uniform(0, span)
        tcp_session(c, t, "10.10.1.5", "10.10.2.%d" % rnd.randint(20, 25),
                    rnd.randint(32768, 60999), 22, up=20, down=20, size=100)
    tcp_session(c, T0 + 30, "10.10.1.5", "192.0.2.22", 40001, 22, up=30, down=30, size=100)


def incidents(c, rnd, span, scale=1.0):
    """One of each incident; returns the labels (kind, host)."""
    labels = []
    # Outbound horizontal scan 445/tcp from an infected internal host.
    n = int(1500 * scale)
    for i in range(n):
        dst = "198.18.%d.%d" % (i // 250, 1 + i % 250)
        c.tcp(T0 + 60 + i * 0.12, "10.10.5.66", dst, 50000 + i % 5000, 445, "S")
    labels.append(("scan", "10.10.5.66"))
    # Inbound vertical scan of the public web server.
    for p in range(1, int(700 * scale) + 1):
        c.tcp(T0 + 120 + p * 0.05, "203.0.113.99", "10.10.0.80", 61000, p, "S")
        c.tcp(T0 + 120 + p * 0.05 + 0.001, "10.10.0.80", "203.0.113.99", p, 61000, "RA")
    labels.append(("portscan", "10.10.0.80"))
    # C&C contact: a beaconing host talks to a listed server.
    for i in range(int(12 * max(scale, 0.5))):
        tcp_session(c, T0 + 90 + i * 45, "10.10.3.33", "192.0.2.66", 41000 + i, 8080,
                    up=3, down=3, size=400)
    labels.append(("cc", "10.10.3.33"))
    # Block-list hit: an internal host fetches from a listed network.
    for i in range(6):
        tcp_session(c, T0 + 200 + i * 30, "10.10.4.44", "198.51.100.77", 42000 + i, 80)
    labels.append(("blocklist", "10.10.4.44"))
    # DoS: a SYN flood from many spoofed sources against an internal server.
    nsrc = int(300 * scale)
    for s in range(nsrc):
        src = "198.19.%d.%d" % (s // 250, 1 + s % 250)
        for k in range(100):
            c.tcp(T0 + 300 + k * 0.6 + s * 0.0007, src, "10.10.7.7", 1024 + s, 80, "S")
    labels.append(("dos", "10.10.7.7"))
    # DNS reflection against an internal victim: many resolvers, sport 53, big answers.
    for r in range(int(200 * scale)):
        res = "198.18.200.%d" % (1 + r % 250) if r < 250 else "198.18.201.%d" % (r - 249)
        for k in range(20):
            c.udp(T0 + 420 + k * 1.5 + r * 0.003, res, "10.10.8.8", 53, 7777, 1400)
    labels.append(("dos", "10.10.8.8"))
    # Internal NTP amplifier: monlist answers to one external (spoofed) victim.
    for k in range(int(200 * scale)):
        t = T0 + 500 + k * 0.2
        c.udp(t, "203.0.113.200", "10.10.9.9", 80, 123, 8)
        for j in range(15):
            c.udp(t + 0.001 + j * 0.0001, "10.10.9.9", "203.0.113.200", 123, 80, 440)
    labels.append(("amplifier", "10.10.9.9"))
    return labels


class Sink(threading.Thread):
    """Receives export datagrams on 127.0.0.1 and keeps them with their time."""

    def __init__(self):
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.got = []
        self.stop = False

    def run(self):
        while not self.stop:
            try:
                data = self.sock.recv(65535)
            except socket.timeout:
                continue
            self.got.append(data)


def read_offset(pid, path):
    """How far process pid has read into path (from /proc), or -1."""
    try:
        for fd in os.listdir("/proc/%d/fd" % pid):
            if os.readlink("/proc/%d/fd/%s" % (pid, fd)) == path:
                with open("/proc/%d/fdinfo/%s" % (pid, fd)) as f:
                    for line in f:
                        if line.startswith("pos:"):
                            return int(line.split()[1])
    except OSError:
        pass
    return -1


def export(inpcap, outpcap, version, sampling):
    """Run softflowd over inpcap and write the export it sends as a pcap."""
    sink = Sink()
    sink.start()
    with tempfile.TemporaryDirectory() as td:
        cmd = ["softflowd", "-r", inpcap, "-n", "127.0.0.1:%d" % sink.port, "-v", str(version),
               "-d", "-p", os.path.join(td, "pid"), "-c", os.path.join(td, "ctl"),
               "-a", "-m", "1000000", "-t", "maxlife=60", "-t", "udp=60", "-t", "tcp=60"]
        if sampling > 1:
            cmd += ["-s", str(sampling)]
        # softflowd 1.1.0 does not exit at the end of a capture (it waits on
        # its control socket): wait until it has read the whole file, then
        # ask it to shut down, which expires and exports every flow.
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # Debian's 1.1.0 blocks in accept() on its control socket once per
        # main-loop turn when reading a file, so each control command lets
        # it process one batch (up to -m packets); poke it until the whole
        # capture is read.
        size = os.path.getsize(inpcap)
        ctl = os.path.join(td, "ctl")
        deadline = time.time() + 120
        while time.time() < deadline and proc.poll() is None:
            if not os.path.exists(ctl):
                time.sleep(0.05)
                continue
            off = read_offset(proc.pid, inpcap)
            if off < 0 or off >= size:
                break
            subprocess.run(["softflowctl", "-c", ctl, "statistics"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.3)
        subprocess.run(["softflowctl", "-c", os.path.join(td, "ctl"), "shutdown"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    time.sleep(0.5)
    sink.stop = True
    sink.join()
    cap = Capture()
    for i, d in enumerate(sink.got):
        b = bytes(IP(src="127.0.0.1", dst="127.0.0.1") / UDP(sport=40000, dport=2055) / d)
        cap.add(T0 + 900 + i * 0.001, bytes(ETH) + b)
    cap.write(outpcap)
    return len(sink.got)


def main():
    if len(sys.argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    out = sys.argv[1]
    demo = "--demo" in sys.argv[2:]
    os.makedirs(out, exist_ok=True)
    rnd = random.Random(20240301)
    c = Capture()
    span = 1500
    if demo:
        ordinary(c, rnd, span, scale=1.0)
        labels = incidents(c, rnd, span, scale=1.0)
    else:
        ordinary(c, rnd, span, scale=0.6)
        labels = incidents(c, rnd, span, scale=1.0)
    with tempfile.TemporaryDirectory() as td:
        raw = os.path.join(td, "traffic.pcap")
        c.write(raw)
        if demo:
            export(raw, os.path.join(out, "demo.pcap"), 9, 1)
        else:
            export(raw, os.path.join(out, "v9.pcap"), 9, 1)
            export(raw, os.path.join(out, "ipfix.pcap"), 10, 1)
            export(raw, os.path.join(out, "v9-s10.pcap"), 9, 10)
    with open(os.path.join(out, "labels.txt"), "w") as f:
        for k, h in labels:
            f.write("%s %s\n" % (k, h))
    return 0


if __name__ == "__main__":
    sys.exit(main())
