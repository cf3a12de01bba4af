#!/usr/bin/python3
"""smtpd.py - a real SMTP server for vigil's tests (aiosmtpd; run it with
/usr/bin/python3, whose Debian python3-aiosmtpd it needs).

  smtpd.py --port N --dir DIR [--fail-after K] [--reject ADDR]... [--auth USER:PASS]

Listens on 127.0.0.1:N (0: a free port) and keeps each accepted message as
DIR/NNNNNN.eml, exactly the bytes of DATA after dot-unstuffing (no Received
or X-Peer header), beside DIR/NNNNNN.env, JSON {"mail_from", "rcpt_tos"}.
Numbering goes on after the .eml files already in DIR, so a restarted
server does not overwrite. Every file is written whole (tmp and rename).
Once it listens it writes DIR/smtpd.pid, then DIR/smtpd.port: wait for the
port file, read the port from it.

--fail-after K  accept K messages, then exit at once (os._exit(3)) on the
                next DATA, as a server that dies in the middle of a batch.
--reject ADDR   answer 550 to RCPT TO:<ADDR> (may be repeated).
--auth U:P      require AUTH PLAIN/LOGIN with these credentials (no TLS).

It exits when its parent does, so a test that crashes leaves no server.
"""
import argparse
import asyncio
import json
import logging
import os
import re
import sys
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def write_whole(path, data):
    tmp = path + '.tmp'
    with open(tmp, 'wb') as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.rename(tmp, path)


class Handler:
    def __init__(self, args):
        self.dir = args.dir
        self.reject = {a.lower() for a in args.reject}
        self.fail_after = args.fail_after
        self.accepted = 0
        names = (re.fullmatch(r'(\d{6})\.eml', n) for n in os.listdir(self.dir))
        self.seq = max((int(m.group(1)) for m in names if m), default=0)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.reject:
            return '550 5.1.1 <%s>: recipient rejected' % address
        envelope.rcpt_tos.append(address)
        return '250 2.1.5 OK'

    async def handle_DATA(self, server, session, envelope):
        if self.fail_after is not None and self.accepted >= self.fail_after:
            os._exit(3)
        self.seq += 1
        self.accepted += 1
        base = os.path.join(self.dir, '%06d' % self.seq)
        write_whole(base + '.eml', envelope.original_content)
        env = {'mail_from': envelope.mail_from, 'rcpt_tos': envelope.rcpt_tos}
        write_whole(base + '.env', json.dumps(env).encode())
        return '250 2.0.0 OK queued as %06d' % self.seq


def main():
    ap = argparse.ArgumentParser(description='SMTP server for the tests')
    ap.add_argument('--port', type=int, required=True)
    ap.add_argument('--dir', required=True)
    ap.add_argument('--fail-after', type=int)
    ap.add_argument('--reject', action='append', default=[])
    ap.add_argument('--auth')
    args = ap.parse_args()
    logging.basicConfig(level=logging.ERROR)
    warnings.simplefilter('ignore')  # AUTH without TLS is the point here
    os.makedirs(args.dir, exist_ok=True)
    for n in ('smtpd.port', 'smtpd.pid'):
        try:
            os.unlink(os.path.join(args.dir, n))
        except FileNotFoundError:
            pass

    handler = Handler(args)
    kw = {'hostname': 'smtpd.test', 'decode_data': False, 'data_size_limit': 64 << 20}
    if args.auth:
        user, _, password = args.auth.partition(':')

        def check(server, session, envelope, mechanism, auth_data):
            ok = (isinstance(auth_data, LoginPassword) and auth_data.login == user.encode()
                  and auth_data.password == password.encode())
            return AuthResult(success=ok, handled=False)
        kw.update(authenticator=check, auth_required=True, auth_require_tls=False)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(loop.create_server(
        lambda: SMTP(handler, loop=loop, **kw), host='127.0.0.1', port=args.port))
    port = server.sockets[0].getsockname()[1]
    write_whole(os.path.join(args.dir, 'smtpd.pid'), b'%d\n' % os.getpid())
    write_whole(os.path.join(args.dir, 'smtpd.port'), b'%d\n' % port)

    parent = os.getppid()

    async def orphaned():
        while os.getppid() == parent:
            await asyncio.sleep(0.5)
        os._exit(0)
    loop.create_task(orphaned())
    loop.run_forever()


if __name__ == '__main__':
    sys.exit(main())
