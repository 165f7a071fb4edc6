"""Team mode: `access-desk serve`, the HTTP API over the services (app.py), its live notices
(live.py) and its start-up (serve.py). Needs the `[server]` extra."""
