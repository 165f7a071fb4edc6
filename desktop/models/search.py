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

SQLite: FTS5 external-content tables ``application_search`` and ``user_search``, kept in step by
triggers on insert, delete and update of the indexed columns. Their rowid is not the row's id but
an *order key*: the first letters of the list's default order (an application's lower-cased
name, a person's UPN) in the high bits, the id in the low ``ID_BITS`` bits. FTS5 hands matches
out in rowid order, so the first page of a search in the default order is read from the index
almost in order: the key of the page's last match bounds the few rows SQLite has to fetch and
sort, however many rows match (see ``_first_rows``). The content is a view over the row table that
computes the same key, so FTS5's 'rebuild' and 'integrity-check' still work.
PostgreSQL: a stored generated column ``search_words`` = ``to_tsvector('simple', <columns,
punctuation turned into spaces>)`` with a GIN index, queried with ``to_tsquery('simple',
'tok:* <-> tok:* & ...')``.

``install(db)`` creates (or re-creates) all of it and fills it from existing rows: used by
``create_schema`` and by the schema migrations to versions 3 and 4.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
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
# PostgreSQL: each searchable row's words, a stored generated column (not in the models: it
# is never read back).
PG_WORDS_COLUMN = "search_words"
_SEPARATORS = pw.SQL("'[^[:alnum:]]+'")


@dataclass(frozen=True)
class SearchIndex:
    model: type[BaseModel]
    table: str  # the row table
    name: str  # the FTS5 table (SQLite) or GIN index (PostgreSQL)
    columns: tuple[str, ...]
    # The list's default order, which the services sort by (then by id) when no other sort is
    # asked for: this column, lower-cased by SQLite's lower() (ASCII only) when folds_case.
    order_column: str
    folds_case: bool

    @property
    def content_view(self) -> str:
        return f"{self.name}_rows"


APPLICATION_SEARCH = SearchIndex(Application, "application", "application_search",
                                 ("name", "publisher"), order_column="name", folds_case=True)
USER_SEARCH = SearchIndex(User, "user", "user_search", ("display_name", "upn", "department"),
                          order_column="upn", folds_case=False)
INDEXES = (APPLICATION_SEARCH, USER_SEARCH)

# SQLite order keys (FTS5 rowids, 63 bits): ORDER_CHARS characters of 5 bits each, then the id.
ID_BITS = 33  # ids up to 8.5 billion
ID_MASK = (1 << ID_BITS) - 1
ORDER_CHARS = 6
_CHAR_BITS = 5
assert ORDER_CHARS * _CHAR_BITS + ID_BITS <= 63
# A character's level (0..31) never goes down as the character goes up in the order SQLite
# sorts text by (BINARY: code points), and space, "." and a..z each have a level of their own,
# so a block of rows whose leading characters have their own levels is a range of names.
# Shared levels: no character (the text is shorter) or one below space 0, "!".."-" 2,
# "/".."`" 4 (digits, "@", capitals), above "z" 31. The lookup strings hold a character of
# each level at the level's position; "A".."Z" sit at 31..56 and fold onto a..z.
_LEVELS = "' !./abcdefghijklmnopqrstuvwxyz'"
_LEVELS_FOLDED = "' !./abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'"
_OWN_LEVEL = "'[ .a-z]'"
_OWN_LEVEL_FOLDED = "'[ .a-zA-Z]'"


def _level(index: SearchIndex, char: str) -> str:
    """SQL: the level of one character (``char`` is SQL giving a text of one or no character)."""
    if index.folds_case:  # "A" is "a": the order is lower(column); lower() is ASCII only
        # Positions 31..56 ("A".."Z") become 5..30; 0..30 stay (SQLite's % keeps the sign).
        own = f"(instr({_LEVELS_FOLDED}, {char}) - 5) % 26 + 5"
    else:
        own = f"instr({_LEVELS}, {char})"
    code = f"unicode({char})"
    return (f"CASE WHEN {char} = '' THEN 0 ELSE coalesce(nullif({own}, 0), CASE WHEN {code} < 32 "
            f"THEN 0 WHEN {code} < 46 THEN 2 WHEN {code} < 97 THEN 4 ELSE 31 END) END")


def order_key_sql(index: SearchIndex, row: str = "") -> str:
    """SQL of a row's order key (``row``: "", "new." or "old."); sorting by key never
    contradicts the list's default order.

    The key holds the levels of the order text's first ORDER_CHARS characters up to and
    including the first one whose level is shared; the levels after it are 0 (else "a1z"
    would get a larger key than "a2a", which sorts after it). So a row that sorts after
    another never has a smaller key, and rows with the same leading letters differ only in
    their ids. Written without lower() (the folded table instead): called once per character
    it made filling the index five times slower.
    """
    column = f"{row}{index.order_column}"
    own_level = _OWN_LEVEL_FOLDED if index.folds_case else _OWN_LEVEL
    key = ""
    for i in range(ORDER_CHARS, 0, -1):  # built from the last character outwards
        char = f"substr({column}, {i}, 1)"
        this = f"(({_level(index, char)}) << {ID_BITS + _CHAR_BITS * (ORDER_CHARS - i)})"
        key = this if not key else (
            f"{this} | CASE WHEN {char} GLOB {own_level} THEN {key} ELSE 0 END")
    return f"({key} | {row}id)"


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
    """to_tsvector('simple', the columns joined by spaces, punctuation made spaces): the
    generation expression of the stored words column, so only SQL literals (no parameters)
    and only immutable functions."""
    joined: pw.ColumnBase = pw.fn.COALESCE(columns[0], pw.SQL("''"))
    for column in columns[1:]:
        joined = joined.concat(pw.SQL("' '")).concat(pw.fn.COALESCE(column, pw.SQL("''")))
    cleaned = pw.fn.regexp_replace(joined, _SEPARATORS, pw.SQL("' '"), pw.SQL("'g'"))
    return pw.fn.to_tsvector(_SIMPLE, cleaned)


def _match(index: SearchIndex, text: str | None, first: int | None = None) -> pw.Expression:
    typed = words(text)
    model_id: pw.Field = index.model.id
    if not typed:
        return model_id.is_null(False)  # nothing to look for: every row
    if is_postgres(database_proxy.obj):
        return _pg_match(index, tsquery(typed))
    query = fts5_query(typed)
    ids = f"SELECT rowid & {ID_MASK} FROM {index.name} WHERE {index.name} MATCH ?"
    if first is not None:
        return model_id.in_(_first_rows(index, query, first))
    matches = pw.SQL(f"({ids})", [query])
    if _broad(index, query):
        # Thousands of rows match (the first letters typed): fetching each of them by id and
        # sorting them all costs tens of milliseconds at 100k rows. `+id` keeps SQLite from
        # driving the query by the matches: it walks the list's order index instead, testing
        # each row against the matches' id set, and stops at the page's LIMIT.
        return pw.NodeList((pw.SQL("+"), model_id), glue="").in_(matches)
    return model_id.in_(matches)


def _pg_match(index: SearchIndex, query: str) -> pw.Expression:
    """PostgreSQL: rows whose stored words match (GIN index). PostgreSQL's planner picks the
    plan: with many matches it walks the list's order index, testing each row's stored words
    (cheap: they are not recomputed), and stops at the page's end; with few it fetches the
    matches by the GIN index and sorts them. A few thousand matches that all sort late
    ("win" at 100k applications) still make it walk far: tens of milliseconds."""
    words_column = pw.Column(index.model, PG_WORDS_COLUMN)
    return pw.Expression(words_column, "@@", pw.fn.to_tsquery(_SIMPLE, query))


def _broad(index: SearchIndex, query: str) -> bool:
    """True when at least BROAD rows match; counting stops there, so it costs <= 0.3 ms."""
    cursor = database_proxy.obj.execute_sql(
        f"SELECT count(*) FROM (SELECT 1 FROM {index.name} WHERE {index.name} MATCH ? "
        f"LIMIT {BROAD})", [query])
    return int(cursor.fetchone()[0]) >= BROAD


def _first_rows(index: SearchIndex, query: str, first: int) -> pw.SQL:
    """The ids of rows 1..first of the search in the list's default order (as a subquery),
    for a caller that reads no further and filters nothing else. However many rows match,
    it reads about `first` of them.

    FTS5 hands out matches in key order, so the first-th match's key names the *block* (the
    leading letters' levels, see order_key_sql) where the page ends: every wanted row is in
    an earlier block or in that one. The earlier blocks hold fewer than `first` matches, all
    wanted; the rest is the first few matches of the last block in list order, which the
    order index yields by walking the block's range of names (all the rows of a company
    whose name begins every application name, say) and stopping at the page's end.
    """
    db = database_proxy.obj
    fts, mask = index.name, ID_MASK
    matches = f"SELECT rowid & {mask} FROM {fts} WHERE {fts} MATCH ?"
    row = db.execute_sql(f"SELECT rowid FROM {fts} WHERE {fts} MATCH ? ORDER BY rowid "
                         "LIMIT 1 OFFSET ?", [query, max(0, first - 1)]).fetchone()
    if row is None:  # fewer rows match than the page wants: all of them
        return pw.SQL(f"({matches})", [query])
    block = int(row[0]) >> ID_BITS
    start, end = block << ID_BITS, (block + 1) << ID_BITS
    names = _block_names(index, block)
    if names is None or end >= 1 << 63:
        # A level shared by many characters: the block is no range of names. Its matches
        # are fetched by id and sorted with the rest, like a search with few matches.
        limit = "" if end >= 1 << 63 else " AND rowid < ?"
        return pw.SQL(f"({matches}{limit})", [query] + ([end] if limit else []))
    before = int(db.execute_sql(f"SELECT count(*) FROM {fts} WHERE {fts} MATCH ? "
                                "AND rowid < ?", [query, start]).fetchone()[0])
    order = f"lower({index.order_column})" if index.folds_case else index.order_column
    walk = (f'SELECT id FROM "{index.table}" WHERE {order} >= ? AND {order} < ? AND +id IN '
            f"({matches} AND rowid >= ? AND rowid < ?) ORDER BY {order}, id "
            f"LIMIT {first - before}")
    return pw.SQL(f"({matches} AND rowid < ? UNION ALL SELECT * FROM ({walk}))",
                  [query, start, *names, query, start, end])


def _block_names(index: SearchIndex, block: int) -> tuple[str, str] | None:
    """The order texts of a block's rows: from low up to (not including) high. None when a
    level there is shared by many characters: then the block is no range of texts."""
    text = ""
    for i in range(ORDER_CHARS):
        level = (block >> (_CHAR_BITS * (ORDER_CHARS - 1 - i))) & 31
        if level == 0:  # the text ends (or a control character follows): nothing after
            return text, text + " "
        if level in (1, 3) or 5 <= level <= 30:
            text += " " if level == 1 else "." if level == 3 else chr(level + 92)
        else:
            return None
    return text, text[:-1] + chr(ord(text[-1]) + 1)


def application_match(text: str | None, first: int | None = None) -> pw.Expression:
    """WHERE clause: applications whose name or publisher words start with the typed words.

    ``first``: the caller reads only the first ``first`` rows in the list's default order
    (``lower(name)``, then id) and adds no other condition; on SQLite the clause then only
    lets through the few rows that can be among them. Leave it None otherwise.
    """
    return _match(APPLICATION_SEARCH, text, first)


def user_match(text: str | None, first: int | None = None) -> pw.Expression:
    """WHERE clause: people whose name, UPN or department words start with the typed words.

    ``first``: as for :func:`application_match`, in the default order (UPN, then id).
    """
    return _match(USER_SEARCH, text, first)


# --- the index itself --------------------------------------------------------------------


def _sqlite_statements(index: SearchIndex) -> list[str]:
    table, fts, view = f'"{index.table}"', index.name, index.content_view
    cols = ", ".join(index.columns)
    new = ", ".join(f"new.{c}" for c in index.columns)
    old = ", ".join(f"old.{c}" for c in index.columns)
    delete = (f"INSERT INTO {fts}({fts}, rowid, {cols}) "
              f"VALUES ('delete', {order_key_sql(index, 'old.')}, {old});")
    insert = f"INSERT INTO {fts}(rowid, {cols}) VALUES ({order_key_sql(index, 'new.')}, {new});"
    return [
        f"DROP TRIGGER IF EXISTS {fts}_insert",
        f"DROP TRIGGER IF EXISTS {fts}_delete",
        f"DROP TRIGGER IF EXISTS {fts}_update",
        f"DROP TABLE IF EXISTS {fts}",
        f"DROP VIEW IF EXISTS {view}",
        f"CREATE VIEW {view} AS SELECT {order_key_sql(index)} AS order_key, {cols} "
        f"FROM {table}",
        # prefix='1 2': one- and two-letter prefixes (the first keystrokes) read a ready list
        # instead of merging every word that starts with them.
        f"CREATE VIRTUAL TABLE {fts} USING fts5({cols}, content={view}, "
        "content_rowid=order_key, tokenize='unicode61 remove_diacritics 2', prefix='1 2')",
        f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN {insert} END",
        f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN {delete} END",
        # Only the indexed columns (the order key is made of them and the id): a pending
        # count or a sign-in never touches the index.
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF id, {cols} ON {table} "
        f"BEGIN {delete} {insert} END",
        # Not 'rebuild': FTS5 writes out what it holds whenever a rowid comes smaller than the
        # last one, so rows in key order fill it in one go (seconds faster at 100k rows).
        f"INSERT INTO {fts}(rowid, {cols}) SELECT order_key, {cols} FROM {view} "
        "ORDER BY order_key",
    ]


def _postgres_statements(db: pw.Database, index: SearchIndex) -> list[str]:
    document = _pg_document([pw.Entity(c) for c in index.columns])
    sql, params = db.get_sql_context().sql(document).query()
    assert not params, "the words' expression must be all literals"
    table = f'"{index.table}"'
    return [
        # Version 3 indexed the expression itself: testing a row then meant computing its
        # words, and a search walking the list's order did it for thousands of rows.
        f"DROP INDEX IF EXISTS {index.name}",
        f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {PG_WORDS_COLUMN} tsvector "
        f"GENERATED ALWAYS AS ({sql}) STORED",
        f"CREATE INDEX IF NOT EXISTS {index.name} ON {table} USING gin ({PG_WORDS_COLUMN})",
        f"ANALYZE {table}",  # the planner's estimates of matches come from these statistics
    ]


def install(db: pw.Database) -> None:
    """Create the search index of every searchable table and fill it from the rows there."""
    for index in INDEXES:
        statements = (_postgres_statements(db, index) if is_postgres(db)
                      else _sqlite_statements(index))
        for statement in statements:
            db.execute_sql(statement)


def clear(db: pw.Database) -> None:
    """After every indexed row was deleted (schema.clear_rows): SQLite's FTS5 tables start
    afresh, as a new database's do, rather than keep the segments of the deleted rows. The
    GIN indexes of PostgreSQL follow their rows by themselves."""
    if is_postgres(db):
        return
    for index in INDEXES:
        db.execute_sql(f"INSERT INTO {index.name}({index.name}) VALUES ('delete-all')")


@contextmanager
def rows_added_in_bulk(db: pw.Database, index: SearchIndex) -> Iterator[None]:
    """Rows inserted inside the block (and not changed there) reach the index at its end, in
    one statement in key order: FTS5 fills fastest that way, several times faster than its
    insert trigger row by row. Call inside a transaction: a failure rolls the dropped trigger
    back with everything else. PostgreSQL's generated column follows by itself."""
    if is_postgres(db):
        yield
        return
    trigger = f"{index.name}_insert"
    found = db.execute_sql("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?",
                           (trigger,)).fetchone()
    last = db.execute_sql(f'SELECT coalesce(max(id), 0) FROM "{index.table}"').fetchone()[0]
    db.execute_sql(f"DROP TRIGGER IF EXISTS {trigger}")
    yield
    cols = ", ".join(index.columns)
    db.execute_sql(f"INSERT INTO {index.name}(rowid, {cols}) SELECT {order_key_sql(index)}, "
                   f'{cols} FROM "{index.table}" WHERE id > ? ORDER BY 1', (last,))
    if found is not None:
        db.execute_sql(found[0])
