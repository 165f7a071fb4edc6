"""The client side of team mode: a desktop, tray or script that talks to an Access Desk server
and never opens the database (nothing here imports desktop.models)."""
