#!/usr/bin/python3
"""A small IMAP client for the integration tests and benchmarks (stdlib only).

  imaptool.py --port P --user U --password W [--host H] [--tls [--cafile F]]
              [--auth plain|login|xoauth2] CMD ...

Commands that log in:
  append MAILBOX FILE...        APPEND each file ('-' = stdin); prints the UIDs
         [--flags '\\Seen ...']
  append-gen MAILBOX N          APPEND N generated messages (one connection,
         [--seed S] [--start K]  LITERAL+ pipelined); Message-IDs
                                <gen-S-I@example.org>, I = K..K+N-1
  count MAILBOX                 messages in MAILBOX (EXISTS)
  flags MAILBOX                 "UID FLAG..." per message (\\Recent left out)
  uids MAILBOX                  the UIDs, one a line
  cat MAILBOX UID               the raw message
  create MAILBOX / delete MAILBOX
  expunge MAILBOX               remove every message of MAILBOX
  list                          mailbox names, one a line
  uidvalidity MAILBOX           UIDVALIDITY of MAILBOX
  capability                    capabilities after login (--prelogin: before)
Commands without a login:
  wait [--timeout S] [--pid P]  until the port greets with "* OK" (exit 1 on
                                timeout, or as soon as process P is gone)
  free-ports N                  N free TCP ports on 127.0.0.1
  gen-maildir DIR N [--seed S] [--start K] [--owner UID:GID]
                                write N generated messages into the Maildir
                                DIR/new (the same messages as append-gen)
Exit status: 0, or 1 with a message on stderr.
"""

import argparse
import imaplib
import os
import re
import socket
import ssl
import sys
import time


class Fail(Exception):
    pass


def gen_message(seed, i, crlf):
    """One generated message: distinct sender, subject and Message-ID."""
    day = 1 + i % 28
    lines = [
        "From: Customer %d <customer%d@example.org>" % (i, i),
        "To: Support <support@support.example.com>",
        "Subject: Generated request %s-%d" % (seed, i),
        "Date: Mon, %02d Jan 2024 %02d:%02d:%02d +0000"
        % (day, i // 3600 % 24, i // 60 % 60, i % 60),
        "Message-ID: <gen-%s-%d@example.org>" % (seed, i),
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "",
        "Hello,",
        "",
        "this is generated request %d (seed %s). My order number is"
        % (i, seed),
        "ORD-%s-%08d and it has not arrived yet." % (seed, i),
        "",
        "Regards,",
        "Customer %d" % i,
        "",
    ]
    return ("\r\n" if crlf else "\n").join(lines).encode()


def quote(name):
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def check(typ, data, what):
    if typ != "OK":
        msg = b" ".join(d for d in data if isinstance(d, bytes)).decode(
            "utf-8", "replace")
        raise Fail("%s: %s %s" % (what, typ, msg))
    return data


def connect(args):
    if args.tls:
        ctx = ssl.create_default_context(cafile=args.cafile)
        if not args.cafile:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        m = imaplib.IMAP4_SSL(args.host, args.port, ssl_context=ctx,
                              timeout=args.timeout)
    else:
        m = imaplib.IMAP4(args.host, args.port, timeout=args.timeout)
    return m


def login(args):
    if args.user is None or args.password is None:
        raise Fail("--user and --password are needed for this command")
    m = connect(args)
    if args.auth == "xoauth2":
        tok = "user=%s\x01auth=Bearer %s\x01\x01" % (args.user, args.password)
        check(*m.authenticate("XOAUTH2", lambda _: tok.encode()), "XOAUTH2")
    elif args.auth == "plain":
        tok = "\0%s\0%s" % (args.user, args.password)
        check(*m.authenticate("PLAIN", lambda _: tok.encode()), "PLAIN")
    else:
        check(*m.login(args.user, args.password), "LOGIN")
    return m


def examine(m, mbox):
    typ, data = m.select(quote(mbox), readonly=True)
    check(typ, data, "EXAMINE " + mbox)
    return int(data[0])


def read_file(path):
    if path == "-":
        return sys.stdin.buffer.read()
    with open(path, "rb") as f:
        return f.read()


def to_crlf(b):
    return re.sub(rb"\r?\n", b"\r\n", b)


def pipelined_append(m, mbox, messages, flags=None):
    """MULTIAPPEND (RFC 3502) of up to 500 messages a command, each a
    LITERAL+ literal: one transaction and no round trip per message."""
    uids = []
    fl = "(%s) " % flags if flags else ""
    batch = []
    n = 0
    for msg in messages:
        batch.append(msg)
        if len(batch) >= 500:
            uids += _multiappend(m, mbox, fl, batch, n)
            n += 1
            batch = []
    if batch:
        uids += _multiappend(m, mbox, fl, batch, n)
    return uids


def _multiappend(m, mbox, fl, batch, n):
    tag = "G%d" % n
    out = [("%s APPEND %s" % (tag, quote(mbox))).encode()]
    for msg in batch:
        out.append((" %s{%d+}\r\n" % (fl, len(msg))).encode())
        out.append(msg)
    out.append(b"\r\n")
    m.send(b"".join(out))
    while True:
        line = m.readline()
        if not line:
            raise Fail("APPEND: connection closed by the server")
        s = line.decode("utf-8", "replace").rstrip("\r\n")
        t, _, rest = s.partition(" ")
        if t == tag:
            break
    if not rest.startswith("OK"):
        raise Fail("APPEND %s: %s" % (mbox, rest))
    mo = re.search(r"APPENDUID \d+ ([0-9:,]+)", rest)
    if not mo:
        return ["?"] * len(batch)
    uids = []
    for part in mo.group(1).split(","):
        a, _, b = part.partition(":")
        lo, hi = int(a), int(b or a)
        uids += [str(u) for u in range(min(lo, hi), max(lo, hi) + 1)]
    return uids


def cmd_append(args, m):
    msgs = [to_crlf(read_file(p)) for p in args.files]
    for u in pipelined_append(m, args.mailbox, msgs, args.flags):
        print(u)


def cmd_append_gen(args, m):
    msgs = (gen_message(args.seed, i, True)
            for i in range(args.start, args.start + args.n))
    uids = pipelined_append(m, args.mailbox, msgs)
    print("%d appended" % len(uids))


def cmd_count(args, m):
    print(examine(m, args.mailbox))


def fetch_flags(m, mbox):
    if examine(m, mbox) == 0:
        return []
    typ, data = m.uid("FETCH", "1:*", "(FLAGS)")
    check(typ, data, "UID FETCH")
    res = []
    for d in data:
        if isinstance(d, tuple):
            d = d[0]
        if not d:
            continue
        s = d.decode("utf-8", "replace")
        u = re.search(r"UID (\d+)", s)
        f = re.search(r"FLAGS \(([^)]*)\)", s)
        if u:
            fl = [x for x in (f.group(1).split() if f else [])
                  if x != "\\Recent"]
            res.append((int(u.group(1)), fl))
    return sorted(res)


def cmd_flags(args, m):
    for uid, fl in fetch_flags(m, args.mailbox):
        print(" ".join([str(uid)] + fl))


def cmd_uids(args, m):
    for uid, _ in fetch_flags(m, args.mailbox):
        print(uid)


def cmd_cat(args, m):
    examine(m, args.mailbox)
    typ, data = m.uid("FETCH", str(args.uid), "(BODY.PEEK[])")
    check(typ, data, "UID FETCH")
    for d in data:
        if isinstance(d, tuple):
            sys.stdout.buffer.write(d[1])
            return
    raise Fail("no message with UID %s in %s" % (args.uid, args.mailbox))


def cmd_create(args, m):
    check(*m.create(quote(args.mailbox)), "CREATE " + args.mailbox)


def cmd_delete(args, m):
    check(*m.delete(quote(args.mailbox)), "DELETE " + args.mailbox)


def cmd_expunge(args, m):
    check(*m.select(quote(args.mailbox)), "SELECT " + args.mailbox)
    typ, data = m.store("1:*", "+FLAGS.SILENT", "(\\Deleted)")
    if typ == "OK":
        check(*m.expunge(), "EXPUNGE")


def list_names(m):
    typ, data = m.list()
    check(typ, data, "LIST")
    names = []
    it = iter(data)
    for d in it:
        if isinstance(d, tuple):  # name sent as a literal
            names.append(d[1].decode("utf-8", "replace"))
            continue
        if d is None:
            continue
        s = d.decode("utf-8", "replace")
        mo = re.match(r'\(([^)]*)\) (NIL|"(?:[^"\\]|\\.)*") (.*)$', s)
        if not mo:
            continue
        name = mo.group(3)
        if name.startswith('"'):
            name = re.sub(r"\\(.)", r"\1", name[1:-1])
        names.append(name)
    return names


def cmd_list(args, m):
    for n in list_names(m):
        print(n)


def cmd_uidvalidity(args, m):
    typ, data = m.status(quote(args.mailbox), "(UIDVALIDITY)")
    check(typ, data, "STATUS " + args.mailbox)
    mo = re.search(rb"UIDVALIDITY (\d+)", data[0])
    if not mo:
        raise Fail("STATUS: no UIDVALIDITY in %r" % data[0])
    print(mo.group(1).decode())


def cmd_capability(args, m):
    typ, data = m.capability()
    check(typ, data, "CAPABILITY")
    print(data[0].decode())


def proc_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open("/proc/%d/stat" % pid) as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    except OSError:
        return True


def cmd_wait(args):
    deadline = time.monotonic() + args.wait_timeout
    last = "nothing tried"
    while time.monotonic() < deadline:
        if args.pid and not proc_alive(args.pid):
            raise Fail("process %d is gone" % args.pid)
        try:
            with socket.create_connection((args.host, args.port),
                                          timeout=1) as s:
                if args.tls:
                    ctx = ssl.create_default_context()
                    ctx.check_hostname = False
                    ctx.verify_mode = ssl.CERT_NONE
                    s = ctx.wrap_socket(s)
                line = s.makefile("rb").readline()
                if line.startswith(b"* OK"):
                    return
                last = "greeting %r" % line
        except OSError as e:
            last = str(e)
        time.sleep(0.05)
    raise Fail("port %d: no IMAP greeting within %g s (%s)"
               % (args.port, args.wait_timeout, last))


def cmd_free_ports(args):
    socks = []
    try:
        for _ in range(args.n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        print(" ".join(str(s.getsockname()[1]) for s in socks))
    finally:
        for s in socks:
            s.close()


def cmd_gen_maildir(args):
    owner = None
    if args.owner:
        u, _, g = args.owner.partition(":")
        owner = (int(u), int(g or -1))
    for sub in ("", "cur", "new", "tmp"):
        p = os.path.join(args.dir, sub)
        if not os.path.isdir(p):
            os.makedirs(p)
            if owner:
                os.chown(p, *owner)
    if os.path.basename(os.path.normpath(args.dir)).startswith("."):
        mf = os.path.join(args.dir, "maildirfolder")
        if not os.path.exists(mf):
            open(mf, "w").close()
            if owner:
                os.chown(mf, *owner)
    now = int(time.time())
    pid = os.getpid()
    host = socket.gethostname().replace("/", "_").replace(":", "_")
    tmp = os.path.join(args.dir, "tmp")
    new = os.path.join(args.dir, "new")
    for i in range(args.start, args.start + args.n):
        msg = gen_message(args.seed, i, False)
        name = "%d.M%dP%dQ%d.%s,S=%d" % (now, i, pid, i, host, len(msg))
        t = os.path.join(tmp, name)
        with open(t, "wb") as f:
            f.write(msg)
        if owner:
            os.chown(t, *owner)
        os.rename(t, os.path.join(new, name))
    print("%d written" % args.n)


def main():
    p = argparse.ArgumentParser(
        description="IMAP helper for the supportgw integration tests")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=143)
    p.add_argument("--user")
    p.add_argument("--password")
    p.add_argument("--tls", action="store_true", help="imaps (TLS at once)")
    p.add_argument("--cafile", help="verify the server against these CAs")
    p.add_argument("--auth", choices=("login", "plain", "xoauth2"),
                   default="login")
    p.add_argument("--timeout", type=float, default=30)
    sub = p.add_subparsers(dest="cmd", required=True)

    s = sub.add_parser("append")
    s.add_argument("mailbox")
    s.add_argument("files", nargs="+")
    s.add_argument("--flags", help="e.g. '\\Seen'")
    s.set_defaults(fn=cmd_append)
    s = sub.add_parser("append-gen")
    s.add_argument("mailbox")
    s.add_argument("n", type=int)
    s.add_argument("--seed", default="0")
    s.add_argument("--start", type=int, default=1)
    s.set_defaults(fn=cmd_append_gen)
    for name, fn in (("count", cmd_count), ("flags", cmd_flags),
                     ("uids", cmd_uids), ("create", cmd_create),
                     ("delete", cmd_delete), ("expunge", cmd_expunge),
                     ("uidvalidity", cmd_uidvalidity)):
        s = sub.add_parser(name)
        s.add_argument("mailbox")
        s.set_defaults(fn=fn)
    s = sub.add_parser("cat")
    s.add_argument("mailbox")
    s.add_argument("uid", type=int)
    s.set_defaults(fn=cmd_cat)
    s = sub.add_parser("list")
    s.set_defaults(fn=cmd_list)
    s = sub.add_parser("capability")
    s.add_argument("--prelogin", action="store_true")
    s.set_defaults(fn=cmd_capability)

    s = sub.add_parser("wait")
    s.add_argument("--timeout", dest="wait_timeout", type=float, default=10)
    s.add_argument("--pid", type=int)
    s.set_defaults(nologin=cmd_wait)
    s = sub.add_parser("free-ports")
    s.add_argument("n", type=int, nargs="?", default=1)
    s.set_defaults(nologin=cmd_free_ports)
    s = sub.add_parser("gen-maildir")
    s.add_argument("dir")
    s.add_argument("n", type=int)
    s.add_argument("--seed", default="0")
    s.add_argument("--start", type=int, default=1)
    s.add_argument("--owner", help="UID:GID of the files (as root)")
    s.set_defaults(nologin=cmd_gen_maildir)

    args = p.parse_args()
    try:
        if getattr(args, "nologin", None):
            args.nologin(args)
            return 0
        if args.cmd == "capability" and args.prelogin:
            m = connect(args)
            print(" ".join(m.capabilities))
            m.shutdown()
            return 0
        m = login(args)
        try:
            args.fn(args, m)
        finally:
            try:
                m.logout()
            except Exception:
                pass
    except Fail as e:
        print("imaptool: %s" % e, file=sys.stderr)
        return 1
    except (imaplib.IMAP4.error, OSError, ssl.SSLError) as e:
        print("imaptool: %s: %s" % (args.cmd, e), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
