#!/usr/bin/env python3
# mail_client.py: the SMTP and IMAP client of the deploy tests (test/integration/deploy/):
# one message through Postfix's port 25 or the submission service (STARTTLS + AUTH), a
# burst of AUTH sessions, and IMAP / IMAPS logins. Prints one line per protocol step
# ("MAIL 250 ...", "RCPT 550 ...", "DATA 552 ...", "LOGIN NO ...") and never raises for a
# refusal: the test asserts on the lines.
# Rules: R-PSH-5, R-SAV-4, R-PSH-6, R-SAV-10, R-MYO-11 (what the tests drive through it).
import argparse
import base64
import imaplib
import smtplib
import socket
import ssl
import sys


def tls_context():
    # The tests' certificate is self-signed: encryption, not identity, is under test.
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def auth_plain(s, login, password):
    token = base64.b64encode(f"\0{login}\0{password}".encode()).decode()
    return s.docmd("AUTH", "PLAIN " + token)


def reply(code, text):
    return f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"


def smtp_session(a):
    s = smtplib.SMTP("127.0.0.1", a.port, timeout=60)
    s.ehlo("client.deploy.test")
    if a.login:
        code, text = s.starttls(context=tls_context())
        print("STARTTLS", reply(code, text))
        s.ehlo("client.deploy.test")
        code, text = auth_plain(s, a.login, a.password)
        print("AUTH", reply(code, text))
        if code != 235:
            s.close()
            return None
    return s


def cmd_send(a):
    s = smtp_session(a)
    if s is None:
        return
    opts = [] if a.size is None else [f"SIZE={a.size}"]
    code, text = s.mail(a.sender, opts)
    print("MAIL", reply(code, text))
    if code != 250:
        s.quit()
        return
    ok = 0
    for rcpt in a.to:
        code, text = s.rcpt(rcpt)
        print("RCPT", rcpt, reply(code, text))
        ok += code in (250, 251)
    if not ok:
        s.quit()
        return
    line = "x" * 76 + "\r\n"
    body = line * max(1, a.bytes // len(line))
    msg = (f"From: {a.header_from or a.sender}\r\nTo: {', '.join(a.to)}\r\n"
           f"Subject: {a.subject}\r\nMessage-ID: <{a.marker}@deploy.test>\r\n"
           f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}")
    code, text = s.data(msg.encode())
    print("DATA", reply(code, text))
    s.quit()


def cmd_auth_burst(a):
    # N sessions, each one STARTTLS + AUTH + QUIT: anvil counts AUTH commands per client.
    for i in range(1, a.count + 1):
        s = smtplib.SMTP("127.0.0.1", a.port, timeout=60)
        s.ehlo("client.deploy.test")
        s.starttls(context=tls_context())
        s.ehlo("client.deploy.test")
        code, text = auth_plain(s, a.login, a.password)
        print("AUTH", i, reply(code, text))
        try:
            s.quit()
        except smtplib.SMTPServerDisconnected:
            pass
        if code != 235 and a.stop_at_refusal:
            break


# Dovecot counts a client on the server's own address as secured (plaintext allowed even
# with ssl = required): the IMAP client connects from 127.0.0.2, as a remote one would.
SOURCE = ("127.0.0.2", 0)


class RemoteIMAP4(imaplib.IMAP4):
    def _create_socket(self, timeout):
        return socket.create_connection((self.host, self.port), timeout, source_address=SOURCE)


class RemoteIMAP4_SSL(imaplib.IMAP4_SSL):
    def _create_socket(self, timeout):
        sock = socket.create_connection((self.host, self.port), timeout, source_address=SOURCE)
        return self.ssl_context.wrap_socket(sock, server_hostname=self.host)


def cmd_imap(a):
    try:
        if a.mode == "imaps":
            c = RemoteIMAP4_SSL("127.0.0.1", a.port, ssl_context=tls_context(), timeout=30)
        else:
            c = RemoteIMAP4("127.0.0.1", a.port, timeout=30)
            if a.mode == "starttls":
                typ, data = c.starttls(ssl_context=tls_context())
                print("STARTTLS", typ)
        print("CAPABILITY", " ".join(c.capabilities))
        typ, data = c.login(a.login, a.password)
        print("LOGIN", typ, data[0].decode(errors="replace"))
        c.logout()
    except ConnectionRefusedError as e:
        print("CONNECT refused", e)
    except imaplib.IMAP4.error as e:
        print("LOGIN refused", e)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("send")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--login")
    s.add_argument("--password")
    s.add_argument("--from", dest="sender", required=True)
    s.add_argument("--header-from")
    s.add_argument("--to", action="append", required=True)
    s.add_argument("--bytes", type=int, default=100)
    s.add_argument("--size", type=int, help="declare SIZE= at MAIL FROM")
    s.add_argument("--subject", default="deploy test")
    s.add_argument("--marker", default="deploy")
    b = sub.add_parser("auth-burst")
    b.add_argument("--port", type=int, required=True)
    b.add_argument("--login", required=True)
    b.add_argument("--password", required=True)
    b.add_argument("--count", type=int, required=True)
    b.add_argument("--stop-at-refusal", action="store_true")
    i = sub.add_parser("imap")
    i.add_argument("mode", choices=["plain", "starttls", "imaps"])
    i.add_argument("--port", type=int, required=True)
    i.add_argument("--login", required=True)
    i.add_argument("--password", required=True)
    a = p.parse_args()
    {"send": cmd_send, "auth-burst": cmd_auth_burst, "imap": cmd_imap}[a.cmd](a)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
