"""The evidence model and its SQLite store: what crawler/ writes and checks/ and reports/ read."""
