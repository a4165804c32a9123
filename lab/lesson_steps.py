"""The lesson's steps: one declarative record each (no Streamlit; :mod:`lab.codec` reads the count).

A :class:`Step` says what the step shows and needs: its title, the full page that explores the same
idea, the app state it sets when entered (data set, bias, β, m, loss), what data its figure needs,
the widths of its two columns, its prose and the teacher's notes.  Its figure and question are drawn
by the render function of the same ``key`` in ``app_pages/lesson.py``; the mechanics of entering a
step and of predict-then-reveal are in :mod:`lab.lesson`.  A new step is a record here and a render
function there (``tests/test_lesson.py`` checks that each record has one).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from cvxcore.losses import LossName

Needs = Literal["any", "1d-nobias", "1d-bias", "2d", "2d-u", "n23"]


@dataclass(frozen=True)
class Step:
    """One step of the lesson (module docstring)."""
    key: str
    title: str
    page: str | None                    # the full page (lab.codec.PAGES) that shows these numbers, or None
    page_label: str
    data: tuple | None = None           # ("preset", name) | ("points", X, y) | None: keep the current data
    bias: bool | None = None
    beta: float | None = None
    m: int | None = None
    loss: LossName | None = None
    prose: str = ""
    notes: str = ""
    needs: Needs = "any"                # what data the figure needs
    cols: tuple[float, float] = (3, 2)  # widths of the figure column and the text column
    link: tuple[tuple[str, object], ...] = ()   # settings the full page needs to show the step's numbers


TWO_POINTS = ("points", [[-1.0], [2.0]], [-1.0, 1.5])          # step 1: one neuron, two points
GAUGE_POINTS = ("points", [[-1.0], [2.0]], [0.6, 0.9])         # the geometry page's first 1-D example
PAPER = ("preset", "paper")                                    # the paper's Figure 2 data

STEPS: tuple[Step, ...] = (
    Step("neuron", "One neuron, two points: two local minima", "convex", "Convex program",
         data=TWO_POINTS, bias=False, beta=0.1, m=1, loss="squared", needs="1d-nobias",
         prose=r"""One neuron $f(x) = \alpha\,(x u)_+$ fitted to two points, with weight decay: objective (2)
over the plane of its two weights $(u, \alpha)$. The dashed line $u = 0$ splits the plane into two
**cells**: for $u < 0$ only the point with $x < 0$ is active, for $u > 0$ only the one with $x > 0$.
Inside one cell the ReLU is a fixed linear map, yet the objective is **still not convex** in
$(u, \alpha)$: the product $\alpha u$ remains (look at the saddle near the origin). Each cell has its
own minimum (the stars): **two local minima of different value**. Gradient descent starts at the white
circle: predict where it ends (Reveal draws the runs from six starts).""",
         notes="""Ask first which start ends where. Each star is computed by the convex program (8)
restricted to one activation pattern (one cell); nothing searched the landscape. Point out that the
worse minimum is a true local minimum: no small change of (u, α) improves it, so gradient descent
started there stays. A cell is not a basin of attraction: where a run ends depends on its whole
path, and the runs that cross u = 0 show it. Convexity comes only after the rescaling to |u| = |α|
(the paper's ℓ1 form (3)), the change of variables v = u·|α| and the merging of neurons of one cell —
steps 4 to 6. Two neurons (one per cell) serve both points: that is why width matters (next step)."""),
    Step("figure2", "Gradient descent gets stuck (the paper's Fig. 2)", "sgd", "SGD vs optimum",
         data=PAPER, bias=True, beta=0.1, m=8, loss="squared", cols=(9, 5),
         prose=r"""The paper's Figure 2: objective (2) of a width-$m$ network on its five points, trained
from 10 random starts. Dashed: $p^*$ from the convex program (8). With few neurons many starts stop
above $p^*$; no run ever goes below it. (The paper trained with SGD and gives no $\beta$, step size or
iteration count; the values here are ours, in the teacher's notes.)""",
         notes="""Our values, not the paper's (it gives none): full-batch gradient descent, learning rate
0.01, 20,000 iterations, β = 0.1, the same 10 random starts for each m (docs/reproduction.md).
The panels fill in one after the other. The stuck runs are not slow: they have stopped at stationary
points of (2) above p* (the paper calls them local minima) and stay there. Ask why no run goes below the dashed
line — that is Theorem 1 (the step "Theorem 1: program (8) gives p*")."""),
    Step("patterns", "Activation patterns: the hyperplane arrangement", "arrangement", "Hyperplane arrangement",
         data=PAPER, bias=True, beta=0.1, m=8, loss="squared",
         prose=r"""A neuron $u$ switches point $i$ on when $x_i^\top u \ge 0$. Its activation pattern
$D = \mathrm{diag}(1[Xu \ge 0])$ changes only when $u$ crosses a line $x_i^\top u = 0$, one line per
point. So the plane of $u$ is cut into **cells**, one pattern each: there are finitely many patterns
$D_1, \dots, D_P$, at most Cover's count $2\sum_{k<r}\binom{n-1}{k}$ (the paper's bound on $P$).""",
         notes="""With a bias, each 1-D point gives a line through the origin of the (weight, bias) plane:
2n cells. Add a point on the small canvas and ask for the new count before it is shown. For 2-D data
(the last step's data) the cells live on a sphere and P grows like n²."""),
    Step("rescale", "Why it is convex (1): rescaling turns (2) into (3)", None, "",
         data=TWO_POINTS, bias=False, beta=0.1, m=1, loss="squared", needs="1d-nobias", cols=(3, 2),
         prose=r"""Step 1's landscape is not convex even inside one cell: the product $\alpha u$ remains.
But the network only depends on $z = u\,|\alpha|$ (and the sign of $\alpha$): on the hyperbola $u\alpha = $ const
the fit is the same and only the penalty changes. **Slide along it**: where is the penalty smallest?""",
         notes="""(u/c, cα) for c > 0 is the same network: (x u/c)₊·cα = (xu)₊α, the rescaling needs c > 0.
AM–GM: β/2(u² + α²) ≥ β|uα|, with equality at |u| = |α|. So minimising (2) over the hyperbola leaves
(3): the fit plus β|z|, convex on each cell (z ≥ 0 or z ≤ 0) because (x z)₊ is linear there. The
Hessian shown is (2)'s at the cell's corner (0⁺, 0): an eigenvalue is negative, so (2) itself is
not convex there; (3) is. Two signs of α give two profiles: that is the pair vᵢ, wᵢ of (8)."""),
    Step("merge", "Why it is convex (2): same cell, same sign: one neuron", None, "",
         data=PAPER, bias=True, beta=0.1, m=8, loss="squared", needs="2d-u",
         prose=r"""Two neurons whose weights $u_1, u_2$ lie in the **same cell** (one activation pattern)
and whose output weights have the **same sign** add up on the data like one:
$(Xq_1)_+ + (Xq_2)_+ = (X(q_1 + q_2))_+$ with $q_k = |\alpha_k| u_k$. So why keep two?""",
         notes="""This is the step from (3) to (8): after the rescaling each neuron costs β‖qₖ‖, and two
neurons of one pattern and one sign can be replaced by the block q = q₁ + q₂ at cost β‖q‖ ≤ β(‖q₁‖ + ‖q₂‖)
(triangle inequality), with the same fit. So an optimum needs at most one block per (pattern, sign):
the vᵢ (α > 0) and wᵢ (α < 0) of (8), 2P blocks. The cone constraints (next step) keep each block in its
cell, where the pattern is the ReLU's. Slide to 0 %: the two are parallel and the penalty is the same."""),
    Step("cones", "Why it is convex (3): the cone constraints of (8)", "convex", "Convex program",
         data=PAPER, bias=True, beta=0.1, m=8, loss="squared", needs="1d-bias",
         prose=r"""One block per pattern and sign gives program (8). Each block is held in its own cell by
the **cone constraints**: with them $D_iXv_i = (Xv_i)_+$, so every block is a ReLU neuron. **Drop
them** and see what the program does with that freedom.""",
         notes="""Without cones (8) is a group lasso on the gated features DᵢX: still convex, but its blocks
are no longer neurons. A block qᵢ contributes Dᵢ·Xqᵢ, which is negative where Dᵢ is on and xᵀqᵢ < 0, and
zero where Dᵢ is off but xᵀqᵢ > 0 — a ReLU with weights qᵢ would do neither. So its value can fall below
p* (here it does), and read as ReLUs (Xqᵢ)₊ the same blocks fit badly. The cones make (8) exactly the
problem over ReLU networks: Theorem 1."""),
    Step("program8", "Theorem 1: program (8) gives p*", "convex", "Convex program",
         data=PAPER, bias=True, beta=0.1, m=8, loss="squared",
         prose=r"""Give every pattern $D_i$ two blocks $v_i, w_i$ constrained to its cell and solve the
convex program (8): $\min \tfrac12\|\sum_i D_iX(v_i - w_i) - y\|^2 + \beta\sum_i(\|v_i\| + \|w_i\|)$.
**Theorem 1:** its optimal value equals $p^*$, the best value of the non-convex problem (2) over every
network of width $m \ge m^*$. The black curve is the optimal network; click the plot to add a point.""",
         notes="""(8) is a group lasso with cone constraints: convex, so its solver finds the global
minimum and certifies it (the gap is shown). Here the value is computed exactly over all P patterns
from the arrangement step. The count of variables grows with P, polynomially in n for fixed dimension."""),
    Step("blocks", "Reading the network off the nonzero blocks", "convex", "Convex program",
         data=PAPER, bias=True, beta=0.1, m=8, loss="squared",
         prose=r"""The penalty $\beta\sum_i(\|v_i\| + \|w_i\|)$ sets most blocks exactly to zero. Each
nonzero block is one neuron: $v_i \ne 0$ gives $u = v_i/\sqrt{\|v_i\|}$, $\alpha = +\sqrt{\|v_i\|}$, and
$w_i$ the same with $\alpha < 0$ (balanced: $\|u\| = |\alpha|$). The count shown, $m^*$, is of the
optimum merged and pruned (Carathéodory); the paper's $m^*$, the fewest neurons of any optimal network
(footnote 1), is at most that, and at most $n + 1$. Move β or add a point and predict again.""",
         notes="""Larger β usually means fewer nonzero blocks (group sparsity), but not always: m*(β) is
not monotone (the path step shows patterns leaving). A solver's optimum can carry more blocks than
needed; m* is the smallest number of neurons of an optimal network (the paper's footnote 1), and
Carathéodory's theorem gives an optimum with at most n + 1. The SGD page warns when m < m*: that is
the width Theorem 1 needs. The Geometry page draws unit directions u/‖u‖ instead of balanced
neurons, as in the paper's ℓ1 form (3)."""),
    Step("dual", "Why those neurons: the dual (4)", "path", "Regularization path & dual",
         data=PAPER, bias=True, beta=0.1, m=8, loss="squared",
         prose=r"""The dual (4) asks for $v$ with $|v^\top(Xu)_+| \le \beta$ for **every** unit direction
$u$ (the band). At the optimum $v$ is the residual $y - \hat y$ (squared loss), and each optimal neuron sits exactly
where the curve touches an edge of the band. Nowhere else can a neuron help: that is why the neurons are
where they are. Which edge? Predict it.""",
         notes="""This is complementary slackness. A neuron in a direction where |vᵀ(Xu)₊| < β would
cost more in weight decay than it gains in fit. The map is drawn from the certificate's dual point,
independently of the solver. The full page overlays SGD's neurons: the neurons of a stuck run
that the optimum does not use sit where the curve stays strictly inside the band."""),
    Step("stuck", "Why gradient descent gets stuck", None, "",
         data=PAPER, bias=True, beta=0.1, m=3, loss="squared", needs="2d-u",
         prose=r"""A width-3 run of gradient descent stops far above $p^*$. **Its own** dual curve
$u \mapsto v^\top(Xu)_+$ ($v = y - \hat y$, its residual) touches $\pm\beta$ at its neurons
(stationarity) but **leaves the band** elsewhere: that direction is the neuron it is missing.""",
         notes="""Our settings (docs/api.md): width 3, seed 0, learning rate 0.01, 20,000 full-batch steps,
then six stages of 3,000 steps with the step shrinking (a fixed step zig-zags across a kink of (2)). The
stuck point is a stationary point of (2), and its value equals (to the certified gap shown) the
optimum of (8) restricted to the run's own patterns and signs: gradient descent solved a smaller convex
program, as (8) on a subset of the patterns in Remark 3.3. The star is the exact
maximiser of |vᵀ(Xu)₊| over every cell; a neuron inserted there with the right sign lowers (2) at once.
Three insertions bring this run to within 1 % of p*."""),
    Step("sampled", "Sampled patterns (Remark 3.3)", None, "",
         data=("preset", "moons"), bias=True, beta=1.0, m=8, loss="squared", needs="any",
         prose=r"""(8) has a block pair for each of the $P$ patterns, and $P \le 2\sum_{k<r}\binom{n-1}{k}$
grows like $n^{r-1}$ ($r$ = rank of $X$). Remark 3.3: sample directions $u \sim N(0, I)$, keep only their
patterns $D_i = \mathrm{diag}(1[Xu \ge 0])$ and solve the smaller (8). Its value is never below $p^*$;
a certificate priced over every cell says how far above it can be.""",
         notes="""Two moons, n = 40 points in the plane with a bias (r = 3), squared loss on the ±1 labels,
β = 1 (our values; the paper's Figures 3–4 use other data). The stuck run of the previous step was (8)
on its own few patterns; sampling is the same idea with many. The paper's bound 2r(e(n−1)/r)^r on P
grows like n^r; Cover's exact count like n^(r−1). A prediction within a factor of 2 counts as right:
the exact count depends on the random stream."""),
    Step("path", "The regularization path: β from β_max down", "path", "Regularization path & dual",
         data=PAPER, bias=True, beta=0.1, m=8, loss="squared",
         prose=r"""For $\beta \ge \beta_{\max} = \max_{\|u\|\le1}|y^\top(Xu)_+|$ the zero network is optimal:
$v = y$ (squared loss) already satisfies the dual constraint. Below $\beta_{\max}$ neurons switch on
(sometimes several patterns at once, and some leave again further down), and $p^*(\beta)$ falls.
Each point of the path is a certified solve of (8), warm-started from its neighbour. **Click a point** to set
β there.""",
         notes="""The first neuron to appear is the direction where |yᵀ(Xu)₊| is largest — the dual
picture of the dual step at β = β_max. Patterns enter and sometimes leave along the path (the bottom row)."""),
    Step("gauge", "β → 0: the neural gauge (Figure 1)", "geometry", "Geometry (gauge)",
         data=GAUGE_POINTS, bias=True, beta=0.01, m=8, loss="squared", needs="n23",
         prose=r"""With two points every output $\hat y = f(X)$ is a point of the plane. One neuron with $\|u\| \le 1$
outputs $\alpha\,(Xu)_+$, a multiple of a point of the rectified ellipsoid $Q_X$ (blue); a network is a
combination of such points. As
$\beta \to 0$, $p^*(\beta)/\beta$ tends to the **gauge** $\gamma$: the factor by which the hull
$C = \mathrm{conv}(Q_X \cup -Q_X)$ must be scaled so that its boundary passes through $y$ (dashed, on Reveal;
$\gamma < 1$ shrinks it, $\gamma > 1$ grows it).""",
         notes="""γ = min Σ|αⱼ| over networks with ‖uⱼ‖ ≤ 1 that interpolate y: the minimum-norm
interpolant. Where the scaled hull γ·C meets y tells the neurons: at an extreme point of γ·C (a
point γ(Xu)₊ or −γ(Xu)₊ with ‖u‖ = 1, possibly on a curved arc of the boundary), one neuron; inside
a flat edge between two such points, two. The polar set (full page) gives γ again by duality."""),
    Step("certificate", "SGD against the certificate", "sgd", "SGD vs optimum",
         data=PAPER, bias=True, beta=0.1, m=2, loss="squared",
         link=(("trials", 6), ("steps", 10_000), ("seed", 0), ("lr", 0.01), ("batch", 0), ("opt", "sgd")),
         prose=r"""Train the non-convex network by gradient descent and certify each run **from its own
weights**: a dual point built from the run's residual gives a lower bound on $p^*$ (dotted, the run's
colour; the runs appear on Reveal). The run is then provably at most (objective − bound) above the
global optimum. Change the width $m$ and predict again.""",
         notes="""No convex solve is needed for the certificate: it is weak duality, priced exactly
over the cells. A stuck run's certified gap cannot close: objective − bound ≥ objective − p* > 0.
With m below the number of neurons every optimal network needs (the minimal m*), no network of
width m reaches p*, so every run stays above it; the m* the app shows is that of the optimum it
found (reduced to independent neurons)."""),
    Step("beyond", "Beyond: classification and convolutions", "convex", "Convex program",
         data=("preset", "xor"), bias=True, beta=0.1, m=8, loss="hinge", needs="2d",
         prose=r"""The theorem holds for any convex loss (the paper's
Appendix A.13): here the hinge loss on 2-D points of two classes,
program (8) over the patterns of the points in the plane (one great circle per point on the sphere of
$u$). Colour is the sign of the optimal network, black its decision boundary. Click to add a point
of the chosen class. Separable ReLU convolutional networks reduce to the same program (8) on stacked
patches (section 4.1); linear CNNs give the nuclear-norm program (12), circular ones an $\ell_1$ program in
Fourier space (14): the Convolutions page.""",
         notes="""Hinge and logistic loss change only the first term of (8). Linear CNNs become a
nuclear-norm problem (12) and circular ones an ℓ1 problem (14) — the Convolutions page has both.
The paper's Figure 3 is this kind of picture for n = 50 points in the plane (hinge loss, m = 50)."""),
)
N_STEPS = len(STEPS)
