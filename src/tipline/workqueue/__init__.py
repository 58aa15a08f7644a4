"""One durable, leased work queue for the pipeline, delivery and later work.

- `queue`: `LeasedQueue` over a `QueueTable` (claim, renew, complete, fail with backoff,
  dead letters, release of leases);
- `wake`: in-process workers woken when the transaction that queued their work commits;
- `serve`: run a worker until idle, or in background threads;
- `items`: the generic `work_items` queue (`enqueue`, `ItemWorker` with handlers per queue).

It sits low in the layer graph: it imports only `tipline.db`, SQLAlchemy and the standard
library, and every domain may use it.
"""
