"""About: the theorem in a few paragraphs, how to read each page, the paper."""
from __future__ import annotations

import streamlit as st

from lab import page as P
from lab import ui

NETWORK = r"""
**The network.** Data $X \in \mathbb{R}^{n\times d}$ (rows $x_i$; a bias is a column of ones), targets
$y \in \mathbb{R}^n$, $m$ hidden ReLU neurons $u_j \in \mathbb{R}^d$ with output weights $\alpha_j$, and
weight decay $\beta > 0$. Training minimises the non-convex objective (2):
"""
OBJECTIVE = (r"p^* = \min_{u_j,\ \alpha_j}\ \tfrac12\Big\|\sum_{j=1}^m (Xu_j)_+\,\alpha_j - y\Big\|_2^2"
             r" + \frac{\beta}{2}\sum_{j=1}^m \big(\|u_j\|_2^2 + \alpha_j^2\big)")
PATTERNS = r"""
**Activation patterns.** A neuron $u$ switches on the points with $x_i^\top u \ge 0$: the diagonal 0/1
matrix $D(u) = \mathrm{diag}(\mathbb{1}[Xu \ge 0])$. The hyperplanes $\{u : x_i^\top u = 0\}$ cut weight
space into cells, one per distinct pattern $D_1, \dots, D_P$. With $r = \mathrm{rank}(X)$,
"""
COVER = r"P \;\le\; 2\sum_{k=0}^{r-1}\binom{n-1}{k} \;\le\; 2r\Big(\frac{e(n-1)}{r}\Big)^r,"
THEOREM = r"""
with equality on the left for points in general position (Cover, 1965): polynomial in $n$ for fixed $r$.

**Theorem 1 (the convex program (8)).** For $m \ge m^*$, $p^*$ equals the optimal value of
"""
# on two lines: the objective, then the cone constraints (one line is wider than the page at 1280 px)
PROGRAM_8 = (r"\begin{aligned}&\min_{v_i, w_i}\ \tfrac12\Big\|\sum_{i=1}^P D_iX(v_i - w_i) - y\Big\|_2^2"
             r" + \beta\sum_{i=1}^P\big(\|v_i\|_2 + \|w_i\|_2\big)\\"
             r"&\ \text{s.t.}\ (2D_i - I)Xv_i \ge 0,\ (2D_i - I)Xw_i \ge 0,\quad i = 1, \dots, P.\end{aligned}")
BODY = r"""
Each nonzero block of an optimal solution is one neuron of an optimal network:
$v_i \neq 0$ gives $u = v_i/\sqrt{\|v_i\|},\ \alpha = +\sqrt{\|v_i\|}$, and $w_i \neq 0$ gives
$u = w_i/\sqrt{\|w_i\|},\ \alpha = -\sqrt{\|w_i\|}$. The group penalty $\beta\sum(\|v_i\| + \|w_i\|)$
sets most blocks to zero. $m^*$ is the smallest number of neurons of an optimal network (the paper's
footnote 1); some optimum always has at most $n + 1$ nonzero blocks (Carathéodory). The app merges and
prunes the optimum it finds (Carathéodory, so at most $n + 1$ neurons) and shows their count as
$m^*$: at least the paper's $m^*$. A ReLU network is a sparse mixture of linear models, one per cell of
the arrangement (section 3). The same holds for any convex loss, e.g. hinge or logistic (Appendix A.13).

**Why (8) is convex.** Not because the ReLU is linear inside a cell: there the product $u\,\alpha$ of
(2) remains, and the objective is still not convex in $(u, \alpha)$. Two steps make it convex. First the
rescaling $u \to u/c$, $\alpha \to c\alpha$ ($c > 0$) changes no network, and the penalty
$\tfrac\beta2(\|u\|^2 + \alpha^2)$ is smallest at $\|u\| = |\alpha|$, where it equals $\beta\|v\|$ with
$v = u|\alpha|$ (the paper's $\ell_1$ form (3), Appendix A.3): on the cell of a pattern $D_i$ the neuron is
$\pm D_iXv$, linear in $v$, with a norm as its price.
Then two neurons of the same cell and the same sign merge into one, $v_1 + v_2$, which fits the same and
costs $\beta\|v_1 + v_2\| \le \beta(\|v_1\| + \|v_2\|)$: one block per pattern and sign suffices. The
cone constraint keeps each block a ReLU neuron ($D_iXv_i = (Xv_i)_+$).

**The dual and the certificate.** The dual (4) is
$\max_v -\tfrac12\|y - v\|^2 + \tfrac12\|y\|^2$ s.t. $|v^\top (Xu)_+| \le \beta$ for all $\|u\| \le 1$.
Weak duality: the dual objective of any feasible $v$ is a lower bound on $p^*$. Built from a network's
residual, such a $v$ bounds how far that network (say, an SGD run) is above the global optimum.

### How to read each page
- **Lesson**: the result in guided steps, from one neuron to the convex program, its dual and
  beyond. Each step loads its data and
  settings, draws one live figure and asks you to predict something before revealing the computed
  answer; Next and Back walk the steps, and the step is in the address so a class can follow.
- **Data**: click the empty canvas to add a point (for 2-D data, choose its class first). Undo, clear,
  or load a preset. The bias toggle appends a column of ones to $X$. The next three pages use this data set.
- **Hyperplane arrangement**: the hyperplanes $x_i^\top u = 0$ in weight space, and the cells between them.
  Pick a cell to see its pattern $D_i$. For 2-D data with a bias, weight space is $\mathbb{R}^3$: the
  hyperplanes meet the unit sphere in great circles, and a neuron is also a line in the input plane.
- **Convex program**: the optimum $p^*$ of (8) at your $\beta$, the neurons it recovers (count $m^*$), the
  fitted function or decision regions, and the block norms $\|v_i\|, \|w_i\|$ over all patterns.
  Click the plot to add a point and the optimum is solved again for the new data. Every data set is
  solved exactly, up to 1,000 points in the plane (about a million patterns); a solve that takes
  longer than a moment shows its round and its certified bounds lower $\le p^* \le$ upper as it goes,
  and **Stop** ends it, keeping those bounds (not the optimum) and your data and settings.
- **SGD vs optimum**: ordinary training of (2) with $m$ neurons from several random starts, against the
  line $p^*$. Each run gets a certificate. No run goes below $p^*$: every network of any width has
  objective (2) $\ge p^*$ (weak duality (4); $p^*$ is the value of (8)). Theorem 1: with $m \ge m^*$ some
  width-$m$ network attains $p^*$ (gradient descent may still stop above it). With $m$ below the paper's
  $m^*$ (the fewest neurons of any optimal network) none does, so every run stays above $p^*$; the $m^*$
  the app shows can be larger, and between the two a run is not guaranteed to reach $p^*$ — the SGD
  page's warning says "may stay above".
- **Regularization path & dual**: $p^*(\beta)$, $m^*(\beta)$ and the active patterns from $\beta_{\max}$
  (where the zero network becomes optimal) down; click a point to set $\beta$. Below, the dual constraint
  $u \mapsto v^\top(Xu)_+$ over unit directions against $\pm\beta$: the optimal neurons sit where it is tight.
- **Geometry (gauge)**: the $\beta \to 0$ limit for $n = 2$ or 3 points: the neural gauge (paper's Figure 1).
- **Convolutions**: linear, circular and separable ReLU CNNs as the convex programs (12), (14) and (8)
  (section 4), against gradient descent.
- **Higher dimensions**: SGD against (8) over a few sampled patterns (Remark 3.3) on 8×8 images.

### Reference
M. Pilanci and T. Ergen, *Neural Networks are Convex Regularizers: Exact Polynomial-time Convex Optimization
Formulations for Two-layer Networks*, ICML 2020. [arXiv:2002.10553](https://arxiv.org/abs/2002.10553)
"""


@P.guarded
def render() -> None:
    st.title("About: training a ReLU network is a convex program")
    ui.prose(NETWORK)
    st.latex(OBJECTIVE)
    ui.prose(PATTERNS)
    st.latex(COVER)
    ui.prose(THEOREM)
    st.latex(PROGRAM_8)
    ui.prose(BODY)


if __name__ == "__main__":          # Streamlit runs this file as the page (app.py: st.Page)
    render()
