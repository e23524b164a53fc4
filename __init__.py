"""clientvet: is this prospect safe to sign, and on what terms."""
