"""A web worker freezes its loaded program out of the collector's way (core/heap.py): once loaded, and once after
its first requests, passing every request through unchanged."""

import gc
import threading
import weakref

import pytest

from reelhouse.core.heap import FreezeAfterWarmUp, freeze_loaded

pytestmark = pytest.mark.engine_independent


@pytest.fixture(autouse=True)
def unfrozen():
    gc.unfreeze()
    yield
    gc.unfreeze()


def hello(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [environ["PATH_INFO"].encode()]


def test_the_heap_is_frozen_once_after_the_warm_up_requests():
    app = FreezeAfterWarmUp(hello, after=3)
    seen = []
    for n in range(1, 6):
        body = app({"PATH_INFO": f"/{n}"}, lambda status, headers: seen.append(status))
        assert body == [f"/{n}".encode()]
        if n == 2:
            assert not app.frozen and gc.get_freeze_count() == 0
        if n == 3:
            assert app.frozen and gc.get_freeze_count() > 0
            gc.unfreeze()
    assert gc.get_freeze_count() == 0  # the 4th and 5th requests froze nothing more
    assert seen == ["200 OK"] * 5


def test_requests_from_many_threads_freeze_once():
    app = FreezeAfterWarmUp(hello, after=50)
    threads = [threading.Thread(target=lambda: [app({"PATH_INFO": "/"}, lambda *_: None) for _ in range(25)])
               for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert app.frozen and app._count == 50  # counting stops once frozen


def test_the_loaded_program_is_frozen_without_its_garbage():
    class Cycle:
        pass

    gc.disable()  # no automatic collection before freeze_loaded's own
    garbage = Cycle()
    garbage.me = garbage
    gone = weakref.ref(garbage)
    del garbage
    kept = [[n] for n in range(1000)]  # noqa: F841 (lists: tracked by the collector)
    assert gone() is not None  # only a collection frees a cycle
    try:
        freeze_loaded()
    finally:
        gc.enable()
    assert gc.get_freeze_count() > 1000
    assert gone() is None  # collected before the freeze, not frozen with the program


def test_the_servers_application_freezes_after_its_warm_up():
    from reelhouse import wsgi

    assert isinstance(wsgi.application, FreezeAfterWarmUp)
    assert wsgi.application.after == 500
