#!/usr/bin/python3
"""The baseline of the IMAP fetch benchmark (bench/imap.sh): read a whole
mailbox with imaplib, as fast as a plain client does, and (unless
--mark-seen or --clear-seen) change nothing and write nothing.

  imap_raw_fetch.py --port P --user U --password-file F [--host H]
                    [--mailbox INBOX] [--batch 200] [--expect N]

Logs in, EXAMINEs the mailbox (read-only), lists the UIDs with
`UID FETCH 1:* (UID)`, then fetches every message with
`UID FETCH a:b BODY.PEEK[]`, 200 messages a command, adding up their
lengths.  Prints one JSON object on stdout:

  {"messages": N, "bytes": B, "batches": K, "seconds": S}

S runs from the connection to the logout.  \\Seen is left alone (PEEK).

  imap_raw_fetch.py ... --mark-seen

is the same client doing what `after = seen` makes the gateway do: SELECT
(read-write) and, after each batch, `UID STORE a:b +FLAGS.SILENT (\\Seen)`
(Dovecot renames each Maildir file): a second, informative baseline.

  imap_raw_fetch.py ... --clear-seen

is the benchmark's untimed reset, and the only mode that changes anything:
SELECT, `UID STORE 1:* -FLAGS.SILENT (\\Seen)`; prints
{"cleared": N, "seconds": S}.

Exit status: 0, or 1 with a message on stderr (also when --expect N is
given and another number of messages was read).  Standard library only; run
it with /usr/bin/python3.
"""

import argparse
import imaplib
import json
import re
import sys
import time


class Fail(Exception):
    pass


def check(typ, data, what):
    if typ != "OK":
        raise Fail("%s: %s %r" % (what, typ, data))
    return data


def quote(name):
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def login(args):
    with open(args.password_file, encoding="utf-8") as f:
        password = f.read().rstrip("\r\n")
    m = imaplib.IMAP4(args.host, args.port, timeout=args.timeout)
    check(*m.login(args.user, password), "LOGIN")
    return m


UID_RE = re.compile(rb"UID (\d+)")


def list_uids(m):
    typ, data = m.uid("FETCH", "1:*", "(UID)")
    check(typ, data, "UID FETCH 1:* (UID)")
    uids = []
    for d in data:
        if isinstance(d, tuple):
            d = d[0]
        if not d:
            continue
        mo = UID_RE.search(d)
        if mo:
            uids.append(int(mo.group(1)))
    uids.sort()
    return uids


def raw_fetch(args):
    t0 = time.monotonic()
    m = login(args)
    typ, data = m.select(quote(args.mailbox), readonly=not args.mark_seen)
    check(typ, data, "SELECT " + args.mailbox)
    exists = int(data[0])
    uids = list_uids(m) if exists > 0 else []
    count = total = batches = 0
    for i in range(0, len(uids), args.batch):
        chunk = uids[i:i + args.batch]
        # a:b covers exactly the listed UIDs between a and b (sorted)
        typ, data = m.uid("FETCH", "%d:%d" % (chunk[0], chunk[-1]),
                          "(BODY.PEEK[])")
        check(typ, data, "UID FETCH BODY.PEEK[]")
        batches += 1
        for d in data:
            if isinstance(d, tuple):
                total += len(d[1])
                count += 1
        if args.mark_seen:
            check(*m.uid("STORE", "%d:%d" % (chunk[0], chunk[-1]),
                         "+FLAGS.SILENT", "(\\Seen)"),
                  "UID STORE +FLAGS.SILENT (\\Seen)")
    m.logout()
    seconds = time.monotonic() - t0
    if count != len(uids):
        raise Fail("listed %d UIDs but read %d messages" % (len(uids), count))
    if args.expect is not None and count != args.expect:
        raise Fail("read %d messages, expected %d" % (count, args.expect))
    return {"messages": count, "bytes": total, "batches": batches,
            "seconds": round(seconds, 3)}


def clear_seen(args):
    t0 = time.monotonic()
    m = login(args)
    typ, data = m.select(quote(args.mailbox))
    check(typ, data, "SELECT " + args.mailbox)
    exists = int(data[0])
    if exists > 0:
        check(*m.uid("STORE", "1:*", "-FLAGS.SILENT", "(\\Seen)"),
              "UID STORE -FLAGS.SILENT (\\Seen)")
    m.logout()
    return {"cleared": exists, "seconds": round(time.monotonic() - t0, 3)}


def main():
    p = argparse.ArgumentParser(
        description="imaplib baseline of the supportgw IMAP benchmark")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--password-file", required=True)
    p.add_argument("--mailbox", default="INBOX")
    p.add_argument("--batch", type=int, default=200)
    p.add_argument("--expect", type=int)
    p.add_argument("--timeout", type=float, default=120)
    p.add_argument("--mark-seen", action="store_true",
                   help="flag each batch \\Seen once read (as after = seen)")
    p.add_argument("--clear-seen", action="store_true",
                   help="remove \\Seen from every message instead")
    args = p.parse_args()
    if args.batch < 1:
        p.error("--batch must be at least 1")
    try:
        res = clear_seen(args) if args.clear_seen else raw_fetch(args)
    except Fail as e:
        print("imap_raw_fetch: %s" % e, file=sys.stderr)
        return 1
    except (imaplib.IMAP4.error, OSError) as e:
        print("imap_raw_fetch: %s" % e, file=sys.stderr)
        return 1
    print(json.dumps(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
