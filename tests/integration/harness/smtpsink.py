#!/usr/bin/python3
"""An SMTP sink for the integration tests and the benchmark.

    /usr/bin/python3 smtpsink.py --port P --dir DIR [--host 127.0.0.1]
        [--auth USER:PASSWORD] [--tls-cert C --tls-key K [--smtps]]

Run it with /usr/bin/python3: Debian's python3-aiosmtpd (1.4.3) belongs to
the system Python.  It listens on HOST:P (127.0.0.1 by default) and accepts
every message; nothing system-wide is read or written.  In DIR:

  mail/NNNNNN.eml  each accepted message, the DATA bytes as the client meant
                   them (dot-stuffing undone, CRLF kept), written to
                   mail/.NNNNNN.eml.tmp and renamed (no fsync); the sequence
                   goes on from the highest file already there
  log.jsonl        one JSON line per stored message, written after its file:
                   {"seq", "file", "mail_from", "rcpt_tos", "size", "time",
                    "session", "message_id" (null when none), "auth" (the
                    user or null), "tls", "answered" (false for
                    drop-after-data)}
  connections      JSON lines: {"event": "connect", "session", "peer",
                   "time"}, and "probe" (the harness's greeting check:
                   NOOP smtpsink-probe), "starttls", "auth" ("user", "ok"),
                   "refused" ("command", "reply", "mode") for each answer
                   forced by the mode, and "close" -- all with "session"
  mode             the control file, read again at every MAIL, RCPT and
                   DATA (missing or empty: ok); see MODES
  pid              this process's pid, written once the port listens (left
                   behind at exit: check /proc/PID/cmdline before using it)
  sink.err         nothing, unless something goes wrong (stderr)

MODES (one line: WHAT [N]; with N the next N forced answers only, then the
sink writes "ok" back into the file):
  ok               accept everything (the default)
  421              answer "421" to the next MAIL, RCPT or DATA and close the
                   connection (nothing stored)
  4NN, 5NN         that code at every RCPT (e.g. 451 temporary, 550
                   permanent); nothing is stored
  4NN:ADDR, 5NN:ADDR  that code only at RCPT TO:<ADDR> (case-insensitive);
                   the other recipients are accepted
  4NN-data, 5NN-data  the whole message is read, then answered with that code
                   (not stored)
  drop             close the connection, without an answer, at the DATA
                   command (nothing stored)
  drop-after-data  read the whole message, store it, then close the
                   connection without an answer (the client cannot know)
  delay:SECONDS    answer the end of DATA only after SECONDS (stored)

With --auth, MAIL needs AUTH PLAIN or LOGIN first (also without TLS); with
--tls-cert/--tls-key, STARTTLS is offered, or with --smtps the port speaks
TLS from the start.  SIGTERM or SIGINT: the listening socket and all
connections are closed, exit 0.
"""

import argparse
import asyncio
import json
import logging
import os
import re
import signal
import ssl
import sys
import time
import warnings

try:
    from aiosmtpd.smtp import SMTP, AuthResult
except ImportError:
    sys.stderr.write("smtpsink.py: aiosmtpd missing: run it with /usr/bin/python3 "
                     "(apt-get install python3-aiosmtpd)\n")
    sys.exit(1)

CODE_TEXT = {
    "421": "421 4.3.2 Service shutting down (smtpsink mode 421)",
}
OK = ("ok", None, None, 0, None)
MODE_RE = re.compile(r"^(?:(ok)|(421)|([45]\d\d)(-data)?(?::(.+))?|(drop)"
                     r"|(drop-after-data)|delay:(\d+(?:\.\d+)?))$", re.I)


def reply_for(code):
    if code in CODE_TEXT:
        return CODE_TEXT[code]
    kind = "temporary failure" if code[0] == "4" else "permanent failure"
    return "%s %s.0.0 %s (smtpsink mode %s)" % (code, code[0], kind, code)


def message_id(data):
    """The Message-ID header's value (unfolded), or None."""
    end = data.find(b"\r\n\r\n")
    if end < 0:
        end = data.find(b"\n\n")
    head = data if end < 0 else data[:end]
    if b"message-id" not in head.lower():
        return None
    value = None
    for line in head.splitlines():
        if value is not None:
            if line[:1] in (b" ", b"\t"):
                value += b" " + line.strip()
                continue
            break
        if line[:11].lower() == b"message-id:":
            value = line[11:].strip()
    if value is None:
        return None
    return value.strip().decode("utf-8", "replace")


class Sink:
    """The files in DIR, the mode, the counters."""

    def __init__(self, d, auth):
        self.dir = d
        self.maildir = os.path.join(d, "mail")
        os.makedirs(self.maildir, exist_ok=True)
        self.mode_path = os.path.join(d, "mode")
        self.auth = auth
        self.seq = 0
        for name in os.listdir(self.maildir):
            if name.endswith(".eml") and name[:-4].isdigit():
                self.seq = max(self.seq, int(name[:-4]))
        self.sessions = 0
        cpath = os.path.join(d, "connections")
        if os.path.exists(cpath):
            with open(cpath, "rb") as f:
                self.sessions = sum(1 for line in f if b'"connect"' in line)
        self.log = open(os.path.join(d, "log.jsonl"), "a", encoding="utf-8")
        self.conn = open(cpath, "a", encoding="utf-8")
        self.bad_mode = None

    def event(self, session, event, **kw):
        kw["event"] = event
        kw["session"] = session
        kw["time"] = round(time.time(), 6)
        self.conn.write(json.dumps(kw) + "\n")
        self.conn.flush()

    def mode(self):
        """(what, code, address, seconds, count) from DIR/mode."""
        try:
            fd = os.open(self.mode_path, os.O_RDONLY)
        except FileNotFoundError:
            return OK
        try:
            text = os.read(fd, 4096)
        finally:
            os.close(fd)
        if text in (b"ok\n", b"ok", b""):
            return OK
        text = text.decode("utf-8", "replace").strip()
        if not text:
            return OK
        parts = text.split()
        count = None
        if len(parts) == 2 and parts[1].isdigit():
            count = int(parts[1])
        m = MODE_RE.match(parts[0]) if len(parts) == 1 or count is not None else None
        if not m:
            if self.bad_mode != text:
                sys.stderr.write("smtpsink.py: unknown mode %r in %s: taken as ok\n"
                                 % (text, self.mode_path))
                self.bad_mode = text
            return OK
        if m.group(1):
            return OK
        if m.group(2):
            return ("421", "421", None, 0, count)
        if m.group(3):
            what = "data" if m.group(4) else "rcpt"
            addr = m.group(5).strip("<>").lower() if m.group(5) else None
            return (what, m.group(3), addr, 0, count)
        if m.group(6):
            return ("drop", None, None, 0, count)
        if m.group(7):
            return ("drop-after-data", None, None, 0, count)
        return ("delay", None, None, float(m.group(8)), count)

    def used(self, mode):
        """One forced answer given: count it down (N reached: back to ok)."""
        count = mode[4]
        if count is None:
            return
        try:
            with open(self.mode_path, "rb") as f:
                now = f.read().decode("utf-8", "replace").strip()
        except FileNotFoundError:
            return
        parts = now.split()
        if len(parts) != 2 or not parts[1].isdigit():
            return  # changed by the test meanwhile
        left = int(parts[1]) - 1
        text = "ok\n" if left <= 0 else "%s %d\n" % (parts[0], left)
        tmp = self.mode_path + ".sink.tmp"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, self.mode_path)

    def store(self, session, envelope, answered=True):
        self.seq += 1
        name = "%06d.eml" % self.seq
        data = envelope.original_content
        tmp = os.path.join(self.maildir, "." + name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)
        os.rename(tmp, os.path.join(self.maildir, name))
        rec = {
            "seq": self.seq,
            "file": "mail/" + name,
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "size": len(data),
            "time": round(time.time(), 6),
            "session": session.number,
            "message_id": message_id(data),
            "auth": session.sink_user,
            "tls": session.sink_tls,
        }
        if not answered:
            rec["answered"] = False
        self.log.write(json.dumps(rec) + "\n")
        self.log.flush()


class Handler:
    def __init__(self, sink):
        self.sink = sink

    async def handle_NOOP(self, server, session, envelope, arg):
        if arg == "smtpsink-probe":
            self.sink.event(session.number, "probe")
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, options):
        mode = server.mode  # read by SinkSMTP._forced for this command
        if mode[0] == "rcpt" and (mode[2] is None or mode[2] == address.lower()):
            reply = reply_for(mode[1])
            server.refused("RCPT", reply)
            self.sink.used(mode)
            return reply
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        mode = self.sink.mode()
        if mode[0] == "data":
            reply = reply_for(mode[1])
            server.refused("DATA-end", reply)
            self.sink.used(mode)
            return reply
        if mode[0] == "drop-after-data":
            self.sink.store(session, envelope, answered=False)
            server.refused("DATA-end", None)
            self.sink.used(mode)
            server.drop()
            return "250 OK"  # not sent: the transport is gone
        self.sink.store(session, envelope)
        if mode[0] == "delay":
            await asyncio.sleep(mode[3])
        return "250 OK"


class SinkSMTP(SMTP):
    """aiosmtpd's SMTP with the connection log and the 421 / drop modes."""

    sink = None
    smtps = False
    open_protocols = set()
    mode = OK

    def connection_made(self, transport):
        starttls = self._original_transport is not None
        super().connection_made(transport)
        if starttls:
            self.session.number = self.number
            self.session.sink_tls = True
            self.session.sink_user = None
            self.sink.event(self.number, "starttls")
            return
        self.sink.sessions += 1
        self.number = self.sink.sessions
        self.session.number = self.number
        self.session.sink_tls = self.smtps
        self.session.sink_user = None
        self.open_protocols.add(self)
        peer = self.session.peer
        self.sink.event(self.number, "connect",
                        peer="%s:%s" % peer[:2] if peer else None)

    def connection_lost(self, error):
        if self in self.open_protocols:
            self.open_protocols.discard(self)
            self.sink.event(self.number, "close")
        super().connection_lost(error)

    def refused(self, command, reply):
        self.sink.event(self.number, "refused", command=command, reply=reply)

    def drop(self):
        """Close at once, without a word."""
        self._handler_coroutine.cancel()
        if self.transport is not None:
            self.transport.abort()

    async def _forced(self, command):
        """True when the mode answered this command (421, drop)."""
        mode = self.mode = self.sink.mode()
        if mode[0] == "421":
            self.refused(command, CODE_TEXT["421"])
            self.sink.used(mode)
            await self.push(CODE_TEXT["421"])
            self._handler_coroutine.cancel()
            self.transport.close()
            return True
        if mode[0] == "drop" and command == "DATA":
            self.refused(command, None)
            self.sink.used(mode)
            self.drop()
            return True
        return False

    async def smtp_MAIL(self, arg):
        if not await self._forced("MAIL"):
            await super().smtp_MAIL(arg)

    async def smtp_RCPT(self, arg):
        if not await self._forced("RCPT"):
            await super().smtp_RCPT(arg)

    async def smtp_DATA(self, arg):
        if not await self._forced("DATA"):
            await super().smtp_DATA(arg)


def main():
    p = argparse.ArgumentParser(description="SMTP sink for the tests")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--dir", required=True)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--auth", metavar="USER:PASSWORD")
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    p.add_argument("--smtps", action="store_true",
                   help="implicit TLS (needs --tls-cert and --tls-key)")
    args = p.parse_args()
    if bool(args.tls_cert) != bool(args.tls_key):
        p.error("--tls-cert and --tls-key go together")
    if args.smtps and not args.tls_cert:
        p.error("--smtps needs --tls-cert and --tls-key")
    auth = None
    if args.auth is not None:
        user, sep, password = args.auth.partition(":")
        if not sep or not user:
            p.error("--auth USER:PASSWORD")
        auth = (user.encode(), password.encode())

    # aiosmtpd warns (warnings and logging) about AUTH without TLS and logs
    # every command at INFO: only errors go to stderr.
    warnings.simplefilter("ignore")
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    logging.basicConfig(level=logging.ERROR, stream=sys.stderr,
                        format="smtpsink.py: %(message)s")

    d = os.path.abspath(args.dir)
    sink = Sink(d, auth)
    SinkSMTP.sink = sink
    SinkSMTP.smtps = args.smtps
    handler = Handler(sink)

    ctx = None
    if args.tls_cert:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)

    def authenticator(server, session, envelope, mechanism, data):
        ok = (data.login, data.password) == auth
        name = data.login.decode("utf-8", "replace")
        sink.event(session.number, "auth", user=name, mechanism=mechanism, ok=ok)
        if ok:
            session.sink_user = name
        # handled=False: aiosmtpd answers 535 itself (its default, True,
        # means "the authenticator has answered" and nothing is sent)
        return AuthResult(success=ok, handled=False)

    kw = dict(hostname="smtpsink.test", ident="smtpsink (aiosmtpd)",
              enable_SMTPUTF8=True, auth_require_tls=False)
    if ctx is not None and not args.smtps:
        kw["tls_context"] = ctx
    if auth is not None:
        kw["authenticator"] = authenticator
        kw["auth_required"] = True

    async def serve():
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        for s in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(s, stop.set)
        try:
            server = await loop.create_server(
                lambda: SinkSMTP(handler, loop=loop, **kw), host=args.host,
                port=args.port, ssl=ctx if args.smtps else None,
                reuse_address=True)
        except OSError as e:
            sys.stderr.write("smtpsink.py: cannot listen on %s:%d: %s\n"
                             % (args.host, args.port, e.strerror or e))
            return 1
        pidfile = os.path.join(d, "pid")
        with open(pidfile + ".tmp", "w") as f:
            f.write("%d\n" % os.getpid())
        os.replace(pidfile + ".tmp", pidfile)
        await stop.wait()
        server.close()
        for proto in list(SinkSMTP.open_protocols):
            if proto.transport is not None:
                proto.transport.abort()
        await server.wait_closed()
        await asyncio.sleep(0)
        return 0

    return asyncio.run(serve())


if __name__ == "__main__":
    sys.exit(main())
