#!/usr/bin/python3
"""router_grammar.py - check every line vigil renders for a router against
the vendor's command syntax, written down from the vendors' references:

cisco  (Cisco IOS Security Command Reference, "ip access-list", "deny (IP)",
        "ipv6 access-list", "deny (IPv6)"; IOS-XE the same):
    no ip access-list extended NAME | ip access-list extended NAME
    [SEQ] deny ip {host A | A WILDCARD} any     no SEQ
    [SEQ] permit ip any any                     (SEQ 1..2147483647)
    no ipv6 access-list NAME | ipv6 access-list NAME
    [sequence SEQ] deny ipv6 {host A6 | A6/LEN} any     no sequence SEQ
    [sequence SEQ] permit ipv6 any any          end      ! comment
    and WILDCARD must be a contiguous inverted mask whose zero bits are
    the network bits of A (A has no host bits).
juniper (Junos "firewall family inet filter", "source-address",
        "then discard", configuration mode "set/delete/insert"):
    set firewall family (inet|inet6) filter NAME term TERM from source-address P/L
    set firewall family (inet|inet6) filter NAME term TERM then (discard|accept)
    insert firewall family F filter NAME term TERM before term TERM
    delete firewall family F filter NAME [term TERM]     # comment
    with inet taking IPv4 prefixes and inet6 IPv6 ones; curly-brace files
    are checked for balanced braces, statements ending in ';' and the same
    term/from/then structure.

Usage: router_grammar.py cisco|juniper|juniper-curly FILE...  Exit 1 and
"FILE:LINE: reason" for each bad line.
"""
import ipaddress
import re
import sys

NAME = r'[A-Za-z][A-Za-z0-9_.-]{0,63}'
SEQ = r'(?P<seq>[1-9][0-9]{0,9})'


def seq_ok(m):
    s = m.groupdict().get('seq')
    return s is None or 1 <= int(s) <= 2147483647


def cisco_line(line, ctx):
    if line.startswith('!') or line == 'end':
        return None
    m = re.fullmatch(r'(no )?ip access-list extended (' + NAME + ')', line)
    if m:
        ctx['fam'] = 4
        return None
    m = re.fullmatch(r'(no )?ipv6 access-list (' + NAME + ')', line)
    if m:
        ctx['fam'] = 6
        return None
    if not line.startswith(' '):
        return 'not a command of ACL configuration'
    body = line[1:]
    if ctx.get('fam') == 4:
        m = re.fullmatch(r'(?:' + SEQ + ' )?deny ip host (\\S+) any', body)
        if m:
            ipaddress.IPv4Address(m.group(2))
            return None if seq_ok(m) else 'sequence number out of range'
        m = re.fullmatch(r'(?:' + SEQ + r' )?deny ip (\S+) (\S+) any', body)
        if m:
            a = ipaddress.IPv4Address(m.group(2))
            w = int(ipaddress.IPv4Address(m.group(3)))
            if (w + 1) & w:
                return 'wildcard %s is not an inverted contiguous mask' % m.group(3)
            if int(a) & w:
                return 'address %s has bits set under the wildcard' % a
            return None if seq_ok(m) else 'sequence number out of range'
        m = re.fullmatch(r'(?:' + SEQ + ' )?permit ip any any', body)
        if m or re.fullmatch(r'no ' + SEQ, body):
            return None
        return 'not an IPv4 extended ACL entry'
    if ctx.get('fam') == 6:
        m = re.fullmatch(r'(?:sequence ' + SEQ + r' )?deny ipv6 host (\S+) any', body)
        if m:
            ipaddress.IPv6Address(m.group(2))
            return None if seq_ok(m) else 'sequence number out of range'
        m = re.fullmatch(r'(?:sequence ' + SEQ + r' )?deny ipv6 (\S+)/(\d+) any', body)
        if m:
            ipaddress.IPv6Network('%s/%s' % (m.group(2), m.group(3)))  # strict: no host bits
            return None if seq_ok(m) else 'sequence number out of range'
        if re.fullmatch(r'(?:sequence ' + SEQ + ' )?permit ipv6 any any', body) or \
           re.fullmatch(r'no sequence ' + SEQ, body):
            return None
        return 'not an IPv6 ACL entry'
    return 'an ACL entry outside an access-list'


def juniper_line(line, ctx):
    if line.startswith('#') or not line:
        return None
    fam = r'(?P<fam>inet6?)'
    m = re.fullmatch(r'set firewall family ' + fam + ' filter (' + NAME + ') term (' + NAME +
                     r') from source-address (\S+)', line)
    if m:
        net = ipaddress.ip_network(m.group(4))  # strict: no host bits
        if (net.version == 4) != (m.group('fam') == 'inet'):
            return 'an IPv%d prefix in family %s' % (net.version, m.group('fam'))
        return None
    if re.fullmatch(r'set firewall family ' + fam + ' filter (' + NAME + ') term (' + NAME +
                    r') then (discard|accept)', line):
        return None
    if re.fullmatch(r'insert firewall family ' + fam + ' filter (' + NAME + ') term (' + NAME +
                    r') before term (' + NAME + ')', line):
        return None
    if re.fullmatch(r'delete firewall family ' + fam + ' filter (' + NAME + r')( term ' + NAME +
                    ')?', line):
        return None
    return 'not a Junos firewall filter command'


def juniper_curly(lines, name):
    bad = []
    depth = 0
    path = []
    for no, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or (line.startswith('/*') and line.endswith('*/')):
            continue
        if line == 'replace:':
            continue
        if line.endswith('{'):
            word = line[:-1].strip()
            if not re.fullmatch(r'(firewall|family inet6?|filter ' + NAME + '|term ' + NAME +
                                '|from|then|source-address)', word):
                bad.append('%s:%d: unexpected block %r' % (name, no, word))
            path.append(word)
            depth += 1
        elif line == '}':
            if not path:
                bad.append('%s:%d: unbalanced }' % (name, no))
            else:
                path.pop()
        elif line.endswith(';'):
            stmt = line[:-1]
            where = path[-1] if path else ''
            if where == 'source-address':
                net = ipaddress.ip_network(stmt)
                famp = [p for p in path if p.startswith('family')]
                if not famp or (net.version == 4) != (famp[0] == 'family inet'):
                    bad.append('%s:%d: %s in %s' % (name, no, stmt, famp))
            elif where == 'then' or stmt in ('then accept', 'then discard'):
                if stmt not in ('discard', 'accept', 'then accept', 'then discard'):
                    bad.append('%s:%d: unexpected action %r' % (name, no, stmt))
            else:
                bad.append('%s:%d: unexpected statement %r in %r' % (name, no, stmt, where))
        else:
            bad.append('%s:%d: neither a block, a statement nor a closing brace' % (name, no))
    if path:
        bad.append('%s: %d unclosed blocks' % (name, len(path)))
    return bad


def main():
    kind, files = sys.argv[1], sys.argv[2:]
    bad = []
    for f in files:
        lines = open(f).read().split('\n')
        if lines and lines[-1] == '':
            lines.pop()
        if kind == 'juniper-curly':
            bad += juniper_curly(lines, f)
            continue
        ctx = {}
        for no, line in enumerate(lines, 1):
            try:
                why = (cisco_line if kind == 'cisco' else juniper_line)(line, ctx)
            except ValueError as e:
                why = str(e)
            if why:
                bad.append('%s:%d: %s: %r' % (f, no, why, line))
    for b in bad:
        print(b)
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
