"""Benchmark: the fast exact solver (cvxcore.fast) against cvxpy + Clarabel on program (8).

    python bench/bench_solver.py                 # the full table (takes a while: cvxpy)
    python bench/bench_solver.py --ns 20 50 --betas 0.01 --recipes xor
    python bench/bench_solver.py --scale-only --scale-ns 100 200 500 1000 2000   # the large-n table

2-D data with a bias column (d = 3, P ≈ n² patterns), squared loss, three
recipes (seeded):

    xor     x ~ N(0, I₂),  y = sign(x₁ x₂)
    ring    x ~ N(0, I₂),  y = +1 if ‖x‖ > 1.18 (median radius) else −1
    smooth  x ~ U[−2, 2]²,  y = sin(2 x₁) cos(x₂) + 0.1 ε      (regression)

For each (recipe, n, β): P, the enumeration time, the fast solve time
(``solve_convex(method="fast")`` with the patterns given; ``--loss`` hinge or
logistic for the two classification recipes, so the time includes
recovery and the independent certificate), cvxpy + Clarabel on the full
program (run in a child process, abandoned after ``--cvxpy-timeout`` s; not
attempted for n > ``--cvxpy-max-n``), their ratio, both values, the relative
difference, m*, and the certified relative gap of each.  Then warm vs cold
re-solves (one β step of ×1.1, one added point), peak memory at the largest n
(tracemalloc: numpy's allocations), and 1-D data with a bias at n = 2,000.
The scale table (``--scale-ns``, xor recipe, ``--scale-losses`` squared and hinge)
first times cvxpy + Clarabel on the whole program (8) at n = ``--scale-ref-n`` (50; the
median of ``--scale-ref-runs``, 3, runs),
then runs each (n, β) in a fresh child process and reports the build (the
arrangement), the solve with its phase split (restricted Clarabel solves, pricing
passes of both phases, the first phase's lasso solves, the rest: building the first
phase's features, recovery, minimal network, certificate), the total as a multiple of the
cvxpy time, rounds, the size of the final restricted program, the peak resident
memory of the child (arrangement included) and the certified gap, then the exponent
k of time ∝ n^k fitted over those n.
Timings are wall-clock on whatever else the machine is doing: compare ratios
measured in the same run.
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import platform
import sys
import time
import tracemalloc

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from cvxcore import activation_patterns, arrangement, solve_convex, with_bias  # noqa: E402


def recipe(name: str, n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    if name == "xor":
        x = rng.standard_normal((n, 2))
        y = np.sign(x[:, 0] * x[:, 1])
    elif name == "ring":
        x = rng.standard_normal((n, 2))
        y = np.where(np.linalg.norm(x, axis=1) > 1.18, 1.0, -1.0)
    elif name == "smooth":
        x = rng.uniform(-2, 2, (n, 2))
        y = np.sin(2 * x[:, 0]) * np.cos(x[:, 1]) + 0.1 * rng.standard_normal(n)
    else:
        raise ValueError(f"recipe={name!r} is not known; use xor, ring or smooth.")
    y[y == 0] = 1.0
    return with_bias(x), y


def _cvxpy_child(q, X, y, beta, P, loss):
    t = time.perf_counter()
    r = solve_convex(X, y, beta, patterns=P, method="cvxpy", loss=loss)
    q.put((time.perf_counter() - t, r.value, r.rel_gap, r.m_star, r.status))


def run_cvxpy(X, y, beta, P, timeout, loss="squared"):
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=_cvxpy_child, args=(q, X, y, beta, P, loss))
    p.start()
    p.join(timeout)
    if p.is_alive():
        p.kill()
        p.join()
        return None
    return q.get() if not q.empty() else None


def fmt_t(t):
    return "—" if t is None else (f"{t:.3f}" if t < 10 else f"{t:.1f}")


def print_machine():
    print(f"# machine: {platform.node()} · {platform.processor() or platform.machine()} · "
          f"{os.cpu_count()} cores · Python {platform.python_version()} · numpy {np.__version__}")
    print(f"# load average at start: {os.getloadavg()[0]:.1f} (shared machine)")
    print()


def _scale_child(q, n, beta, loss="squared"):
    import resource
    X, y = recipe("xor", n)
    t = time.perf_counter()
    cells = arrangement(X)
    t_enum = time.perf_counter() - t
    t = time.perf_counter()
    r = solve_convex(X, y, beta, patterns=cells, method="fast", loss=loss)
    t_solve = time.perf_counter() - t
    info = r.info
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    q.put(dict(P=cells.n_cells, enum=t_enum, solve=t_solve, rounds=info.get("rounds"),
               S=(info.get("working_set") or [0])[-1], pricing=info.get("pricing_seconds", 0.0),
               restricted=info.get("solve_seconds", 0.0), ws=info.get("seconds", 0.0), peak=peak,
               lasso=info.get("phase1_lasso_seconds", 0.0), phase1_rounds=info.get("phase1_rounds", 0),
               gap=r.rel_gap, m=r.m_star, status=r.status))


def _reference_child(q, X, y, beta, loss):
    from cvxcore import get_loss
    from cvxcore.convex.reference import solve_reference
    cells = arrangement(X)
    t = time.perf_counter()
    out = solve_reference(X, y, beta, get_loss(loss), cells)
    q.put((time.perf_counter() - t, out.value, out.status, cells.n_cells))


def _cvxpy_reference(args, loss):
    """cvxpy + Clarabel on the whole program (8) at n = ``--scale-ref-n`` (xor recipe, β = 0.01),
    ``--scale-ref-runs`` times, each in a child process: building the cvxpy problem and
    Clarabel's solve of it (:func:`cvxcore.convex.reference.solve_reference`; not the recovery
    and certificate after it).  The median is the yardstick of the ratio column, measured in the
    same run."""
    X, y = recipe("xor", args.scale_ref_n)
    ctx = mp.get_context("fork")
    times = []
    for _ in range(args.scale_ref_runs):
        q = ctx.Queue()
        p = ctx.Process(target=_reference_child, args=(q, X, y, 1e-2, loss))
        p.start()
        p.join(args.cvxpy_timeout)
        if p.is_alive():
            p.kill()
            p.join()
        if q.empty():
            print(f"\ncvxpy + Clarabel, {loss}, n = {args.scale_ref_n}: no answer within {args.cvxpy_timeout:.0f} s")
            return None
        t, value, status, P = q.get()
        times.append(t)
    ref = float(np.median(times))
    print(f"\ncvxpy + Clarabel on all of (8), xor n = {args.scale_ref_n}, {loss}, β = 0.01, P = {P:,}: "
          f"median {ref:.1f} s of {', '.join(f'{t:.1f}' for t in times)} s "
          f"(cvxpy status {status}, value {value:.10g})", flush=True)
    return ref


def scale_table(args):
    """Large n: one child process per (loss, n, β), its peak RSS, the phase split, the time
    against cvxpy's at n = ``--scale-ref-n`` measured in the same run, and the fitted growth
    exponent."""
    for loss in args.scale_losses:
        _scale_table(args, loss)


def _scale_table(args, loss):
    from cvxcore import conic
    from cvxcore.arrangement import kernels
    ref = _cvxpy_reference(args, loss)
    print(f"\n## Scale: xor recipe, {loss} loss, each row in a fresh process "
          f"(KKT: {conic.KKT_SOLVER}, faer from {conic.FAER_MIN_SIZE:,}; compiled pricing: {kernels.AVAILABLE})\n")
    print("| n | β | P | build s | solve s | restricted s | pricing s | lasso s | rest s | total s "
          f"| × cvxpy n = {args.scale_ref_n} | rounds (first phase + exact) | final |S| | peak RSS MiB | m* "
          "| rel. gap | status |")
    print("|" + "---|" * 17)
    ctx = mp.get_context("fork")
    rows = []
    cases = [(n, b) for n in args.scale_ns for b in args.scale_betas]
    if args.scale_extra:
        cases += [(1000, b) for b in (1e-1, 1e-3) if b not in args.scale_betas]
    for n, beta in cases:
        q = ctx.Queue()
        p = ctx.Process(target=_scale_child, args=(q, n, beta, loss))
        t = time.perf_counter()
        p.start()
        p.join(args.scale_timeout)
        if p.is_alive():
            p.kill()
            p.join()
            print(f"| {n} | {beta:g} | — | — | >{args.scale_timeout:.0f} |" + " — |" * 11 + " timed out |",
                  flush=True)
            continue
        if q.empty():
            print(f"| {n} | {beta:g} | — | — | {time.perf_counter() - t:.0f} |" + " — |" * 11
                  + f" child died (exit {p.exitcode}) |", flush=True)
            continue
        o = q.get()
        total = o["enum"] + o["solve"]
        rows.append((n, beta, total))
        rest = o["solve"] - o["pricing"] - o["restricted"] - o["lasso"]
        ratio = "—" if ref is None else f"{total / ref:.2f}"
        print(f"| {n:,} | {beta:g} | {o['P']:,} | {o['enum']:.1f} | {o['solve']:.1f} | {o['restricted']:.1f} "
              f"| {o['pricing']:.1f} | {o['lasso']:.1f} | {rest:.1f} | {total:.1f} | {ratio} "
              f"| {o['phase1_rounds']} + {o['rounds']} | {o['S']:,} "
              f"| {o['peak'] / 2**20:,.0f} | {o['m']} | {o['gap']:.1e} | {o['status'][:40]} |", flush=True)
    for beta in sorted({b for _, b, _ in rows}):
        pts = [(n, t) for n, b, t in rows if b == beta]
        if len(pts) >= 3:
            k = np.polyfit(np.log([n for n, _ in pts]), np.log([t for _, t in pts]), 1)[0]
            print(f"\ntime ∝ n^{k:.2f} at β = {beta:g} over n = {pts[0][0]:,} … {pts[-1][0]:,} "
                  f"(the pricing floor grows like P ≈ n², the final restricted program like |S| ≈ 3n)")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--recipes", nargs="+", default=["xor", "ring", "smooth"])
    ap.add_argument("--ns", nargs="+", type=int, default=[20, 50, 100, 200, 500])
    ap.add_argument("--betas", nargs="+", type=float, default=[1e-3, 1e-2, 1e-1])
    ap.add_argument("--loss", default="squared", choices=["squared", "hinge", "logistic"],
                    help="loss of every solve (smooth is a regression recipe: squared only)")
    ap.add_argument("--cvxpy-max-n", type=int, default=50)
    ap.add_argument("--cvxpy-timeout", type=float, default=60.0)
    ap.add_argument("--no-extras", action="store_true", help="skip warm/cold, memory and 1-D sections")
    ap.add_argument("--no-warm", action="store_true", help="skip the warm/cold section")
    ap.add_argument("--extras-only", action="store_true", help="only the warm/cold, memory and 1-D sections")
    ap.add_argument("--memory-n", type=int, default=None, help="n for the peak-memory run (default: largest --ns)")
    ap.add_argument("--scale-ns", nargs="+", type=int, default=[100, 200, 500, 1000, 2000],
                    help="n of the scale table (each in a child process)")
    ap.add_argument("--scale-betas", nargs="+", type=float, default=[1e-2],
                    help="β of every scale row; --scale-extra adds 0.1 and 0.001 at n = 1,000")
    ap.add_argument("--scale-extra", action="store_true", help="also β = 0.1 and 0.001 at n = 1,000")
    ap.add_argument("--scale-timeout", type=float, default=1800.0)
    ap.add_argument("--scale-losses", nargs="+", default=["squared", "hinge"], choices=["squared", "hinge"],
                    help="losses of the scale table")
    ap.add_argument("--scale-ref-runs", type=int, default=3,
                    help="runs of the cvxpy reference; the ratio column divides by their median")
    ap.add_argument("--scale-ref-n", type=int, default=50,
                    help="n of the cvxpy + Clarabel run the scale table's ratio column divides by")
    ap.add_argument("--scale-only", action="store_true", help="only the scale table")
    ap.add_argument("--no-scale", action="store_true", help="skip the scale table")
    args = ap.parse_args(argv)
    if args.scale_only:
        print_machine()
        scale_table(args)
        return

    print_machine()
    print(f"# loss: {args.loss}")
    hdr = ("| recipe | n | β | P | enum s | fast s | rounds | cvxpy s | ratio | fast value | cvxpy value "
           "| rel. diff | m* | fast gap | cvxpy gap |")
    print(hdr)
    print("|" + "---|" * (hdr.count("|") - 1))
    for rec in ([] if args.extras_only else args.recipes):
        if rec == "smooth" and args.loss != "squared":
            continue
        for n in args.ns:
            X, y = recipe(rec, n)
            t = time.perf_counter()
            P = arrangement(X)              # implicit cells; the cvxpy child takes the same set
            t_enum = time.perf_counter() - t
            for beta in args.betas:
                t = time.perf_counter()
                r = solve_convex(X, y, beta, patterns=P, method="fast", loss=args.loss)
                t_fast = time.perf_counter() - t
                ref = None
                if n <= args.cvxpy_max_n:
                    ref = run_cvxpy(X, y, beta, P, args.cvxpy_timeout, args.loss)
                if ref is None:
                    cv_t = cv_v = cv_g = ratio = diff = None
                    cv_s = "skipped" if n > args.cvxpy_max_n else f">{args.cvxpy_timeout:.0f}"
                else:
                    cv_t, cv_v, cv_g, _, st = ref
                    cv_s = fmt_t(cv_t) + ("" if st == "optimal" else "†")
                    ratio = cv_t / t_fast
                    diff = abs(r.value - cv_v) / max(abs(cv_v), 1e-300)
                ok = "" if r.status == "optimal" else " (" + r.status + ")"
                print(f"| {rec} | {n} | {beta:g} | {P.n_cells:,} | {t_enum:.2f} | {fmt_t(t_fast)}{ok} | "
                      f"{r.info.get('rounds', '')} | {cv_s} | {'—' if ratio is None else f'{ratio:.0f}×'} | "
                      f"{r.value:.10g} | {'—' if cv_v is None else f'{cv_v:.10g}'} | "
                      f"{'—' if diff is None else f'{diff:.1e}'} | {r.m_star} | {r.rel_gap:.1e} | "
                      f"{'—' if cv_g is None else f'{cv_g:.1e}'} |", flush=True)
    print("\n† after a cvxpy time: its answer was not certified (relative gap > 1e-6).")
    if not args.no_scale:
        scale_table(args)
    if args.no_extras:
        return

    # -- warm vs cold ---------------------------------------------------------------------------
    print("\n## Warm vs cold re-solves (xor recipe)\n")
    print("| n | change | cold s | cold rounds | warm s | warm rounds | speed-up | same value (rel. diff) |")
    print("|---|---|---|---|---|---|---|---|")
    for n in ([] if args.no_warm else [m for m in args.ns if 50 <= m <= 200] or args.ns[:1]):
        X, y = recipe("xor", n)
        P = activation_patterns(X)
        base = solve_convex(X, y, 1e-2, patterns=P, method="fast")
        for label, (X2, y2, b2) in {
            "β 0.01 → 0.011": (X, y, 1.1e-2),
            "one point added": (np.vstack([X, [0.3, -0.4, 1.0]]), np.append(y, -1.0), 1e-2),
        }.items():
            P2 = P if X2 is X else activation_patterns(X2)
            t = time.perf_counter()
            cold = solve_convex(X2, y2, b2, patterns=P2, method="fast")
            tc = time.perf_counter() - t
            t = time.perf_counter()
            warm = solve_convex(X2, y2, b2, patterns=P2, method="fast", warm=base)
            tw = time.perf_counter() - t
            print(f"| {n} | {label} | {tc:.3f} | {cold.info['rounds']} | {tw:.3f} | {warm.info['rounds']} | "
                  f"{tc / tw:.1f}× | {abs(cold.value - warm.value) / cold.value:.1e} |", flush=True)

    # -- peak memory at the largest n ---------------------------------------------------------------
    n = args.memory_n or max(args.ns)
    X, y = recipe("xor", n)
    tracemalloc.start()
    t = time.perf_counter()
    P = arrangement(X)
    t_enum = time.perf_counter() - t
    _, peak_enum = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    t = time.perf_counter()
    r = solve_convex(X, y, 1e-2, patterns=P, method="fast")
    t_solve = time.perf_counter() - t
    _, peak_solve = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"\n## Peak memory, xor n = {n}, β = 0.01 (P = {P.n_cells:,}; "
          f"the arrangement holds {P.nbytes / 2**20:.0f} MiB; "
          f"a dense (P, n) pattern list would be {P.n_cells * n / 2**20:.0f} MiB)\n")
    print(f"enumeration {t_enum:.1f} s, peak {peak_enum / 2**20:.0f} MiB; solve {t_solve:.1f} s "
          f"(fast {r.info['seconds']:.1f} s: {r.info['rounds']} rounds, restricted solves "
          f"{r.info['solve_seconds']:.1f} s, pricing {r.info['pricing_seconds']:.1f} s), "
          f"peak {peak_solve / 2**20:.0f} MiB, "
          f"status {r.status}, gap {r.rel_gap:.1e}, m* = {r.m_star}")

    # -- 1-D data with a bias, n = 2,000 -------------------------------------------------------------
    print("\n## 1-D data with a bias (rank 2, P = 2n)\n")
    print("| n | β | P | enum s | fast s | rounds | value | m* | gap | status |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    rng = np.random.default_rng(0)
    for n in (500, 2000):
        rng = np.random.default_rng(n)
        x = rng.uniform(-3, 3, n)
        y1 = np.sin(2 * x) + 0.1 * rng.standard_normal(n)
        X1 = with_bias(x)
        t = time.perf_counter()
        P1 = activation_patterns(X1)
        te = time.perf_counter() - t
        for beta in args.betas:
            t = time.perf_counter()
            r = solve_convex(X1, y1, beta, patterns=P1, method="fast")
            tf = time.perf_counter() - t
            print(f"| {n} | {beta:g} | {P1.shape[0]:,} | {te:.2f} | {tf:.2f} | {r.info['rounds']} | {r.value:.10g} | "
                  f"{r.m_star} | {r.rel_gap:.1e} | {r.status} |", flush=True)


if __name__ == "__main__":
    main()
