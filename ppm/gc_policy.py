"""The garbage collector's settings of the web processes (gunicorn.conf.py) and of `make bench`'s
measures: one policy for both, so that the benchmark measures what production runs. No Django import:
gunicorn reads this before it loads the application.

* Thresholds: a young collection every 50,000 allocations instead of CPython's 700.
* Once a worker has loaded the application (`settle`): its objects frozen out of the collector's reach
  (full collections of the whole loaded application cost ~75 ms on 2 cores: p95 spikes).
* After each response (`after_response`): a young collection, while nobody waits. A request leaves
  objects in reference cycles behind; the 50,000-allocation threshold otherwise fell due in the middle
  of a later request holding tens of thousands of live objects (15-20 ms pauses, a REST page's p95
  twice its median). Collected after the response, with few objects alive, they cost 0.3-0.9 ms. As
  CPython would, an older generation is collected with it once its own count is due, so what survives
  into it is not left there for a worker's lifetime.
"""

import gc

THRESHOLDS = (50_000, 20, 100)


def settle() -> None:
    """After the application is loaded: the thresholds, then everything loaded frozen."""
    gc.set_threshold(*THRESHOLDS)
    gc.collect()
    gc.freeze()


def after_response() -> None:
    """Once a response is sent: a young collection (and an older generation's when its count is due)."""
    counts, thresholds = gc.get_count(), gc.get_threshold()
    generation = 2 if counts[2] >= thresholds[2] else 1 if counts[1] >= thresholds[1] else 0
    gc.collect(generation)
