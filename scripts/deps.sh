#!/bin/sh
# Install the Debian packages vigil needs to build, test and benchmark.
# Idempotent: packages already present are left alone. Run as root (or via sudo).
set -eu
PKGS="exabgp build-essential cmake pkg-config clang libclang-rt-14-dev clang-format
 libcmocka-dev libinih-dev libzstd-dev liblz4-dev libsqlite3-dev sqlite3 libpq-dev
 libjansson-dev libpcap-dev zlib1g-dev
 libgmime-3.0-dev libxml2-dev libxml2-utils libarchive-dev libyaml-dev conntrack
 libcurl4-openssl-dev libgpgme-dev gnupg gpg-agent python3-aiosmtpd
 nfdump softflowd tcpreplay tshark postgresql hyperfine python3 python3-scapy python3-yaml
 python3-lxml python3-jsonschema time bc
 chromium fonts-dejavu-core
 libmicrohttpd-dev libsodium-dev libgnutls28-dev wrk curl
 rabbitmq-server librabbitmq-dev amqp-tools"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing
