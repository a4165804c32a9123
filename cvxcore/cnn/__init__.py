"""Convolutional networks as convex programs (section 4 of the paper).

Signals are the rows of ``S (n, L)``.  With filter size h and stride s the K =
(L − h)/s + 1 patch matrices are ``X_k = S[:, k·s : k·s + h]  (n, h)``.

1. Separable ReLU CNN (section 4.1).  Output per patch f_k = Σ_j (X_k u_j)₊ α_j
   with a label y_k per patch; the objective is separable over k, so stacking
   X' = [X_1; …; X_K], y' = [y_1; …; y_K] turns it into the fully connected
   problem (2), solved exactly by program (8) (:func:`solve_separable`).

2. Linear CNN (9):

       min_{u_j ∈ R^h, α_j ∈ R^K}  ½‖Σ_j Σ_k X_k u_j α_jk − y‖² + (β/2) Σ_j (‖u_j‖² + ‖α_j‖²).

   The network is linear in Z = Σ_j u_j α_jᵀ ∈ R^{h×K} (column k is z_k): the
   fit is Σ_k X_k z_k, and the least (β/2)Σ(‖u_j‖² + ‖α_j‖²) over factorisations
   of Z is β‖Z‖_* (m ≥ rank Z).  Hence (9) equals the nuclear-norm program (12)

       min_{z_k ∈ R^h}  ½‖Σ_k X_k z_k − y‖² + β‖[z_1 … z_K]‖_*,

   and with Z* = P Σ Qᵀ (SVD) the optimal filters are u_i = √σ_i p_i,
   α_i = √σ_i q_i.  Filters are defined up to a rotation (U → RU, A → RA, R
   orthogonal), so GD is compared with (12) through rotation-invariant
   quantities: the end-to-end map Z = UᵀA and the filter Gram matrix
   Σ_j u_j u_jᵀ, which at a balanced optimum equals (Z* Z*ᵀ)^{1/2}.

3. Circular linear CNN (13): signals X (n, d), filters u_j ∈ R^h zero-padded to
   length d, U_j the d×d circulant matrix with first column u_j (so
   U_j α = u_j ⊛ α, circular convolution), output weights α_j ∈ R^d:

       min  ½‖Σ_j X U_j α_j − y‖² + (β/2) Σ_j (‖u_j‖² + ‖α_j‖²).

   In Fourier space, with û = fft(u), â = fft(α): Σ_j U_j α_j = ifft(Σ_j û_j ⊙ â_j)
   and ‖u‖² = ‖û‖²/d.  Per frequency l, (|û_l|² + |â_l|²)/(2d) ≥ |û_l â_l|/d, so
   with z = Σ_j û_j ⊙ â_j / d the penalty is β‖z‖₁ and (13) with h = d equals (14)

       min_{z ∈ C^d}  ½‖X F z − y‖² + β‖z‖₁,       F_{kl} = exp(2πi kl/d)

   (F = d · the inverse DFT matrix; the forward DFT gives the same value with z
   reversed).  One filter suffices (m* = 1): |û_l| = |â_l| = √(d|z_l|), phases
   split so that û and â stay conjugate-symmetric (real filters).  For h < d
   the filters are confined to h taps, so (14) is a lower bound on (13).

Gradient descent here is full batch.  Its step is chosen by backtracking from a
bound on the curvature (:mod:`cvxcore.cnn.descent`), so it cannot diverge at any
β; a fixed learning rate ``lr`` may be given instead, and trials it blows up are
stopped and reported (``GDResult.status == "diverged"``, ``GDResult.message``).
Every trainer records its objective and the distance of its rotation-invariant
quantities to the convex solution, and accepts a ``callback(done, total)`` that
may return True to stop early (the pages use it for progress and a stop button).

Counts.  ``NuclearResult.rank`` (filters needed) and ``FourierResult.used``
(frequencies used) count singular values / |z_l| above a floor that is relative
to the largest *and* to the problem's scale ‖y‖/‖𝒜‖ (``patches.count_floor``),
so solver round-off is never counted; at β ≥ β_max (``nuclear_beta_max``,
``fourier_beta_max``) the optimum is the zero network exactly (``zero_network``).
"""
from .circular import (
                       FourierResult,
                       circulant,
                       circular_objective,
                       conjugate_symmetric,
                       dft_matrix,
                       fourier_beta_max,
                       fourier_objective,
                       network_from_fourier,
                       solve_fourier_l1,
                       train_circular_cnn,
)
from .descent import EXPLODE_FACTOR, GDResult, GDStatus, StepRule, align_signs, principal_filters
from .linear import (
                       NuclearResult,
                       gram_sqrt,
                       linear_cnn_objective,
                       nuclear_beta_max,
                       nuclear_objective,
                       solve_nuclear,
                       train_linear_cnn,
                       two_shape_signals,
)
from .patches import COUNT_ATOL, COUNT_RTOL, check_patch, count_floor, patches
from .separable import edge_signals, separable_predict, separable_stack, solve_separable

__all__ = ["COUNT_ATOL", "COUNT_RTOL", "EXPLODE_FACTOR", "FourierResult", "GDResult", "GDStatus", "NuclearResult",
           "StepRule", "align_signs", "check_patch", "circulant", "circular_objective", "conjugate_symmetric",
           "count_floor", "dft_matrix", "edge_signals", "fourier_beta_max", "fourier_objective", "gram_sqrt",
           "linear_cnn_objective", "network_from_fourier", "nuclear_beta_max", "nuclear_objective", "patches",
           "principal_filters", "separable_predict", "separable_stack", "solve_fourier_l1", "solve_nuclear",
           "solve_separable", "train_circular_cnn", "train_linear_cnn", "two_shape_signals"]
