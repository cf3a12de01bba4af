#!/bin/sh
# make-conntrack.sh - regenerate conntrack-events.log with the real kernel
# and conntrack-tools: a gateway namespace masquerades an inside namespace
# (172.16.30.0/24) behind 198.51.100.1 towards an outside namespace
# (198.51.100.2); `conntrack -E -o timestamp` in the gateway records the NEW
# and DESTROY events of a few TCP and UDP sessions. Needs root, iproute2,
# nftables, conntrack and python3.
#   sh tests/nat/data/make-conntrack.sh > tests/nat/data/conntrack-events.log
set -eu
for n in vin vgw vout; do ip netns del $n 2>/dev/null || true; done
cleanup() { for n in vin vgw vout; do ip netns del $n 2>/dev/null || true; done; }
trap cleanup EXIT
ip netns add vin; ip netns add vgw; ip netns add vout
ip link add vin0 netns vin type veth peer name gwin netns vgw
ip link add vout0 netns vout type veth peer name gwout netns vgw
ip -n vin addr add 172.16.30.10/24 dev vin0
ip -n vin addr add 172.16.30.11/24 dev vin0
ip -n vgw addr add 172.16.30.1/24 dev gwin
ip -n vgw addr add 198.51.100.1/24 dev gwout
ip -n vout addr add 198.51.100.2/24 dev vout0
for n in vin vgw vout; do ip -n $n link set lo up; done
ip -n vin link set vin0 up; ip -n vgw link set gwin up; ip -n vgw link set gwout up; ip -n vout link set vout0 up
ip -n vin route add default via 172.16.30.1
ip netns exec vgw sysctl -qw net.ipv4.ip_forward=1
ip netns exec vgw sysctl -qw net.netfilter.nf_conntrack_timestamp=1 2>/dev/null || true
ip netns exec vgw nft -f - <<'NFT'
table ip nat {
	chain post { type nat hook postrouting priority 100; oifname "gwout" masquerade random; }
}
NFT
# servers outside: a TCP echo on 8080, a UDP echo on 5353
ip netns exec vout python3 -c '
import socket, threading
def tcp():
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("198.51.100.2", 8080)); s.listen(16)
    while True:
        c, _ = s.accept(); d = c.recv(100); c.sendall(d); c.close()
def udp():
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("198.51.100.2", 5353))
    while True:
        d, a = u.recvfrom(100); u.sendto(d, a)
threading.Thread(target=tcp, daemon=True).start(); udp()' &
srv=$!
sleep 0.5
ip netns exec vgw conntrack -E -o timestamp > "${TMPDIR:-/tmp}/ct.$$" 2>/dev/null &
ct=$!
sleep 0.5
ip netns exec vin python3 -c '
import socket, time
for src in ("172.16.30.10", "172.16.30.11", "172.16.30.10"):
    s = socket.socket(); s.bind((src, 0)); s.connect(("198.51.100.2", 8080))
    s.sendall(b"hello"); s.recv(100); time.sleep(0.3); s.close(); time.sleep(0.2)
for src in ("172.16.30.10", "172.16.30.11"):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind((src, 0))
    u.sendto(b"q", ("198.51.100.2", 5353)); u.recvfrom(100); u.close()'
# UDP entries live 30 s, TCP ones 120 s in TIME_WAIT: flush them so DESTROY is logged
sleep 1
ip netns exec vgw conntrack -D -p udp >/dev/null 2>&1 || true
ip netns exec vgw conntrack -D -p tcp >/dev/null 2>&1 || true
sleep 1
kill $ct $srv 2>/dev/null || true
wait 2>/dev/null || true
cat "${TMPDIR:-/tmp}/ct.$$"
rm -f "${TMPDIR:-/tmp}/ct.$$"
