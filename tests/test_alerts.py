"""Alerts after a re-check, end to end: a local SMTP server (aiosmtpd) and a local HTTP receiver (json://)."""

from __future__ import annotations

import json
import socket
import sqlite3
import threading
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from aiosmtpd.controller import Controller

from clientvet import config
from clientvet.reports.alerts import alerts_from_config
from tests.conftest import run_cli
from tests.monitor_support import DEMO_INN, NEW_DIRECTOR, copy_demo, new_director_demo, worse_demo

LOCAL = {"NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"}  # the alerts go to 127.0.0.1, not to the dead proxy


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Mailbox:
    def __init__(self):
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


@pytest.fixture
def smtp():
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller.port, mailbox.messages
    controller.stop()


@pytest.fixture
def webhook():
    posts: list[dict] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self):
            posts.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port, posts
    server.shutdown()


def test_one_message_per_run_to_every_channel_and_a_dead_one_is_reported(tmp_path, smtp, webhook):
    (smtp_port, mails), (http_port, posts), dead_port = smtp, webhook, free_port()
    db, reports, settings = tmp_path / "db.sqlite", tmp_path / "reports", tmp_path / "config.toml"

    def configure(on: str) -> dict[str, str]:
        settings.write_text(
            "[alerts]\n"
            f'urls = ["mailto://127.0.0.1:{smtp_port}?from=clientvet@example.com&to=am@example.com",\n'
            f'        "json://127.0.0.1:{http_port}/clientvet", "json://127.0.0.1:{dead_port}/nobody"]\n'
            f'on = "{on}"\n', encoding="utf-8")
        return {**LOCAL, "CLIENTVET_CONFIG": str(settings)}

    def recheck(replay, on: str):
        return run_cli("recheck", "--all", "--replay", str(replay), "--db", str(db), "--reports", str(reports),
                       "--as-of", "2026-11-30", env=configure(on), timeout=240)

    assert run_cli("watch", "add", DEMO_INN, "--db", str(db), env=configure("change")).returncode == 0
    baseline = recheck(copy_demo(tmp_path / "same"), "change")
    assert baseline.returncode == 0, baseline.stderr
    assert (mails, posts) == ([], [])  # a baseline is news to nobody
    assert "alert" not in baseline.stderr

    # Another director: a change, so with on = "change" it is sent…
    changed = recheck(new_director_demo(tmp_path / "director"), "change")
    assert changed.returncode == 0, changed.stderr
    assert len(mails) == 1 and len(posts) == 1
    recipients, mail = mails[0]
    assert recipients == ["am@example.com"]
    assert mail["Subject"] == "clientvet: 1 changed of 1 re-checked companies"
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert f"(INN {DEMO_INN}): CHANGED" in body and f"+ officer ГЕНЕРАЛЬНЫЙ ДИРЕКТОР {NEW_DIRECTOR}" in body
    report_line = next(line.strip() for line in body.splitlines() if line.strip().startswith("report: "))
    assert (reports / report_line.rsplit("/", 1)[-1]).is_file()
    assert posts[0]["title"] == mail["Subject"] and f"+ officer ГЕНЕРАЛЬНЫЙ ДИРЕКТОР {NEW_DIRECTOR}" in posts[0]["message"]
    # …and the dead channel is reported (without failing the run), the live ones still served.
    assert f"the alert via json://127.0.0.1:{dead_port}/nobody" in " ".join(changed.stderr.split())
    assert "alert sent to 2 of 3 channel(s)" in changed.stderr

    # Worse, with on = "worse": one more message, naming what got worse and the evidence.
    worse = recheck(worse_demo(tmp_path / "worse"), "worse")
    assert worse.returncode == 10, worse.stderr
    assert len(mails) == 2 and len(posts) == 2
    body = mails[1][1].get_body(preferencelist=("plain",)).get_content()
    assert mails[1][1]["Subject"] == "clientvet: 1 got worse of 1 re-checked companies"
    assert f"(INN {DEMO_INN}): WORSE" in body and "worse: new deal-killer(s): liquidation_notice" in body
    assert "+ notice «Ликвидация юридического лица» of 2026-11-25" in body and "sha256 " in body
    assert "? could not re-check bankrot_fedresurs: failed" in body
    with sqlite3.connect(db) as conn:  # everything was stored, the failing channel notwithstanding
        assert conn.execute("select count(*) from checks where status = 'complete'").fetchone() == (3,)


@pytest.mark.parametrize("table, message", [
    ({"urls": ["json://127.0.0.1/x", "nonsense://x"]}, "apprise cannot use entry 2 (a nonsense:// URL)"),
    ({"urls": "json://127.0.0.1/x", "on": "always"}, "on = 'always': expected one of worse, change"),
    ({"url": ["json://127.0.0.1/x"]}, "unknown key(s) url"),
    ({"urls": [""]}, "urls must be a list of apprise URLs"),
])
def test_a_mistake_in_the_alerts_table_is_refused(table, message):
    with pytest.raises(config.ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        alerts_from_config(table)


def test_secrets_in_a_channel_url_are_not_shown():
    [channel] = alerts_from_config({"urls": ["tgram://123456789:abcdefg_hijklmnop/12315544/"]}).channels
    assert "abcdefg_hijklmnop" not in channel.shown and channel.shown.startswith("tgram://")


def test_a_bad_alerts_table_stops_the_recheck_before_anything_runs(tmp_path):
    db, settings = tmp_path / "db.sqlite", tmp_path / "config.toml"
    settings.write_text('[alerts]\nurls = ["nonsense://x"]\n', encoding="utf-8")
    result = run_cli("recheck", "--all", "--db", str(db), env={"CLIENTVET_CONFIG": str(settings)})
    assert result.returncode == 2 and "apprise cannot use entry 1" in result.stderr
    assert not db.exists()
