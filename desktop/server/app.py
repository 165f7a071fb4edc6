"""The HTTP API of team mode, built from the one list of operations (desktop/api/operations.py):
a route per operation, its parameters typed for validation and the OpenAPI document, the
signed-in person resolved from the bearer token and passed to the use case as its actor.

Without a token only health, version, the OpenAPI document and sign-in answer; every other
path (unknown ones too) answers 401, so nobody learns what exists without signing in."""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Body, FastAPI, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, create_model
from starlette.concurrency import run_in_threadpool

from desktop import __version__
from desktop.api import errors as api_errors
from desktop.api.operations import API_VERSION, MAX_PAGE, OPERATIONS, PREFIX, Operation
from desktop.errors import AccessDeskError, NotSignedIn

log = logging.getLogger("desktop.server")

PUBLIC = {f"{PREFIX}/health", f"{PREFIX}/version", f"{PREFIX}/openapi.json"}
SIGN_IN = f"{PREFIX}/sessions"
# Clients older than this API version are told which version to install.
MIN_CLIENT_API = 1
HEARTBEAT_S = 10
# The largest upload (an import's files) taken by default: `serve --max-upload SIZE`.
DEFAULT_MAX_UPLOAD = 512 * 1024 * 1024


class SignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    upn: str = Field(max_length=256)
    password: str | None = Field(default=None, max_length=1024)
    client: str = Field(default="", max_length=200)


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(body, status, headers=headers, media_type="application/json")


def _error(exc: BaseException) -> Response:
    status, body, headers = api_errors.to_http(exc)
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return _json(body, status, headers)


def _bearer(request: Request) -> str | None:
    value = request.headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def client_address(request: Request, trusted: frozenset[str]) -> str:
    """The client's address; behind a trusted proxy, the last address it was forwarded for."""
    peer = request.client.host if request.client else ""
    forwarded = request.headers.get("x-forwarded-for")
    if forwarded and peer in trusted:
        return forwarded.split(",")[-1].strip()
    return peer


def _route_path(op: Operation) -> str:
    """Names may hold "/" (an application called "HR/Payroll"): a str path parameter matches
    across slashes, and routes are added most specific first."""
    path = op.path
    for p in op.params:
        if p.type is str and "{" + p.name + "}" in path:
            path = path.replace("{" + p.name + "}", "{" + p.name + ":path}")
    return PREFIX + path


def guarded(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """The use case on a worker thread. A lost database connection (a restart, a changed
    password) answers 503 and is dropped, so this thread's next request connects afresh."""
    import peewee as pw

    from desktop.errors import DatabaseUnusable

    try:
        return fn(*args, **kwargs)
    except (pw.OperationalError, pw.InterfaceError) as exc:
        from desktop.models import database_proxy
        from desktop.models.database import storage_error

        known = storage_error(exc)
        if known is not None:
            raise known from exc
        try:
            database_proxy.obj.close()
        except Exception:  # noqa: BLE001 - it is gone already
            pass
        log.warning("the database connection failed: %s", exc)
        raise DatabaseUnusable("the database cannot be reached just now; try again") from exc


def _file_answer(path: str, view: dict[str, Any]) -> Response:
    """A file written by a use case, streamed in pieces and removed once sent."""

    def pieces() -> Any:
        try:
            with open(path, "rb") as f:
                while chunk := f.read(64 * 1024):
                    yield chunk
        finally:
            os.unlink(path)

    return StreamingResponse(pieces(), media_type="application/octet-stream",
                             headers={"X-Access-Desk-Result": json.dumps(view)})


async def _receive(request: Request, cap: int) -> str:
    """An upload's body streamed into a temporary file (owner-only), refused with 413 as soon
    as it is known to be over `cap`: from its declared length, before anything is read, or
    while it comes."""
    import tempfile

    from desktop.archive import over_limit, size_text
    from desktop.errors import TooLarge, UsageError

    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise TooLarge(over_limit(f"the upload ({size_text(int(declared))})", cap))
    fd, name = tempfile.mkstemp(prefix="access-desk-upload-")
    size = 0
    try:
        with os.fdopen(fd, "wb") as out:
            async for chunk in request.stream():
                size += len(chunk)
                if size > cap:
                    raise TooLarge(over_limit("the upload", cap))
                out.write(chunk)
        if size == 0:
            raise UsageError("the request has no body: send the export's files as a zip, or "
                             "one JSON file")
    except OSError as exc:  # the server's disk is full, say
        os.unlink(name)
        from desktop.files import cannot_write

        raise cannot_write("the upload on the server", exc) from exc
    except BaseException:
        os.unlink(name)
        raise
    return name


def _endpoint(op: Operation, max_upload: int = DEFAULT_MAX_UPLOAD
              ) -> Callable[..., Awaitable[Response]]:
    """A FastAPI endpoint whose signature declares the operation's parameters: path ones in
    the path, the rest in the query string (GET, DELETE, an upload, whose body is the file)
    or a JSON body."""
    in_path = set(op.path_params)
    body_model: type[BaseModel] | None = None
    params = [inspect.Parameter("request", inspect.Parameter.KEYWORD_ONLY, annotation=Request)]
    body_fields: dict[str, Any] = {}
    for p in op.params:
        default = inspect.Parameter.empty if p.required else (
            list(p.default) if isinstance(p.default, tuple) else p.default)
        if p.name in in_path:
            params.append(inspect.Parameter(p.name, inspect.Parameter.KEYWORD_ONLY,
                                            annotation=Annotated[p.type, Path()]))
        elif op.method in ("GET", "DELETE") or op.upload:
            annotation = p.type
            if p.name == "limit":
                annotation = Annotated[int | None, Query(ge=0, le=2**63 - 1)]
            elif p.name == "offset":
                annotation = Annotated[int, Query(ge=0, le=2**63 - 1)]
            else:
                annotation = Annotated[p.type, Query()]
            params.append(inspect.Parameter(p.name, inspect.Parameter.KEYWORD_ONLY,
                                            annotation=annotation, default=default))
        else:
            body_fields[p.name] = (p.type, ... if p.required else default)
    if body_fields:
        # Unknown fields are refused: nothing (an "actor", say) can ride along unnoticed.
        body_model = create_model(op.name.replace(".", "_") + "_body",
                                  __config__=ConfigDict(extra="forbid"), **body_fields)
        params.append(inspect.Parameter("body", inspect.Parameter.KEYWORD_ONLY,
                                        annotation=Annotated[body_model, Body()]))

    known_query = {p.name for p in op.params} - in_path

    async def endpoint(request: Request, **kwargs: Any) -> Response:
        unknown = set(request.query_params) - known_query
        if unknown:  # a misspelt option must not be ignored silently
            return _json({"error": "bad_input", "message":
                          f"{op.name} takes no {', '.join(sorted(unknown))}"}, 422)
        body = kwargs.pop("body", None)
        given = dict(kwargs)
        if body is not None:
            given.update(body.model_dump(exclude_unset=op.partial))
        if op.listing:  # a page at a time over the network
            limit = given.get("limit")
            given["limit"] = MAX_PAGE if limit is None else min(limit, MAX_PAGE)
        actor = request.state.actor
        arguments = op.arguments(given)
        if op.upload:
            upload = await _receive(request, max_upload)
            try:
                result = await run_in_threadpool(guarded, op.function(), actor, upload,
                                                 max_upload, **arguments)
            finally:
                if os.path.exists(upload):
                    os.unlink(upload)
            return _json(result)
        result = await run_in_threadpool(guarded, op.function(), actor, **arguments)
        if op.download:
            return _file_answer(*result)
        return _json(result)

    endpoint.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    endpoint.__name__ = op.name.replace(".", "_")
    return endpoint


class Authenticate:
    """Resolves the bearer token to the signed-in person (scope state `actor`, `token`) and
    answers 401 for any path but the public four without a valid one. Plain ASGI: Starlette's
    BaseHTTPMiddleware would wrap every chunk of the live stream (a third of a busy server's
    time in the load benchmark)."""

    def __init__(self, app: Any, resolve: Callable[[str], Any]) -> None:
        self.app = app
        self.resolve = resolve

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        state = scope.setdefault("state", {})
        state["actor"] = None
        refusal = await self._refusal(request, state)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _refusal(self, request: Request, state: dict[str, Any]) -> Response | None:
        api = request.headers.get("access-desk-api")
        if api is not None and api.isdigit() and int(api) < MIN_CLIENT_API:
            return _json({"error": "client_too_old",
                          "message": f"this server needs Access Desk {__version__} or later "
                                     f"(API v{API_VERSION}); install that version"}, 426)
        path = request.url.path
        if (path in PUBLIC and request.method in ("GET", "HEAD")) or (
                path == SIGN_IN and request.method == "POST"):
            return None
        token = _bearer(request)
        if token is None:
            return _error(NotSignedIn("sign in first: POST /api/v1/sessions, then send "
                                      "Authorization: Bearer TOKEN"))
        try:
            state["actor"] = await run_in_threadpool(guarded, self.resolve, token)
        except AccessDeskError as exc:
            return _error(exc)
        except Exception as exc:  # noqa: BLE001 - a bug: the same 500 as any use case's
            log.exception("resolving a token failed")
            return _error(exc)
        state["token"] = token
        return None


def create_app(trusted_proxies: frozenset[str] = frozenset(),
               fingerprint: str | None = None, outbox_interval_s: float = 30.0,
               max_upload: int = DEFAULT_MAX_UPLOAD) -> FastAPI:
    """The API over the database this process has opened; uploads of at most `max_upload`
    bytes."""
    from desktop.services import sessions
    from desktop.services.core import is_demo

    from .live import Broadcaster
    from .outbox import duties

    broadcaster = Broadcaster()
    periodic = duties(outbox_interval_s)  # the outbox, and rule 21's sweep

    async def lifespan(_app: FastAPI):  # type: ignore[no-untyped-def]
        broadcaster.start()
        for duty in periodic:
            duty.start()
        yield
        for duty in reversed(periodic):
            duty.stop()
        broadcaster.stop()

    app = FastAPI(title="Access Desk", version=f"{__version__} (API v{API_VERSION})",
                  openapi_url=f"{PREFIX}/openapi.json", docs_url=None, redoc_url=None,
                  lifespan=lifespan,
                  description="Self-service application access: one endpoint per use case. "
                              "Sign in with POST /api/v1/sessions; send the token as "
                              "`Authorization: Bearer TOKEN`.")
    app.state.broadcaster = broadcaster

    app.add_middleware(Authenticate, resolve=sessions.resolve)

    @app.exception_handler(AccessDeskError)
    async def on_error(_request: Request, exc: AccessDeskError) -> Response:
        return _error(exc)

    @app.exception_handler(RequestValidationError)
    async def on_bad_input(_request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(x) for x in first.get("loc", ()) if x not in ("body", "query"))
        return _json({"error": "bad_input",
                      "message": f"{where}: {first.get('msg', 'invalid')}".strip(": ")}, 422)

    @app.exception_handler(Exception)
    async def on_bug(_request: Request, exc: Exception) -> Response:
        log.exception("internal error")
        return _error(exc)

    @app.get(f"{PREFIX}/health", tags=["public"])
    async def health() -> Response:
        def probe() -> None:
            from desktop.models import database_proxy

            database_proxy.obj.execute_sql("SELECT 1").fetchone()
        try:
            await run_in_threadpool(probe)
        except Exception:  # noqa: BLE001 - any failure means "not healthy", said without data
            return _json({"ok": False}, 503)
        return _json({"ok": True})

    @app.get(f"{PREFIX}/version", tags=["public"])
    async def version() -> Response:
        demo = await run_in_threadpool(is_demo)
        return _json({"product": "Access Desk", "version": __version__,
                      "api": API_VERSION, "demo": demo, "fingerprint": fingerprint})

    @app.post(SIGN_IN, tags=["sessions"])
    async def sign_in(request: Request, body: SignIn) -> Response:
        address = client_address(request, trusted_proxies)
        view = await run_in_threadpool(sessions.sign_in, body.upn, body.password,
                                       client=body.client, address=address)
        return _json(view, 201)

    @app.delete(f"{PREFIX}/sessions/current", tags=["sessions"])
    async def sign_out(request: Request) -> Response:
        return _json(await run_in_threadpool(sessions.sign_out, request.state.token))

    @app.get(f"{PREFIX}/events", tags=["live"])
    async def events(request: Request, after: int | None = None) -> Response:
        return await _event_stream(request, broadcaster, after)

    for op in sorted(OPERATIONS, key=lambda o: (-o.path.count("/"), o.path.count("{"))):
        app.add_api_route(_route_path(op), _endpoint(op, max_upload), methods=[op.method],
                          summary=op.summary, name=op.name, tags=[op.name.split(".")[0]],
                          operation_id=op.name)
    return app


def session_ended(token: str) -> str | None:
    """Why a live connection's session no longer holds (checked at each heartbeat, so a
    revoked desktop hears it within HEARTBEAT_S), or None; a database that cannot answer
    now ends nothing."""
    from desktop.errors import NotSignedIn
    from desktop.services import sessions

    try:
        sessions.resolve(token)
    except NotSignedIn as exc:
        return str(exc)
    except Exception:  # noqa: BLE001 - the stream's own health is the heartbeat's business
        return None
    return None


async def _event_stream(request: Request, broadcaster: Any, after: int | None) -> Response:
    """Server-Sent Events: `change` notices (id, topic, entity), `resync` when the client must
    re-read everything, `ended` when its session ended (revoked, expired, disabled), and a
    comment line every HEARTBEAT_S so both ends notice a dead connection. (Written out here:
    the format is four lines, and a library's shutdown hooks into uvicorn's signal handling
    got in the way of servers run inside tests.)"""
    from desktop.services.policy import is_admin_role
    from desktop.services.rights import fresh_with_roles

    from .live import missed

    actor = request.state.actor
    _, roles = await run_in_threadpool(fresh_with_roles, actor)
    sub = broadcaster.subscribe(actor.id, is_admin_role(roles))
    last = request.headers.get("last-event-id")
    since = after if after is not None else (int(last) if last and last.isdigit() else None)

    def frame(event: str, data: dict[str, Any], event_id: int | None = None) -> bytes:
        head = f"id: {event_id}\n" if event_id is not None else ""
        return f"{head}event: {event}\ndata: {json.dumps(data)}\n\n".encode()

    def notice(row: tuple[int, str, int | None]) -> bytes:
        return frame("change", {"id": row[0], "topic": row[1], "entity_id": row[2]}, row[0])

    async def stream() -> Any:
        try:
            yield frame("hello", {"last_id": broadcaster.last_id})
            if since is not None:
                rows = await run_in_threadpool(missed, since)
                if rows is None:
                    yield frame("resync", {})
                else:
                    for row in rows:
                        if sub.may_see(row):
                            yield notice(row)
            while True:
                try:
                    await asyncio.wait_for(sub.wake.wait(), HEARTBEAT_S)
                except TimeoutError:
                    ended = await run_in_threadpool(session_ended, request.state.token)
                    if ended:  # revoked, expired, disabled meanwhile: say so and close
                        yield frame("ended", {"message": ended})
                        return
                    yield b": ping\n\n"
                    continue
                rows = sub.take()
                if sub.overflowed:
                    yield frame("resync", {})
                    return
                chunk = b"".join(notice(row) for row in rows
                                 if since is None or row[0] > since)
                if chunk:  # every notice that came meanwhile, in one write
                    yield chunk
        finally:
            broadcaster.unsubscribe(sub)

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


def app_from_environment() -> FastAPI:
    """The factory uvicorn's workers call (`--workers N` starts each in its own process):
    the configuration comes through the environment `serve` set."""
    from desktop.services import setup

    setup.open_url(os.environ["ACCESS_DESK_DB"])
    trusted = frozenset(filter(None, os.environ.get("ACCESS_DESK_TRUSTED_PROXIES", "").split(",")))
    cap = os.environ.get("ACCESS_DESK_MAX_UPLOAD", "")  # `serve --max-upload`, in bytes
    return create_app(trusted, os.environ.get("ACCESS_DESK_SERVER_FINGERPRINT") or None,
                      max_upload=int(cap) if cap.isdigit() else DEFAULT_MAX_UPLOAD)


__all__ = ["app_from_environment", "create_app"]
