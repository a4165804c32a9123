"""A small builder for Clarabel's conic programs.

Clarabel solves  min ½xᵀPx + qᵀx  s.t.  b − Ax ∈ K,  K a product of cones.  The builder
collects variables, objective terms and constraint rows by cone kind (zero, non-negative,
second-order, exponential), in any order, and assembles them in the order Clarabel needs;
each ``add_*`` returns a handle whose rows are found in the solution's multipliers ``z`` by
:meth:`ConicProgram.rows` after :meth:`ConicProgram.solve`.

Rows are given as triplets (row, col, val) of A with rows numbered from 0 within the block,
and the block's b; a constraint "Σ_j a_j x_j ≥ c" is written b − Ax = −c + Σ a_j x_j ≥ 0,
i.e. A = −a, b = −c.
"""
from __future__ import annotations

import numpy as np
from scipy import sparse

FULL_ITER = 200      # Clarabel's iteration budget for a solve run to convergence

_ORDER = ("zero", "nonneg", "soc", "exp")


class ConicProgram:
    def __init__(self):
        self.nx = 0
        self.q = []                       # (indices, values)
        self.P = []                       # diagonal of P: (indices, values)
        self.P_blocks = []                # dense blocks of P: (first index, symmetric matrix)
        self.blocks = []                  # (kind, rows, cols, vals, b, cone sizes)
        self._offsets = None

    def variables(self, k: int) -> int:
        """k new variables; returns the index of the first."""
        start = self.nx
        self.nx += int(k)
        return start

    def linear(self, idx, coef) -> None:
        self.q.append((np.asarray(idx).reshape(-1), np.broadcast_to(coef, np.shape(idx)).reshape(-1)))

    def quadratic(self, idx, coef) -> None:
        """½ Σ coef_i x_i² (a diagonal P)."""
        self.P.append((np.asarray(idx).reshape(-1), np.broadcast_to(coef, np.shape(idx)).reshape(-1)))

    def quadratic_block(self, i0: int, H: np.ndarray) -> None:
        """½ xᵀHx over the variables i0 … i0 + len(H) − 1 (H symmetric PSD)."""
        self.P_blocks.append((int(i0), np.asarray(H, dtype=float)))

    def add(self, kind: str, rows, cols, vals, b, sizes=None) -> int:
        """Rows of cone ``kind`` ("zero", "nonneg", "soc" with ``sizes`` the cones' dimensions,
        "exp" in groups of three); returns a handle."""
        b = np.asarray(b, dtype=float).reshape(-1)
        self.blocks.append((kind, np.asarray(rows).reshape(-1), np.asarray(cols).reshape(-1),
                            np.asarray(vals, dtype=float).reshape(-1), b, sizes))
        return len(self.blocks) - 1

    def _assemble(self):
        order = sorted(range(len(self.blocks)), key=lambda i: (_ORDER.index(self.blocks[i][0]), i))
        offsets, r0 = {}, 0
        R, C, V, B, cones = [], [], [], [], []
        import clarabel
        counts = {"zero": 0, "nonneg": 0}
        for i in order:
            kind, rows, cols, vals, b, sizes = self.blocks[i]
            offsets[i] = (r0, r0 + b.size)
            R.append(rows + r0)
            C.append(cols)
            V.append(vals)
            B.append(b)
            if kind in counts:
                counts[kind] += b.size
            elif kind == "soc":
                cones += [clarabel.SecondOrderConeT(int(k)) for k in sizes]
            else:
                cones += [clarabel.ExponentialConeT() for _ in range(b.size // 3)]
            r0 += b.size
        head = ([clarabel.ZeroConeT(counts["zero"])] if counts["zero"] else []) + \
               ([clarabel.NonnegativeConeT(counts["nonneg"])] if counts["nonneg"] else [])
        rows = np.concatenate(R) if R else np.zeros(0, int)
        cols = np.concatenate(C) if C else np.zeros(0, int)
        A = sparse.csc_matrix((np.concatenate(V) if V else np.zeros(0), (rows, cols)), shape=(r0, self.nx))
        q = np.zeros(self.nx)
        for idx, val in self.q:
            np.add.at(q, idx, val)
        pd = np.zeros(self.nx)
        for idx, val in self.P:
            np.add.at(pd, idx, val)
        nz = np.flatnonzero(pd)
        Pm = sparse.csc_matrix((pd[nz], (nz, nz)), shape=(self.nx, self.nx))
        for i0, H in self.P_blocks:            # Clarabel reads the upper triangle of P
            r, c = np.triu_indices(H.shape[0])
            Pm = Pm + sparse.csc_matrix((H[r, c], (i0 + r, i0 + c)), shape=(self.nx, self.nx))
        self._offsets = offsets
        return Pm, q, A, np.concatenate(B) if B else np.zeros(0), head + cones

    def rows(self, handle: int) -> slice:
        """The rows of block ``handle`` in the assembled program (after :meth:`solve`)."""
        a, b = self._offsets[handle]
        return slice(a, b)

    def solve(self, *, scale: float = 1.0, tol: float = 1e-11, max_iter: int = FULL_ITER):
        """Clarabel (QDLDL or faer, :func:`kkt_method`) on the objective multiplied by ``scale`` (same minimiser; the
        multipliers are scaled back): a solution with ``x``, ``z`` (numpy) and ``status``."""
        import clarabel
        Pm, q, A, b, cones = self._assemble()
        st = clarabel.DefaultSettings()
        st.verbose = False
        st.tol_gap_abs = st.tol_gap_rel = tol
        st.tol_feas = tol
        st.max_iter = max_iter
        st.direct_solve_method = kkt_method(A.shape[0] + self.nx)
        if st.direct_solve_method == "faer":
            st.max_threads = 1           # the app runs several solves at once on few cores
        if max_iter < FULL_ITER:         # a capped early round only needs a rough dual
            st.iterative_refinement_enable = False
        sol = clarabel.DefaultSolver(Pm * scale, q * scale, A, b, cones, st).solve()
        return Solution(np.asarray(sol.x, dtype=float), np.asarray(sol.z, dtype=float) / scale, str(sol.status))


KKT_SOLVER = "auto"       # "auto", "qdldl" or "faer": the sparse LDLᵀ factorisation of the KKT system
FAER_MIN_SIZE = 8_000     # "auto": faer from this KKT dimension (rows + variables), QDLDL below


def kkt_method(size: int) -> str:
    """The KKT factorisation for a program with ``size`` rows + variables: QDLDL for small
    systems (the working set at n = 200 in 2-D, sizes up to ~6,000: its restricted solves
    1.5–2.1 s against faer's 2.7–3.1 s), faer (supernodal, one thread) for large ones (n = 500,
    sizes 10,000–26,000: 11–13 s against 15–18 s; n = 1,000, 1,450 blocks: 3.5 s against 7.5 s
    for one solve) — when the installed Clarabel has it."""
    choice = KKT_SOLVER if KKT_SOLVER != "auto" else ("faer" if size >= FAER_MIN_SIZE else "qdldl")
    return "faer" if choice == "faer" and _has_faer() else "qdldl"


_FAER: list[bool] = []


def _has_faer() -> bool:
    """Whether this Clarabel factors with faer (Clarabel ≥ 0.10), tried once on a 1-variable
    program."""
    if not _FAER:
        import clarabel
        try:
            st = clarabel.DefaultSettings()
            st.verbose = False
            st.direct_solve_method = "faer"
            st.max_threads = 1
            A = sparse.csc_matrix(-np.ones((1, 1)))          # min x s.t. x ≥ 0
            sol = clarabel.DefaultSolver(sparse.csc_matrix((1, 1)), np.ones(1), A, np.zeros(1),
                                         [clarabel.NonnegativeConeT(1)], st).solve()
            _FAER.append(str(sol.status) == "Solved")
        except Exception:          # an older Clarabel rejects the setting or the name
            _FAER.append(False)
    return _FAER[0]


class Solution:
    def __init__(self, x, z, status):
        self.x, self.z, self.status = x, z, status

    @property
    def finite(self) -> bool:
        return bool(self.x.size and np.all(np.isfinite(self.x)))
