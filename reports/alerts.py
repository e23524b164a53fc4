"""Alerts after a re-check: one message per run, grouped by company, sent to every channel of `[alerts]`.

    [alerts]
    urls = ["mailto://smtp.example.com:587?from=clientvet@example.com&to=am@example.com",
            "json://hooks.example.com/clientvet", "tgram://BOT_TOKEN/CHAT_ID", "slack://T0/B0/XXX"]
    on = "worse"   # worse: a company got worse (default) | change: anything changed

The channels are apprise URLs (https://github.com/caronc/apprise/wiki). A URL may hold a
password or a token, so it is shown only as apprise prints it for privacy. A channel that
cannot be reached is reported with the reason; the others are still tried, and the re-check
has stored everything before any alert is sent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Sequence

from clientvet import config
from clientvet.checks.watch import Recheck
from clientvet.reports.monitor import recheck_lines

RULES = ("worse", "change")
TITLE_LIMIT = 250


@dataclass(frozen=True)
class Channel:
    url: str  # as configured: may hold a secret
    shown: str  # as apprise prints it for privacy


@dataclass(frozen=True)
class Alerts:
    channels: tuple[Channel, ...] = ()
    on: str = "worse"

    def wanted(self, found: Recheck) -> bool:
        """Whether this company's re-check is news: worse, or (rule `change`) changed. Never a baseline."""
        return found.worse or (self.on == "change" and found.changed)


def alerts_from_config(table: Any = None) -> Alerts:
    """The `[alerts]` table, checked before anything runs; raises config.ConfigError."""
    import apprise

    table = config.setting("alerts", {}) if table is None else table
    if not isinstance(table, dict):
        raise config.ConfigError("[alerts] must be a table")
    if unknown := set(table) - {"urls", "on"}:
        raise config.ConfigError(f"[alerts] has unknown key(s) {', '.join(sorted(unknown))}; expected urls, on")
    urls, on = table.get("urls", []), table.get("on", "worse")
    if isinstance(urls, str):
        urls = [urls]
    if not isinstance(urls, list) or not all(isinstance(url, str) and url.strip() for url in urls):
        raise config.ConfigError("[alerts] urls must be a list of apprise URLs")
    if on not in RULES:
        raise config.ConfigError(f"[alerts] on = {on!r}: expected one of {', '.join(RULES)}")
    channels = []
    for number, url in enumerate(urls, 1):
        plugin = apprise.Apprise.instantiate(url.strip())
        if plugin is None:
            raise config.ConfigError(f"[alerts] urls: apprise cannot use entry {number} (a "
                                     f"{url.split(':', 1)[0]}:// URL); see its wiki for the form")
        channels.append(Channel(url.strip(), plugin.url(privacy=True)))
    return Alerts(tuple(channels), on)


def message(found: Sequence[Recheck], alerts: Alerts, reports: dict[int, str]) -> tuple[str, str] | None:
    """(title, body) of the run's alert, or None when no company is news. `reports`: outcome index → report path."""
    news = [f for f in found if alerts.wanted(f)]
    if not news:
        return None
    worse = sum(f.worse for f in news)
    changed = len(news) - worse
    parts = [f"{worse} got worse" if worse else "", f"{changed} changed" if changed else ""]
    title = f"clientvet: {' and '.join(p for p in parts if p)} of {len(found)} re-checked companies"
    blocks = ["\n".join(recheck_lines(f, reports.get(f.outcome.index))) for f in news]
    failed = [f for f in found if f.problem]
    if failed:
        blocks.append("Could not be re-checked:\n" + "\n".join(
            f"  {f.watched.name or f.watched.identity.value} ({f.watched.key}): {f.problem}" for f in failed))
    return title[:TITLE_LIMIT], "\n\n".join(blocks)


def send(alerts: Alerts, title: str, body: str) -> list[tuple[Channel, str]]:
    """Send the message to every channel; the channels that failed, each with the reason apprise gave."""
    import apprise

    failed = []
    for channel in alerts.channels:
        sender = apprise.Apprise()
        sender.add(channel.url)
        with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as logs:
            try:
                sent = bool(sender.notify(title=title, body=body, body_format=apprise.NotifyFormat.TEXT))
            except Exception as exc:  # a channel's plugin must not cost the others their message
                sent, logs_text = False, f"{type(exc).__name__}: {exc}"
            else:
                logs_text = logs.getvalue()
        if not sent:
            reason = " ".join(line.strip() for line in logs_text.splitlines() if line.strip()) or "not sent"
            failed.append((channel, reason.replace(channel.url, channel.shown)))
    return failed
