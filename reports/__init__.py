"""Renderers of a check's report: terminal (Rich) and JSON; HTML/PDF/Markdown/CSV later."""
