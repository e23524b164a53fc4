"""The readable summary: reasons grouped under headings in the order a salesperson reads them."""

from __future__ import annotations

from rich.console import Console

from clientvet.reports.terminal import render


def factor(code: str, group: str, points: int, summary: str) -> dict:
    return {"code": code, "group": group, "severity": "medium", "points": points, "deal_killer": False,
            "summary": summary, "evidence": []}


def report(*factors: dict) -> dict:
    return {"check_id": 1, "checked_at": "2026-11-23T00:00:00+00:00", "verdict": "amber", "score": 40,
            "verdict_reasons": [], "safeguards": ["Take a prepayment."], "coverage": [],
            "company": {"name": 'ООО "ДЕМО-ПОСТАВКА"', "identifiers": {"inn": "0000123450"}, "jurisdiction": "RU",
                        "status": "active"},
            "factors": list(factors)}


def printed(document: dict) -> str:
    console = Console(record=True, width=140, color_system=None)
    render(document, console)
    return console.export_text()


def test_reasons_are_grouped_under_headings_in_reading_order():
    text = printed(report(factor("source_unchecked", "coverage", 5, "Coverage finding."),
                          factor("tax_debt_mark", "registers", 20, "Registers finding."),
                          factor("signal_cash", "conversation", 10, "Conversation finding."),
                          factor("court_claims_total", "courts", 10, "Smaller court finding."),
                          factor("court_defendant_suits", "courts", 30, "Larger court finding."),
                          factor("net_loss", "finances", 10, "Finances finding."),
                          factor("something_new", "newgroup", 1, "Finding of a group not listed.")))
    headings = ["Courts", "Finances", "Registers", "Conversation", "Coverage", "Newgroup"]
    positions = [text.index(f" {h} ") for h in headings]
    assert positions == sorted(positions)
    assert text.index("Courts") < text.index("Larger court finding.") < text.index("Smaller court finding.") \
        < text.index("Finances")
    assert "┃ group" not in text  # the group is the heading, no longer a column
