#!/usr/bin/env python3
# test/bench/milter_driver.py: the MTA side of the milter protocol (version 6), to drive
# mailwarden-milter straight at its socket without Postfix: test/bench/milter.sh uses it to
# fill the counter store with many distinct authenticated senders (R-PSH-6) and to measure
# the milter alone. Not a test of its own; no dependency beyond Python 3.
#
#   milter_driver.py --socket unix:/PATH|inet:HOST:PORT [--sessions N] [--messages M]
#                    [--login-format 'u{:06d}@example.org'] [--first K] [--logins L]
#                    [--rcpt ADDR] [--body-bytes B]
# Message i (0..M-1) is sent by login (first + i) % logins (as {auth_authen} and as the
# envelope and From: sender) to --rcpt, over N parallel milter connections (each one
# negotiates like Postfix, then sends its share of the messages). It honours what the
# milter negotiated: steps it asked to skip are not sent, no-reply steps are not waited
# for. Prints one JSON line: messages, elapsed seconds, rate, and the final answers by kind
# (accept, tempfail, reject, ...) with the first SMTP reply of each kind seen.
# Exit status: 0 when every message got an answer, 1 on a protocol or socket error.
# Treats the milter's answers as untrusted: lengths are bounded, unknown replies are errors.
import argparse
import json
import socket
import struct
import sys
import threading
import time

# Protocol steps (libmilter/mfdef.h).
NOCONNECT, NOHELO, NOMAIL, NORCPT, NOBODY, NOHDRS, NOEOH = 0x1, 0x2, 0x4, 0x8, 0x10, 0x20, 0x40
NR_HDR, NOUNKNOWN, NODATA, SKIP, RCPT_REJ = 0x80, 0x100, 0x200, 0x400, 0x800
NR_CONN, NR_HELO, NR_MAIL, NR_RCPT, NR_DATA = 0x1000, 0x2000, 0x4000, 0x8000, 0x10000
NR_UNKN, NR_EOH, NR_BODY, HDR_LEADSPC = 0x20000, 0x40000, 0x80000, 0x100000
# What Postfix 3.7 offers (milter_protocol = 6): every step flag it implements.
OFFERED_STEPS = (NOCONNECT | NOHELO | NOMAIL | NORCPT | NOBODY | NOHDRS | NOEOH | NR_HDR |
                 NOUNKNOWN | NODATA | SKIP | RCPT_REJ | NR_CONN | NR_HELO | NR_MAIL | NR_RCPT |
                 NR_DATA | NR_UNKN | NR_EOH | NR_BODY | HDR_LEADSPC)
OFFERED_ACTIONS = 0x1FF  # add/change headers, body, recipients, quarantine, from, symlist
MAX_PACKET = 1 << 20

FINAL = {b"a": "accept", b"c": "continue", b"r": "reject", b"t": "tempfail",
         b"d": "discard", b"y": "replycode", b"s": "skip", b"f": "conn_fail", b"4": "shutdown"}
# Replies that may come before the final one at end of message (modifications, progress).
INTERIM = {b"q", b"p", b"h", b"i", b"m", b"+", b"-", b"2", b"b", b"e"}


class ProtocolError(Exception):
    pass


class Connection:
    def __init__(self, spec, timeout):
        if spec.startswith("unix:"):
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            address = spec[len("unix:"):]
        elif spec.startswith("inet:"):
            host, _, port = spec[len("inet:"):].rpartition(":")
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            address = (host, int(port))
        else:
            raise ProtocolError("socket must be unix:/PATH or inet:HOST:PORT")
        self.sock.settimeout(timeout)
        self.sock.connect(address)
        self.reader = self.sock.makefile("rb")
        self.out = bytearray()
        self.steps = 0

    # Packets are buffered until a reply is awaited (Postfix writes each one, the milter
    # reads the same bytes either way; this only saves the driver's own system calls).
    def put(self, cmd, data=b""):
        self.out += struct.pack("!I", len(data) + 1) + cmd + data

    def flush(self):
        if self.out:
            self.sock.sendall(self.out)
            self.out.clear()

    def read(self):
        self.flush()
        head = self.reader.read(4)
        if len(head) != 4:
            raise ProtocolError("milter closed the connection")
        (length,) = struct.unpack("!I", head)
        if length < 1 or length > MAX_PACKET:
            raise ProtocolError(f"bad reply length {length}")
        body = self.reader.read(length)
        if len(body) != length:
            raise ProtocolError("short reply")
        return body[:1], body[1:]

    def final(self):
        """The final answer to a step: (kind, SMTP text or '')."""
        while True:
            cmd, data = self.read()
            if cmd in FINAL:
                text = data.rstrip(b"\0").decode("utf-8", "replace") if cmd == b"y" else ""
                return FINAL[cmd], text
            if cmd not in INTERIM:
                raise ProtocolError(f"unexpected reply {cmd!r}")

    def negotiate(self):
        self.put(b"O", struct.pack("!III", 6, OFFERED_ACTIONS, OFFERED_STEPS))
        cmd, data = self.read()
        if cmd != b"O" or len(data) < 12:
            raise ProtocolError("bad option negotiation reply")
        _, _, self.steps = struct.unpack("!III", data[:12])

    def step(self, cmd, data, no_reply_bit, macros=None):
        """Sends one step (with its macros); returns its answer, or None if none is due."""
        if macros:
            self.put(b"D", cmd + b"".join(k.encode() + b"\0" + v.encode() + b"\0"
                                          for k, v in macros.items()))
        self.put(cmd, data)
        if no_reply_bit and self.steps & no_reply_bit:
            return None
        return self.final()

    def close(self):
        try:
            self.put(b"Q")
            self.flush()
        finally:
            self.sock.close()


def z(*parts):
    return b"".join(p.encode() + b"\0" for p in parts)


def refused(answer):
    return answer is not None and answer[0] not in ("continue", "accept")


def run_session(args, index, share, results, lock):
    counts, samples = {}, {}

    def note(answer):
        kind, text = answer
        if kind == "replycode":
            kind = {"4": "tempfail", "5": "reject"}.get(text[:1], "replycode")
        counts[kind] = counts.get(kind, 0) + 1
        samples.setdefault(kind, text)

    try:
        c = Connection(args.socket, args.timeout)
        c.negotiate()
        if not c.steps & NOCONNECT:
            answer = c.step(b"C", z("client.example") + b"4" +
                            struct.pack("!H", 40000 + index) + z("127.0.0.1"), NR_CONN,
                            {"j": "mx.example", "{daemon_name}": "smtpd",
                             "{client_addr}": "127.0.0.1", "{client_name}": "client.example"})
            if refused(answer):
                raise ProtocolError(f"connect refused: {answer}")
        if not c.steps & NOHELO:
            c.step(b"H", z("client.example"), NR_HELO)
        body = (b"x" * 76 + b"\r\n") * max(1, args.body_bytes // 78)
        for n in share:
            login = args.login_format.format((args.first + n) % args.logins)
            qid = f"{index:02X}{n:08X}"
            answer = c.step(b"M", z(f"<{login}>", f"SIZE={len(body) + 200}"), NR_MAIL,
                            {"i": qid, "{auth_type}": "PLAIN", "{auth_authen}": login,
                             "{mail_addr}": login})
            if refused(answer):
                note(answer)
                continue
            answer = c.step(b"R", z(f"<{args.rcpt}>"), NR_RCPT,
                            {"i": qid, "{rcpt_addr}": args.rcpt})
            if refused(answer):
                note(answer)
                c.put(b"A")
                continue
            if not c.steps & NODATA:
                answer = c.step(b"T", b"", NR_DATA, {"i": qid})
                if refused(answer):
                    note(answer)
                    c.put(b"A")
                    continue
            headers = [("From", f"<{login}>"), ("To", f"<{args.rcpt}>"),
                       ("Subject", f"bench {n}"), ("Message-ID", f"<{qid}@bench.example>")]
            answer = None
            for name, value in headers:
                answer = c.step(b"L", z(name, value), NR_HDR)
                if refused(answer):
                    break
            if refused(answer):
                note(answer)
                c.put(b"A")
                continue
            if not c.steps & NOEOH:
                c.step(b"N", b"", NR_EOH)
            answer = c.step(b"B", body, NR_BODY)
            if refused(answer):
                note(answer)
                c.put(b"A")
                continue
            note(c.step(b"E", b"", 0, {"i": qid, "{auth_type}": "PLAIN",
                                       "{auth_authen}": login}))
        c.close()
    except (OSError, ProtocolError) as e:
        with lock:
            results["errors"].append(f"session {index}: {e}")
    with lock:
        for k, v in counts.items():
            results["answers"][k] = results["answers"].get(k, 0) + v
        for k, v in samples.items():
            results["samples"].setdefault(k, v)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--socket", required=True)
    p.add_argument("--sessions", type=int, default=1)
    p.add_argument("--messages", type=int, default=1000)
    p.add_argument("--login-format", default="u{:06d}@example.org")
    p.add_argument("--first", type=int, default=0)
    p.add_argument("--logins", type=int, default=1)
    p.add_argument("--rcpt", default="sink@discard.example")
    p.add_argument("--body-bytes", type=int, default=500)
    p.add_argument("--timeout", type=float, default=60.0)
    args = p.parse_args()
    if args.sessions < 1 or args.messages < 0 or args.logins < 1:
        p.error("sessions and logins must be >= 1, messages >= 0")
    results = {"answers": {}, "samples": {}, "errors": []}
    lock = threading.Lock()
    threads = [threading.Thread(target=run_session,
                                args=(args, i, range(i, args.messages, args.sessions),
                                      results, lock))
               for i in range(args.sessions)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    answered = sum(results["answers"].values())
    print(json.dumps({"messages": args.messages, "answered": answered,
                      "elapsed_s": round(elapsed, 3),
                      "rate": round(answered / elapsed, 1) if elapsed > 0 else 0,
                      **results}))
    return 0 if not results["errors"] and answered == args.messages else 1


if __name__ == "__main__":
    sys.exit(main())
