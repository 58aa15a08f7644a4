"""The web UI: server-rendered pages (Jinja2), progressive enhancement with htmx served by the
app itself, a signed session cookie and CSRF protection. See docs/web.md.

- `app.install(app, state)` mounts everything on the FastAPI app (called by `tipline.app`);
- `pages.page_router()` makes a router for pages (CSRF checked on unsafe methods, hidden from
  the OpenAPI schema); `session.page_user` / `session.page_role(...)` are the logged-in user;
- `templates.render(request, name, context)` renders a template extending `base.html`;
- `nav.NAV` and `nav.HOME` list the navigation and each role's home page.
"""
