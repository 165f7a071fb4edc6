"""The use cases as one list of operations (operations.py): the server's routes, the remote
client and the OpenAPI document are all built from it, and the command line calls it through
a backend (backend.py) that is either the services in process or an Access Desk server.

Nothing here imports desktop.models: a desktop connected to a server never loads them."""
