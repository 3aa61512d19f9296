"""A real SMTP server for lb-alerts' tests: Debian's python3-aiosmtpd with STARTTLS required and AUTH required.

Usage: smtp-server.py PORT CERT KEY USER PASSWORD MAILDIR
Each accepted message is written to MAILDIR/<n>.eml (envelope in the first lines, then the message as received).
Prints "LISTENING" once the port accepts connections; stops on SIGTERM.
"""
import asyncio
import itertools
import os
import signal
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

port, cert, key, user, password, maildir = sys.argv[1:7]
counter = itertools.count(1)


class Handler:
    async def handle_DATA(self, server, session, envelope):
        n = next(counter)
        path = os.path.join(maildir, "%d.eml" % n)
        with open(path + ".tmp", "wb") as f:
            f.write(("X-Envelope-From: %s\r\nX-Envelope-To: %s\r\nX-Authenticated: %s\r\nX-TLS: %s\r\n" % (
                envelope.mail_from, ",".join(envelope.rcpt_tos), session.authenticated,
                session.ssl is not None)).encode())
            f.write(envelope.original_content)
        os.rename(path + ".tmp", path)
        return "250 OK"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user \
        and auth_data.password.decode() == password
    return AuthResult(success=ok)


context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
context.load_cert_chain(cert, key)
controller = Controller(Handler(), hostname="127.0.0.1", port=int(port), tls_context=context,
                        require_starttls=True, auth_required=True, auth_require_tls=True,
                        authenticator=authenticator, server_hostname="localhost")
controller.start()
print("LISTENING", flush=True)
signal.sigwait({signal.SIGTERM, signal.SIGINT})
controller.stop()
