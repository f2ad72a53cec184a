"""gunicorn's settings for this app, read from the working directory (docs/deploy.md).

One gevent worker per process: a Socket.IO connection stays with the process that knows it.
Every phone holds a connection for the whole workshop, and the gevent worker serves 1,000
at a time unless told otherwise: the next phone, and the next page, would wait.
"""

worker_class = "gevent"
workers = 1
worker_connections = 20_000
