"""The handout: every window for each kind of person on the demo directory, and a page to print."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from desktop.ui.viewas import KIND_TITLES, ViewAsWindow, person, role_line


@dataclass(frozen=True)
class Persona:
    key: str
    title: str
    upn_local: str | None
    text: str


PERSONAS = (
    Persona("administrator", "Administrator", "megan.bowen",
            "Configures self-service per application, sees who has access, reads the audit "
            "log."),
    Persona("approver", "Approver", "alice.wu",
            "Approves or denies requests for the applications he is listed on."),
    Persona("user", "User", "nadia.petrova",
            "Finds applications in My Apps, requests them and follows the request."),
    Persona("unlicensed", "User without a license", "liam.oconnor",
            "Sees why he cannot request anything yet (rule 7)."),
    Persona("everyone", "Starting Access Desk", None,
            "The first-run welcome window and the sign-in window."),
    Persona("trainer", "Trainer", None,
            "View as: a requester and his approvers side by side, live."),
)


def _pages(kind: str, window: Any) -> list[tuple[str, Callable[[], None]]]:
    """Each page or tab of a window, with how to show it."""
    if kind == "admin":
        return [(title, partial(window.show_page, i))
                for i, title in enumerate(window.page_titles())]
    tabs = getattr(window, "tabs", None)
    if tabs is not None:
        return [(tabs.tabText(i), partial(tabs.setCurrentIndex, i))
                for i in range(tabs.count())]
    return [("", lambda: None)]


def _slug(text: str) -> str:
    """A file name part that stays the same as counts change ("Pending (3)" -> "pending")."""
    words = "".join(c if c.isalpha() else " " for c in text.lower()).split()
    return "-".join(words)


def render_handout(out: Path, size: tuple[int, int] = (1280, 800)) -> dict[str, Any]:
    """Every window for each kind of person on the demo directory, and index.html to print."""
    from desktop.demo.scenarios import demo_upn, require_demo
    from desktop.services.core import get_setting
    from desktop.ui.screenshot import ensure_app, grab
    from desktop.ui.windows import add_window_menu, allowed_kinds, build_window

    require_demo("handouts")
    ensure_app()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    sections: list[tuple[Persona, str, list[tuple[str, str]]]] = []
    for persona in PERSONAS:
        shots: list[tuple[str, str]] = []
        who = ""
        if persona.upn_local:
            user = person(demo_upn(persona.upn_local))
            who = f"{user.display_name} ({role_line(user)})"
            for kind in ("admin", "approvals", "myapps"):
                if allowed_kinds(user)[kind] is not None:
                    continue
                if persona.key == "administrator" and kind == "myapps":
                    continue  # the users' section shows My Apps
                window = build_window(kind, user)
                add_window_menu(window, user, kind, lambda _k: None)
                try:
                    pages = _pages(kind, window)
                    if persona.key == "unlicensed":
                        catalog = [p for p in pages if p[0].lower().startswith("request new")]
                        pages = catalog or pages
                    for title, show in pages:
                        show()
                        name = f"{persona.key}-{kind}" + (f"-{_slug(title)}" if title else "")
                        grab(window, out / f"{name}.png", size)
                        caption = f"{KIND_TITLES[kind]}" + (f": {title}" if title else "")
                        shots.append((f"{name}.png", f"{caption}, as {user.display_name}"))
                finally:
                    window.close()
                    window.deleteLater()
        elif persona.key == "everyone":
            shots += _render_start(out, size)
        else:
            view = ViewAsWindow()
            try:
                view.journey()
                grab(view, out / "trainer-view-as.png", (max(size[0], 1500), size[1]))
                shots.append(("trainer-view-as.png",
                              "View as: Oliver Schmidt's My Apps beside the Approvals of "
                              "Alice Wu and Yuki Tanaka"))
            finally:
                view.close()
                view.deleteLater()
        sections.append((persona, who, shots))
    index = out / "index.html"
    index.write_text(_index_html(sections, get_setting("tenant_name") or "the demo directory"),
                     encoding="utf-8")
    images = sum(len(s[2]) for s in sections)
    return {"out": str(out), "index": str(index), "images": images,
            "sections": [s[0].key for s in sections]}


def _render_start(out: Path, size: tuple[int, int]) -> list[tuple[str, str]]:
    from desktop.ui.screenshot import grab
    from desktop.ui.signin import SignInDialog
    from desktop.ui.welcome import WelcomeWindow

    shots = []
    welcome = WelcomeWindow()
    try:
        small = (min(size[0], 660), min(size[1], 620))
        grab(welcome, out / "start-welcome.png", small)
        shots.append(("start-welcome.png", "First run: the welcome window's three choices"))
        welcome.show_page("new")
        grab(welcome, out / "start-welcome-new.png", small)
        shots.append(("start-welcome-new.png",
                      "First run: a new directory asks for its first Global Administrator"))
        welcome.show_page("postgresql")
        grab(welcome, out / "start-welcome-postgresql.png", small)
        shots.append(("start-welcome-postgresql.png",
                      "First run: a shared PostgreSQL database, tested before it is used"))
    finally:
        welcome.close()
        welcome.deleteLater()
    signin = SignInDialog(None, "demo.db")
    try:
        grab(signin, out / "start-signin.png", (min(size[0], 560), min(size[1], 340)))
        shots.append(("start-signin.png", "Signing in on the demo directory: pick anyone"))
    finally:
        signin.close()
        signin.deleteLater()
    return shots


def _index_html(sections: list[tuple[Persona, str, list[tuple[str, str]]]], tenant: str) -> str:
    parts = [
        "<!doctype html>", "<html lang=\"en\"><head><meta charset=\"utf-8\">",
        f"<title>Access Desk handout: {html.escape(tenant)}</title>",
        "<style>",
        "body { font-family: 'DejaVu Sans', sans-serif; color: #263238; margin: 2em; }",
        "h1 { font-size: 1.6em; } h2 { border-bottom: 2px solid #1565c0; padding-bottom: .2em; }",
        "figure { margin: 1.2em 0 2em; } img { max-width: 100%; border: 1px solid #b8c4cb; }",
        "figcaption { font-size: .95em; color: #455a64; margin-top: .4em; }",
        "nav li { margin: .2em 0; }",
        "@media print { section { page-break-before: always; } figure "
        "{ page-break-inside: avoid; } nav { display: none; } }",
        "</style></head><body>",
        "<h1>Access Desk: every window, for each kind of person</h1>",
        f"<p>Rendered from {html.escape(tenant)} with <code>access-desk screenshot --all</code>."
        "</p>",
        "<nav><ul>",
    ]
    parts += [f"<li><a href=\"#{p.key}\">{html.escape(p.title)}</a></li>" for p, _w, s in
              sections if s]
    parts.append("</ul></nav>")
    number = 0
    for persona, who, shots in sections:
        if not shots:
            continue
        parts.append(f"<section id=\"{persona.key}\"><h2>{html.escape(persona.title)}</h2>")
        intro = f"{html.escape(persona.text)}"
        if who:
            intro += f" Shown as {html.escape(who)}."
        parts.append(f"<p>{intro}</p>")
        for filename, caption in shots:
            number += 1
            parts.append(f"<figure><img src=\"{html.escape(filename)}\" alt=\""
                         f"{html.escape(caption)}\"><figcaption>Figure {number}. "
                         f"{html.escape(caption)}</figcaption></figure>")
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
