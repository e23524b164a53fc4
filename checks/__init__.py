"""Rules that turn a check's evidence into factors, a score and a verdict."""
