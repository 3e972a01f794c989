"""Reading the files the units sent on a small process pool, as the school's intake does (intake.read.Reading):
forked workers that die with the office's run, started only from `PARALLEL_FROM` files, each file opened and
parsed in a worker and only its parsed result sent back, in file order and as soon as it is read. At most the
files being read (one per worker) are held as bytes; the parent keeps what was parsed. Stopped or failed, the
workers are ended at once.

Past one machine this file list is what Dask would distribute (benchmarks/README.md: the seam): `pooled`'s jobs
go out, the results come back in order; nothing else would change."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from thidua.intake.read import PARALLEL_FROM
from thidua.system.processes import worker_initializer

J = TypeVar("J")
R = TypeVar("R")
MAX_WORKERS = 8
CHUNK_MAX = 64  # jobs sent to a worker at once: few round trips, results still streaming in


def _nothing() -> None:
    return None


@contextmanager
def pooled(work: Callable[[J], R], jobs: Sequence[J]) -> Iterator[Iterator[R]]:
    """`work` applied to every job, results in the jobs' order: in this process for a few jobs (or on one
    core), else on a pool of forked workers (at most MAX_WORKERS). Leaving the block stops the workers."""
    workers = min(os.cpu_count() or 1, MAX_WORKERS)
    if len(jobs) < PARALLEL_FROM or workers < 2:
        yield map(work, jobs)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    methods = multiprocessing.get_all_start_methods()  # fork where there is one: the workers' parent is us
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    pool = ProcessPoolExecutor(
        workers, mp_context=context, initializer=worker_initializer, initargs=(_nothing, os.getpid())
    )
    chunk = max(1, min(CHUNK_MAX, len(jobs) // (workers * 8)))
    try:
        yield pool.map(work, jobs, chunksize=chunk)
    except BaseException:
        # Stopped or failed: what the workers read is not wanted any more, and waiting on a pool a Ctrl+C may have
        # caught mid-call can hang (intake.read.Reading does the same). End the workers, then the pool.
        processes: list[Any] = list(getattr(pool, "_processes", {}).values())
        for process in processes:
            process.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.join(timeout=10)
        raise
    pool.shutdown(wait=True, cancel_futures=True)
