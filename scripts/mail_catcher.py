"""Local mail catcher for the demo: an SMTP sink on the loopback.

Accepts every message Odoo sends (no authentication, no TLS, nothing relayed)
and writes it as an .eml file into the output folder, with one line per
message in ``index.csv`` (received at, file, from, to, subject). Open the
.eml files with any mail client, or read them as text.

Usage:
    python scripts/mail_catcher.py [--host 127.0.0.1] [--port 2525]
        [--dir .local/demo-mail] [--pid-file FILE]

Standard library only (``smtpd``/``asyncore`` are gone since Python 3.12): a
threaded ``socketserver`` speaking the part of SMTP (RFC 5321) that a client
such as Python's ``smtplib`` uses: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP,
QUIT.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import email.parser
import email.policy
import os
import signal
import socketserver
import threading
from pathlib import Path

MAX_MESSAGE_BYTES = 50 * 1024 * 1024
MAX_LINE_BYTES = 64 * 1024
INDEX_FIELDS = ("received_at", "file", "from", "to", "subject")


class MailStore:
    """Writes the messages into a folder, one .eml each, and keeps the index."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.index = folder / "index.csv"
        self.lock = threading.Lock()
        self.count = sum(1 for _ in folder.glob("*.eml"))
        if not self.index.exists():
            with self.index.open("w", newline="", encoding="utf-8") as handle:
                csv.writer(handle).writerow(INDEX_FIELDS)

    def save(self, sender: str, recipients: list[str], data: bytes) -> Path:
        headers = email.parser.BytesHeaderParser(policy=email.policy.default).parsebytes(data)
        subject = " ".join(str(headers.get("Subject", "")).split())
        now = dt.datetime.now()
        with self.lock:
            self.count += 1
            path = self.folder / f"{now:%Y%m%d-%H%M%S}-{self.count:05d}.eml"
            path.write_bytes(data)
            with self.index.open("a", newline="", encoding="utf-8") as handle:
                csv.writer(handle).writerow(
                    (
                        now.isoformat(timespec="seconds"),
                        path.name,
                        sender,
                        " ".join(recipients),
                        subject,
                    )
                )
        return path


class SMTPHandler(socketserver.StreamRequestHandler):
    """One SMTP session."""

    server: CatcherServer

    def reply(self, text: str) -> None:
        self.wfile.write(text.encode() + b"\r\n")

    def readline(self) -> bytes | None:
        line = self.rfile.readline(MAX_LINE_BYTES + 1)
        if not line:
            return None
        return line.rstrip(b"\r\n")

    def handle(self) -> None:
        self.reply("220 localhost demo mail catcher")
        sender, recipients = None, []
        while True:
            line = self.readline()
            if line is None:
                return
            command, _, argument = line.decode("utf-8", "replace").partition(" ")
            verb = command.upper()
            if verb == "EHLO":
                self.reply(
                    f"250-localhost\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE {MAX_MESSAGE_BYTES}"
                )
            elif verb == "HELO":
                self.reply("250 localhost")
            elif verb == "MAIL" and argument.upper().startswith("FROM:"):
                sender, recipients = _address(argument[5:]), []
                self.reply("250 OK")
            elif verb == "RCPT" and argument.upper().startswith("TO:"):
                if sender is None:
                    self.reply("503 MAIL first")
                    continue
                recipients.append(_address(argument[3:]))
                self.reply("250 OK")
            elif verb == "DATA":
                if sender is None or not recipients:
                    self.reply("503 MAIL and RCPT first")
                    continue
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                data = self.read_data()
                if data is None:
                    return
                if len(data) > MAX_MESSAGE_BYTES:
                    self.reply("552 Message too large")
                else:
                    path = self.server.store.save(sender, recipients, data)
                    self.reply(f"250 OK: saved as {path.name}")
                sender, recipients = None, []
            elif verb == "RSET":
                sender, recipients = None, []
                self.reply("250 OK")
            elif verb == "NOOP":
                self.reply("250 OK")
            elif verb == "VRFY":
                self.reply("252 Cannot verify")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")

    def read_data(self) -> bytes | None:
        """The message up to the lone dot, dot-stuffing undone (RFC 5321 4.5.2)."""
        lines, size = [], 0
        while True:
            line = self.readline()
            if line is None:
                return None
            if line == b".":
                return b"\r\n".join(lines) + b"\r\n"
            if line.startswith(b"."):
                line = line[1:]
            size += len(line) + 2
            if size <= MAX_MESSAGE_BYTES + 2:
                lines.append(line)


def _address(argument: str) -> str:
    """``<a@b.c> SIZE=123`` -> ``a@b.c``."""
    address = argument.strip().split(" ", 1)[0]
    return address.strip("<>")


class CatcherServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], store: MailStore):
        super().__init__(address, SMTPHandler)
        self.store = store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=2525)
    parser.add_argument("--dir", type=Path, default=Path(".local/demo-mail"))
    parser.add_argument("--pid-file", type=Path)
    args = parser.parse_args()
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        parser.error("the mail catcher listens on the loopback only")
    server = CatcherServer((args.host, args.port), MailStore(args.dir))
    if args.pid_file:
        args.pid_file.write_text(f"{os.getpid()}\n")
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print(f"mail catcher on {args.host}:{args.port}, writing to {args.dir}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        if args.pid_file:
            args.pid_file.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
