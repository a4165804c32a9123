"""Compiled kernels (numba, the optional extra ``fast``) for the solver's hot loops, each
doing exactly the arithmetic of the numpy route it replaces in the same order (the tests
compare them): the rank-3 pricing pass of :meth:`cvxcore.arrangement.cells.Arrangement.price_rows`,
the spanning-tree walk of its correlations, the local maxima of a pricing over the cell
adjacency graph, and the Givens rotations of the first phase's
Cholesky row deletion (:func:`cvxcore.convex.directions._delete`).  Without numba, or with the environment
variable ``CVXCORE_NUMBA=0``, :data:`AVAILABLE` is False and the numpy routes run."""
from __future__ import annotations

import os
from typing import Any

import numpy as np


def _plain(*args, **kwargs):
    def wrap(f):
        return f
    return wrap


njit: Any = _plain
AVAILABLE = False
if os.environ.get("CVXCORE_NUMBA", "1") != "0":
    try:                                 # an optional dependency: the numpy route is complete
        from numba import njit
        AVAILABLE = True
    except ImportError:                  # pragma: no cover - depends on the environment
        pass


@njit(cache=True, nogil=True)
def _cell_value(Dv, pn, lo, hi, sign, gn, tol):
    best = 0.0
    worst = np.inf
    first = True
    for e in range(lo, hi):
        d0 = sign * Dv[e, 0]
        d1 = sign * Dv[e, 1]
        d2 = sign * Dv[e, 2]
        if d1 >= -tol and d2 >= -tol:
            val = pn[e]
        else:
            val = max(max(sign * Dv[e, 3], sign * Dv[e, 4]), 0.0)
        if first:
            best, worst, first = val, d0, False
        else:
            best = max(best, val)
            worst = min(worst, d0)
    return max(best, gn if worst >= -tol else 0.0)


@njit(cache=True, nogil=True)
def price_rank3(Gr, cells, ptr, N, TA, TB, A, B, threshold, in_tol):
    """(‖Π_{K_c}(g)‖, ‖Π_{K_c}(−g)‖) for g = Gr[j], c = cells[j] of a rank-3 arrangement (the
    numpy route: :meth:`cvxcore.arrangement.cells.Arrangement.price_rows`)."""
    m = cells.size
    plus = np.empty(m)
    minus = np.empty(m)
    Dv = np.empty((64, 5))
    pn = np.empty(64)
    for j in range(m):
        g0, g1, g2 = Gr[j, 0], Gr[j, 1], Gr[j, 2]
        gn = np.sqrt(g0 * g0 + g1 * g1 + g2 * g2)
        if threshold > 0 and not gn > threshold:
            plus[j] = gn
            minus[j] = gn
            continue
        c = cells[j]
        lo, hi = ptr[c], ptr[c + 1]
        k = hi - lo
        if k > Dv.shape[0]:
            Dv = np.empty((k, 5))
            pn = np.empty(k)
        for i in range(k):
            e = lo + i
            # the frame's columns n, t_a, t_b, a, b (each as the numpy route's frame[e, :, q])
            Dv[i, 0] = g0 * N[e, 0] + g1 * N[e, 1] + g2 * N[e, 2]
            Dv[i, 1] = g0 * TA[e, 0] + g1 * TA[e, 1] + g2 * TA[e, 2]
            Dv[i, 2] = g0 * TB[e, 0] + g1 * TB[e, 1] + g2 * TB[e, 2]
            Dv[i, 3] = g0 * A[e, 0] + g1 * A[e, 1] + g2 * A[e, 2]
            Dv[i, 4] = g0 * B[e, 0] + g1 * B[e, 1] + g2 * B[e, 2]
            p0 = g0 - Dv[i, 0] * N[e, 0]
            p1 = g1 - Dv[i, 0] * N[e, 1]
            p2 = g2 - Dv[i, 0] * N[e, 2]
            pn[i] = np.sqrt(p0 * p0 + p1 * p1 + p2 * p2)
        tol = in_tol * gn
        plus[j] = _cell_value(Dv, pn, 0, k, 1.0, gn, tol)
        minus[j] = _cell_value(Dv, pn, 0, k, -1.0, gn, tol)
    return plus, minus


@njit(cache=True, nogil=True)
def tree_walk(G, order_child, order_parent, order_line, order_sign, Wl):
    """G[child] = G[parent] + sign · Wl[line] along the spanning tree, parents first."""
    d = G.shape[1]
    for t in range(order_child.size):
        c, p, ln, s = order_child[t], order_parent[t], order_line[t], order_sign[t]
        for k in range(d):
            G[c, k] = G[p, k] + s * Wl[ln, k]
    return G


@njit(cache=True, nogil=True)
def absorb_column(T, x):
    """T ← the lower factor of TTᵀ + xxᵀ, in place, by Givens rotations (the rank-one update
    of :func:`cvxcore.convex.directions._delete`, row by row as its numpy route)."""
    m = T.shape[0]
    for k in range(m):
        r = np.hypot(T[k, k], x[k])
        cs = r / T[k, k]
        sn = x[k] / T[k, k]
        T[k, k] = r
        for i in range(k + 1, m):
            t = (T[i, k] + sn * x[i]) / cs
            T[i, k] = t
            x[i] = cs * x[i] - sn * t
    return T


@njit(cache=True, nogil=True)
def local_maxima(vals, a, b, ismax):
    """ismax[c] ← False for every cell c with a neighbour of larger value, over the adjacency
    pairs (a[e], b[e]) (:meth:`cvxcore.arrangement.cells.Arrangement.local_maxima`)."""
    for e in range(a.size):
        va = vals[a[e]]
        vb = vals[b[e]]
        if va < vb:
            ismax[a[e]] = False
        elif vb < va:
            ismax[b[e]] = False
    return ismax
