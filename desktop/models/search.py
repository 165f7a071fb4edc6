"""Word-prefix search over applications and people, backed by an index on both databases.

What a search box does with typed text, on either backend:
  * the text is cut into words at white space; each word into tokens at every character that
    is not a letter or a digit ("alice.w" -> "alice", "w");
  * every token is a *prefix* of a word of the row ("fab crm" finds "Fabrikam CRM"), the tokens
    of one typed word are adjacent words ("alice.w" finds alice.wu@..., not "Alice Brown" at
    widgets.example), and all typed words must be found (AND); no word matches in its middle
    ("rikam" does not find "Fabrikam");
  * only letters and digits ever reach the search engine, so FTS syntax in the input (quotes,
    ``*``, ``-``, ``:``, parentheses, AND/OR/NOT/NEAR) is just text; input with no letter or
    digit at all (a lone ``"`` or ``(``) filters nothing.

Applications match on name and publisher; users on display name, UPN (its ``@`` and ``.`` cut
it into words too) and department.

SQLite: FTS5 external-content tables ``application_search`` and ``user_search`` (rowid = the
row's id), kept in step by triggers on insert, delete and update of the indexed columns.
PostgreSQL: an expression GIN index over ``to_tsvector('simple', <columns, punctuation turned
into spaces>)``, queried with ``to_tsquery('simple', 'tok:* <-> tok:* & ...')``; the query
repeats the index's expression exactly (built by the same function) so the planner uses it.

``install(db)`` creates (or re-creates) all of it and fills it from existing rows: used by
``create_schema`` and by the schema migration to version 3.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import peewee as pw

from .applications import Application
from .base import BaseModel, database_proxy
from .database import is_postgres
from .directory import User

_TOKEN = re.compile(r"[^\W_]+")  # letters and digits, as FTS5's unicode61 tokenizer cuts words
MAX_TOKENS = 16  # a pasted paragraph searches its first words, not hundreds of terms
# SQLite: from this many matches on, a search walks the order index (see _match).
BROAD = 5000
_SIMPLE = pw.SQL("'simple'")
_SEPARATORS = pw.SQL("'[^[:alnum:]]+'")


@dataclass(frozen=True)
class SearchIndex:
    model: type[BaseModel]
    table: str  # the row table
    name: str  # the FTS5 table (SQLite) or GIN index (PostgreSQL)
    columns: tuple[str, ...]


APPLICATION_SEARCH = SearchIndex(Application, "application", "application_search",
                                 ("name", "publisher"))
USER_SEARCH = SearchIndex(User, "user", "user_search", ("display_name", "upn", "department"))
INDEXES = (APPLICATION_SEARCH, USER_SEARCH)


# --- typed text -> query --------------------------------------------------------------------


def words(text: str | None) -> list[list[str]]:
    """The typed words, each as its lower-case tokens; words without a token are dropped."""
    result: list[list[str]] = []
    budget = MAX_TOKENS
    for chunk in (text or "").split():
        tokens = _TOKEN.findall(chunk.lower())[:budget]
        if tokens:
            result.append(tokens)
            budget -= len(tokens)
        if budget <= 0:
            break
    return result


def fts5_query(typed: list[list[str]]) -> str:
    """FTS5 MATCH text: each token a quoted prefix, a word's tokens one phrase, words ANDed."""
    return " AND ".join(" + ".join(f'"{token}"*' for token in tokens) for tokens in typed)


def tsquery(typed: list[list[str]]) -> str:
    """PostgreSQL to_tsquery text with the same meaning as fts5_query."""
    return " & ".join(" <-> ".join(f"'{token}':*" for token in tokens) for tokens in typed)


def _pg_document(columns: list[pw.Node]) -> pw.Node:
    """to_tsvector('simple', the columns joined by spaces, punctuation made spaces).

    Only constants written as SQL literals (no parameters), so the index's expression and the
    query's are the same expression and PostgreSQL uses the index.
    """
    joined: pw.ColumnBase = pw.fn.COALESCE(columns[0], pw.SQL("''"))
    for column in columns[1:]:
        joined = joined.concat(pw.SQL("' '")).concat(pw.fn.COALESCE(column, pw.SQL("''")))
    cleaned = pw.fn.regexp_replace(joined, _SEPARATORS, pw.SQL("' '"), pw.SQL("'g'"))
    return pw.fn.to_tsvector(_SIMPLE, cleaned)


def _match(index: SearchIndex, text: str | None) -> pw.Expression:
    typed = words(text)
    model_id: pw.Field = index.model.id
    if not typed:
        return model_id.is_null(False)  # nothing to look for: every row
    if is_postgres(database_proxy.obj):
        document = _pg_document([getattr(index.model, c) for c in index.columns])
        return pw.Expression(document, "@@", pw.fn.to_tsquery(_SIMPLE, tsquery(typed)))
    query = fts5_query(typed)
    matches = pw.SQL(f"(SELECT rowid FROM {index.name} WHERE {index.name} MATCH ?)", [query])
    if _broad(index, query):
        # Thousands of rows match (the first letters typed): fetching each of them by id and
        # sorting them all costs tens of milliseconds at 100k rows. `+id` keeps SQLite from
        # driving the query by the matches: it walks the list's order index instead, testing
        # each row against the matches' id set, and stops at the page's LIMIT.
        return pw.NodeList((pw.SQL("+"), model_id), glue="").in_(matches)
    return model_id.in_(matches)


def _broad(index: SearchIndex, query: str) -> bool:
    """True when at least BROAD rows match; counting stops there, so it costs <= 0.3 ms."""
    cursor = database_proxy.obj.execute_sql(
        f"SELECT count(*) FROM (SELECT 1 FROM {index.name} WHERE {index.name} MATCH ? "
        f"LIMIT {BROAD})", [query])
    return int(cursor.fetchone()[0]) >= BROAD


def application_match(text: str | None) -> pw.Expression:
    """WHERE clause: applications whose name or publisher words start with the typed words."""
    return _match(APPLICATION_SEARCH, text)


def user_match(text: str | None) -> pw.Expression:
    """WHERE clause: people whose name, UPN or department words start with the typed words."""
    return _match(USER_SEARCH, text)


# --- the index itself --------------------------------------------------------------------


def _sqlite_statements(index: SearchIndex) -> list[str]:
    table, fts = f'"{index.table}"', index.name
    cols = ", ".join(index.columns)
    new = ", ".join(f"new.{c}" for c in index.columns)
    old = ", ".join(f"old.{c}" for c in index.columns)
    delete = (f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old});")
    insert = f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new});"
    return [
        f"DROP TRIGGER IF EXISTS {fts}_insert",
        f"DROP TRIGGER IF EXISTS {fts}_delete",
        f"DROP TRIGGER IF EXISTS {fts}_update",
        f"DROP TABLE IF EXISTS {fts}",
        # prefix='1 2': one- and two-letter prefixes (the first keystrokes) read a ready list
        # instead of merging every word that starts with them.
        f"CREATE VIRTUAL TABLE {fts} USING fts5({cols}, content={table}, content_rowid=id, "
        "tokenize='unicode61 remove_diacritics 2', prefix='1 2')",
        f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN {insert} END",
        f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN {delete} END",
        # Only the indexed columns: a pending count or a sign-in never touches the index.
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF id, {cols} ON {table} "
        f"BEGIN {delete} {insert} END",
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
    ]


def _postgres_statements(db: pw.Database, index: SearchIndex) -> list[str]:
    document = _pg_document([pw.Entity(c) for c in index.columns])
    sql, params = db.get_sql_context().sql(document).query()
    assert not params, "the index expression must be all literals"
    return [f'CREATE INDEX IF NOT EXISTS {index.name} ON "{index.table}" USING gin (({sql}))']


def install(db: pw.Database) -> None:
    """Create the search index of every searchable table and fill it from the rows there."""
    for index in INDEXES:
        statements = (_postgres_statements(db, index) if is_postgres(db)
                      else _sqlite_statements(index))
        for statement in statements:
            db.execute_sql(statement)
