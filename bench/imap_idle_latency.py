#!/usr/bin/python3
"""IDLE latency of a running `supportgw fetch` (bench/imap.sh).

  imap_idle_latency.py --port P --user U --password-file F --db STORE
                       [--mailbox INBOX] [--count 20] [--interval 1.5]
                       [--timeout 5] [--final-timeout 10] [--settle 1]
                       [--tag T] [--start 1]

With the gateway already watching --mailbox, APPENDs --count generated
messages to it, one at a time, --interval seconds apart, from this one
process, and for each message records, on one monotonic clock:

  append_done  the APPEND's tagged OK arrived (connection 1; how long the
               command took is reported too);
  exists       Dovecot announced the message (`* N EXISTS`) to an IDLE
               client of our own (connection 2: the mailbox SELECTed
               read-write, as the gateway does, and in IDLE all along);
  stored       its Message-ID is in the gateway's store, committed: the
               store is opened read-only (file:...?mode=ro) and polled
               every 5 ms.

The next message is appended when the previous one is stored and the
interval is over, or --timeout s after the previous APPEND: a message that
takes longer is "late" and its time is taken whenever it is stored (a
gateway that misses a notification may wait for the next one).  At the end,
late messages get --final-timeout more seconds; those still not stored are
"missing".

Prints one JSON object on stdout: each message's times in milliseconds
after append_done, the late and missing ones, and median, min and max of
  append_to_stored = stored - append_done  (what a user waits for)
  dovecot_notify   = exists - append_done  (Dovecot's own delay: 2.3
                     notifies IDLE clients 500 ms after a change)
  gateway_share    = stored - exists       (what the gateway controls)

The messages are imaptool.py's generated ones (Message-ID
<gen-TAG-I@example.org>).  Exit status: 0 (late or missing messages
included: they are in the JSON), or 1 with a message on stderr when the
IMAP dialogue or the store fails.  Standard library only; run it with
/usr/bin/python3.
"""

import argparse
import imaplib
import json
import os
import re
import sqlite3
import statistics
import sys
import threading
import time
import urllib.parse

sys.dont_write_bytecode = True  # no __pycache__ in the harness folder
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "integration", "harness"))
from imaptool import gen_message  # noqa: E402  (the harness's messages)
from imap_raw_fetch import Fail, check, quote  # noqa: E402  (beside this file)


EXISTS_RE = re.compile(rb"^\* (\d+) EXISTS")


class IdleWatcher:
    """Connection 2: IDLE on INBOX; a thread notes when each EXISTS came."""

    def __init__(self, args, password):
        self.m = imaplib.IMAP4(args.host, args.port)
        check(*self.m.login(args.user, password), "LOGIN (IDLE)")
        # SELECT, read-write, as the gateway does: Dovecot 2.3 announces
        # new mail to an EXAMINE (read-only) session of a 20,000-message
        # Maildir about 0.5-1 s later than to a read-write one.
        typ, data = self.m.select(quote(args.mailbox))
        check(typ, data, "SELECT " + args.mailbox)
        self.base = int(data[0])
        self.events = []  # (exists, monotonic time)
        self.cond = threading.Condition()
        self.error = None
        self.tag = self.m._new_tag().decode()
        self.m.send(("%s IDLE\r\n" % self.tag).encode())
        line = self.m.readline()
        if not line.startswith(b"+"):
            raise Fail("IDLE refused: %r" % line)
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        try:
            while True:
                line = self.m.readline()
                t = time.monotonic()
                if not line:
                    raise Fail("IDLE connection closed by the server")
                if line.startswith(self.tag.encode() + b" "):
                    return  # the tagged answer to DONE
                mo = EXISTS_RE.match(line)
                if mo:
                    with self.cond:
                        self.events.append((int(mo.group(1)), t))
                        self.cond.notify_all()
        except Exception as e:  # reported by wait_for / stop
            with self.cond:
                self.error = e
                self.cond.notify_all()

    def wait_for(self, n, deadline):
        """Time of the first EXISTS >= n (None if not by deadline)."""
        with self.cond:
            while True:
                for k, t in self.events:
                    if k >= n:
                        return t
                if self.error is not None:
                    raise Fail("IDLE: %s" % self.error)
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.cond.wait(left)

    def stop(self):
        try:
            self.m.send(b"DONE\r\n")
            self.thread.join(5)
            self.m.logout()
        except (imaplib.IMAP4.error, OSError):
            pass


def stored_checker(db):
    uri = "file:%s?mode=ro" % urllib.parse.quote(os.path.abspath(db))
    conn = sqlite3.connect(uri, uri=True, isolation_level=None,
                           check_same_thread=False)
    q = ("SELECT 1 FROM message_ids i JOIN messages m ON m.id = i.message_row"
         " WHERE i.message_id = ?")

    def stored(msgid):
        try:
            return conn.execute(q, (msgid,)).fetchone() is not None
        except sqlite3.OperationalError:  # busy for an instant: poll again
            return False
    return stored


def run(args):
    with open(args.password_file, encoding="utf-8") as f:
        password = f.read().rstrip("\r\n")
    stored = stored_checker(args.db)
    watcher = IdleWatcher(args, password)
    app = imaplib.IMAP4(args.host, args.port)
    msgs = []      # one dict per appended message
    pending = []   # those not in the store yet

    def poll(until, msg=None):
        """Poll the store every 5 ms for every pending message, until the
        monotonic time `until` or, with msg, until msg is stored."""
        while True:
            for m in list(pending):
                if stored(m["msgid"]):
                    m["t_stored"] = time.monotonic()
                    pending.remove(m)
            if msg is not None and "t_stored" in msg:
                return
            if not pending and msg is None:
                return
            if time.monotonic() >= until:
                return
            time.sleep(0.005)

    try:
        check(*app.login(args.user, password), "LOGIN (APPEND)")
        time.sleep(args.settle)
        next_at = time.monotonic()
        for k in range(args.count):
            i = args.start + k
            m = {"n": k + 1, "msgid": "gen-%s-%d@example.org" % (args.tag, i)}
            poll(next_at)
            time.sleep(max(0.0, next_at - time.monotonic()))
            next_at = time.monotonic() + args.interval
            m["t_send"] = time.monotonic()
            typ, data = app.append(quote(args.mailbox), None, None,
                                   gen_message(args.tag, i, True))
            m["t_app"] = time.monotonic()
            check(typ, data, "APPEND")
            mo = re.search(rb"APPENDUID \d+ (\d+)", data[0] or b"")
            m["uid"] = int(mo.group(1)) if mo else None
            msgs.append(m)
            pending.append(m)
            # wait for this one (and note the others): a message not
            # stored within --timeout is late; the run goes on, and its
            # time is taken whenever it is stored
            poll(m["t_app"] + args.timeout, m)
            if "t_stored" in m:
                print("idle: message %d/%d: APPEND took %.0f ms; stored "
                      "%.0f ms after it" % (m["n"], args.count,
                                            (m["t_app"] - m["t_send"]) * 1000,
                                            (m["t_stored"] - m["t_app"]) * 1000),
                      file=sys.stderr)
            else:
                print("idle: message %d/%d (UID %s) not stored %g s after its "
                      "APPEND; going on" % (m["n"], args.count, m["uid"],
                                            args.timeout), file=sys.stderr)
        poll(time.monotonic() + args.final_timeout)
        # Dovecot's EXISTS for each message (coalesced ones count for all)
        for m in msgs:
            m["t_exists"] = watcher.wait_for(watcher.base + m["n"],
                                             time.monotonic() + 2)
    finally:
        try:
            app.logout()
        except (imaplib.IMAP4.error, OSError):
            pass
        watcher.stop()

    rows = []
    for m in msgs:
        r = {"n": m["n"], "uid": m["uid"], "msgid": "<%s>" % m["msgid"],
             "append_ms": ms(m["t_app"] - m["t_send"])}
        if m.get("t_exists") is not None:
            r["exists_ms"] = ms(m["t_exists"] - m["t_app"])
        if "t_stored" in m:
            r["stored_ms"] = ms(m["t_stored"] - m["t_app"])
        if "exists_ms" in r and "stored_ms" in r:
            r["share_ms"] = round(r["stored_ms"] - r["exists_ms"], 1)
        rows.append(r)

    def summary(key):
        vals = [r[key] for r in rows if key in r]
        if not vals:
            return {"median": None, "min": None, "max": None, "n": 0}
        return {"median": round(statistics.median(vals), 1),
                "min": round(min(vals), 1), "max": round(max(vals), 1),
                "n": len(vals)}
    return {
        "count": len(rows),
        "mailbox": args.mailbox,
        "interval_s": args.interval,
        "timeout_s": args.timeout,
        "late": [r["n"] for r in rows
                 if r.get("stored_ms", 1e9) > args.timeout * 1000],
        "missing": [r["n"] for r in rows if "stored_ms" not in r],
        "no_exists": [r["n"] for r in rows if "exists_ms" not in r],
        "append_command_ms": summary("append_ms"),
        "append_to_stored_ms": summary("stored_ms"),
        "dovecot_notify_ms": summary("exists_ms"),
        "gateway_share_ms": summary("share_ms"),
        "messages": rows,
    }


def ms(seconds):
    return round(seconds * 1000, 1)


def main():
    p = argparse.ArgumentParser(
        description="IDLE latency of a running supportgw fetch")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--password-file", required=True)
    p.add_argument("--db", required=True, help="the gateway's store")
    p.add_argument("--count", type=int, default=20)
    p.add_argument("--interval", type=float, default=1.5)
    p.add_argument("--mailbox", default="INBOX")
    p.add_argument("--timeout", type=float, default=5,
                   help="seconds to wait for each message before the next")
    p.add_argument("--final-timeout", type=float, default=10,
                   help="seconds to wait at the end for late messages")
    p.add_argument("--settle", type=float, default=1,
                   help="seconds between IDLE and the first APPEND")
    p.add_argument("--tag", default="idle%d" % int(time.time()),
                   help="seed of the generated messages (Message-IDs)")
    p.add_argument("--start", type=int, default=1)
    args = p.parse_args()
    if args.count < 1:
        p.error("--count must be at least 1")
    if not os.path.exists(args.db):
        p.error("no store at %s" % args.db)
    try:
        res = run(args)
    except Fail as e:
        print("imap_idle_latency: %s" % e, file=sys.stderr)
        return 1
    except (imaplib.IMAP4.error, OSError, sqlite3.Error) as e:
        print("imap_idle_latency: %s" % e, file=sys.stderr)
        return 1
    print(json.dumps(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
