# cython: language_level=3, boundscheck=False, wraparound=False
# gilref-example: pythons = cpython>=3.9
# gilref-example: needs = Cython, setuptools
# gilref-example: chapter = native-code
# gilref-example: runs-with = build_cython.py
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the gilref authors. Free to copy, change and share under
# the MIT licence (the LICENSE file of gilref); keep this notice in copies.
"""One CPU-bound loop three ways: holding the GIL, releasing it, and with prange.

The loop is a xorshift64 random-number step repeated n times. Every step
depends on the one before, so the C compiler cannot skip or shorten it, and
the result can be checked against the same loop written in Python.

Build it with build_cython.py (next to this file), which also times it.
"""

from cython.parallel cimport prange
from libc.stdint cimport uint64_t

SEED = 88172645463325252


cdef inline uint64_t xorshift_steps(uint64_t x, long long n) noexcept nogil:
    """n xorshift64 steps from x: pure C, touches no Python object."""
    cdef long long i
    for i in range(n):
        x ^= x << 13
        x ^= x >> 7
        x ^= x << 17
    return x


def xorshift_gil(long long n, uint64_t seed=SEED):
    """The loop in C, called with the GIL held all the way through."""
    return xorshift_steps(seed, n)


def xorshift_nogil(long long n, uint64_t seed=SEED):
    """The same loop, with the GIL released while it runs."""
    cdef uint64_t x
    with nogil:
        x = xorshift_steps(seed, n)
    return x


def xorshift_prange(long long n, int threads, uint64_t seed=SEED):
    """n steps split into `threads` independent chains run by OpenMP threads.

    Each chain starts from its own seed; the chains' final values are combined
    with XOR. Without OpenMP the chains run one after another.
    """
    if threads < 1:
        raise ValueError(f"threads must be >= 1, got {threads}")
    cdef long long share = n // threads
    cdef long long extra = n % threads
    cdef uint64_t total = 0
    cdef int i
    for i in prange(threads, nogil=True, num_threads=threads, schedule="static", chunksize=1):
        total ^= xorshift_steps(seed + <uint64_t>i, share + (1 if i < extra else 0))
    return total


cdef extern from *:
    """
    #ifdef _OPENMP
    static int gilref_openmp(void) { return 1; }
    #else
    static int gilref_openmp(void) { return 0; }
    #endif
    """
    int gilref_openmp() nogil


def built_with_openmp():
    """True if the C compiler built this module with OpenMP (prange runs in parallel)."""
    return bool(gilref_openmp())
