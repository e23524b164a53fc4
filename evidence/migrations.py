"""Named schema migrations (sqlite-utils), applied together under the write lock (see Store)."""

from sqlite_utils import Database, Migrations

migrations = Migrations("clientvet")


@migrations()
def m001_evidence_store(db: Database) -> None:
    db["checks"].create(
        {
            "id": int,
            "company_key": str,
            "jurisdiction": str,
            "scheme": str,
            "identifier": str,
            "started_at": str,
            "finished_at": str,
            "status": str,  # running | complete | interrupted
            "pid": int,
            "replay": str,
            "verdict": str,
            "score": int,
        },
        pk="id",
        not_null={"company_key", "jurisdiction", "scheme", "identifier", "started_at", "status"},
    )
    db["checks"].create_index(["company_key", "started_at"])
    db["source_runs"].create(
        {
            "check_id": int,
            "source": str,
            "status": str,  # running | ok | empty | failed | skipped
            "reason": str,
            "started_at": str,
            "finished_at": str,
            "requests": int,
            "facts": int,
        },
        pk=("check_id", "source"),
        foreign_keys=[("check_id", "checks", "id")],
        not_null={"status"},
    )
    db["blobs"].create(
        {"sha256": str, "size": int, "body": bytes},
        pk="sha256",
    )
    db["responses"].create(
        {
            "id": int,
            "check_id": int,
            "source": str,
            "method": str,
            "url": str,
            "request_body": str,
            "status": int,
            "content_type": str,
            "fetched_at": str,
            "sha256": str,
            "replayed": int,
        },
        pk="id",
        foreign_keys=[("check_id", "checks", "id"), ("sha256", "blobs", "sha256")],
    )
    db["responses"].create_index(["check_id"])
    db["facts"].create(
        {
            "id": str,
            "company_key": str,
            "kind": str,
            "key": str,
            "source": str,
            "data": str,
            "first_seen": str,
            "last_seen": str,
            "first_check_id": int,
            "last_check_id": int,
        },
        pk="id",
        not_null={"company_key", "kind", "key", "source", "data"},
    )
    db["facts"].create_index(["company_key", "kind"])
    db["observations"].create(
        {
            "fact_id": str,
            "check_id": int,
            "response_id": int,
            "seen_at": str,
            "data": str,
        },
        pk=("fact_id", "check_id"),
        foreign_keys=[
            ("fact_id", "facts", "id"),
            ("check_id", "checks", "id"),
            ("response_id", "responses", "id"),
        ],
    )
    db["observations"].create_index(["check_id"])


@migrations()
def m002_signals_and_history(db: Database) -> None:
    """Conversation signals (removal keeps the row) and the account history of active clients."""
    db["signals"].create(
        {
            "id": int,
            "company_key": str,
            "code": str,
            "note": str,
            "entered_by": str,
            "entered_at": str,
            "removed_at": str,
            "removed_by": str,
        },
        pk="id",
        not_null={"company_key", "code", "entered_by", "entered_at"},
    )
    # At most one active signal per code and company; removed ones stay as history.
    db.execute("create unique index signals_active on signals (company_key, code) where removed_at is null")
    db["invoices"].create(
        {
            "company_key": str,
            "invoice_id": str,
            "issued": str,
            "due": str,
            "paid": str,
            "amount": float,
            "currency": str,
        },
        pk=("company_key", "invoice_id"),
        not_null={"company_key", "invoice_id", "issued", "due", "amount", "currency"},
    )
    db["account_events"].create(
        {"company_key": str, "date": str, "kind": str, "note": str},
        pk=("company_key", "date", "kind", "note"),  # note is "" when empty, so re-imports match
        not_null={"company_key", "date", "kind", "note"},
    )


@migrations()
def m003_check_terms(db: Database) -> None:
    """What the salesperson is judging the company for (purpose, amount, contact person), per check."""
    db["checks"].add_column("terms", str)


@migrations()
def m004_unread_fields(db: Database) -> None:
    """Fields a source's answers carried that its parser never read (JSON {field: records}): a changed format shows."""
    db["source_runs"].add_column("unread_fields", str)


@migrations()
def m005_response_id_blocks(db: Database) -> None:
    """Response ids are taken in blocks (`next` is the first free one), so a crawl knows an answer's id before
    it writes the answer with its facts, and concurrent processes never take the same id."""
    db["id_blocks"].create({"name": str, "next": int}, pk="name", not_null={"next"})
    db.execute("insert into id_blocks (name, next) select 'responses', coalesce(max(id), 0) + 1 from responses")


@migrations()
def m006_check_documents(db: Database) -> None:
    """The verdict document of each finished check as `check --json` gave it, read back by `clientvet report`."""
    db["check_documents"].create(
        {"check_id": int, "document": str, "saved_at": str, "version": str},
        pk="check_id",
        foreign_keys=[("check_id", "checks", "id")],
        not_null={"document", "saved_at"},
    )


@migrations()
def m007_watch_list(db: Database) -> None:
    """Companies re-checked on a schedule (`clientvet watch`, `clientvet recheck`): how often, for which deal."""
    db["watch"].create(
        {
            "company_key": str,
            "jurisdiction": str,
            "scheme": str,
            "identifier": str,
            "every_seconds": int,
            "terms": str,  # JSON: purpose, amount, currency, contact, as a check stores them
            "note": str,
            "added_at": str,
            "updated_at": str,
        },
        pk="company_key",
        not_null={"jurisdiction", "scheme", "identifier", "every_seconds", "terms", "added_at", "updated_at"},
    )
