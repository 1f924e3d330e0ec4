"""A web worker's long-lived objects kept out of the garbage collector's full collections.

A full (generation 2) collection walks every object the process tracks and holds the GIL while it does: every
request in that worker, a heartbeat as much as a page, stops until it is over. A loaded, warmed-up web worker holds
about 215,000 such objects, nearly all of them the program itself (modules, URL patterns, compiled templates,
translations, prepared statements), never garbage: its full collections took 115-140 ms each, four in 30 s at 125
heartbeats and 15 home pages a second (measured with gc.callbacks in the workers), and were the tail of every
request's latency (bench/heartbeat_concurrency.py --pages).

gc.freeze() moves every object tracked so far into a permanent generation the collector no longer walks; objects in
it are still freed by reference counting when the last reference goes (only a cycle among them would stay). A worker
freezes twice: once the application is loaded (after one collection, so no garbage is frozen), and once after its
first WARM_UP_REQUESTS requests, when what the first requests build lazily (templates, URL caches, the prepared
statements of each thread) is there too. Full collections then walk only what requests made since: ~2 ms.
"""

import gc
import threading

WARM_UP_REQUESTS = 500


def freeze_loaded() -> None:
    """Collect once, then freeze what is left: the loaded program."""
    gc.collect()
    gc.freeze()


class FreezeAfterWarmUp:
    """WSGI middleware: freezes the heap once, after this process's first `after` requests (any thread's)."""

    def __init__(self, app, after: int = WARM_UP_REQUESTS):
        self.app, self.after = app, after
        self._count, self._lock, self.frozen = 0, threading.Lock(), False

    def __call__(self, environ, start_response):
        if not self.frozen:
            with self._lock:
                self._count += 1
                if self._count >= self.after and not self.frozen:
                    gc.freeze()  # no collection first: that would be the very pause this avoids
                    self.frozen = True
        return self.app(environ, start_response)
