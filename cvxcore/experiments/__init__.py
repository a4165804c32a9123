"""The paper's experiments as functions that return data: Figures 2 and 3, the approximation
curve of Remark 3.3, and the higher-dimensional comparison of Figure 4 (on bundled images)."""
from ..arrangement import distinct_first
from .highdim import (
                      SCHEME_LABELS,
                      SCHEMES,
                      HighDimResult,
                      check_scheme,
                      merge,
                      run_highdim,
                      scheme_patterns,
                      shapes_dataset,
                      shapes_images,
)
from .paper import (
                      FIG3_RADIUS,
                      ApproximationCurve,
                      Figure2,
                      Figure3,
                      approximation_curve,
                      circle_2d,
                      figure2,
                      figure3,
                      paper_1d,
                      sample_patterns,
                      sampled_pattern_stream,
)

__all__ = ["FIG3_RADIUS", "SCHEMES", "SCHEME_LABELS", "ApproximationCurve", "Figure2", "Figure3", "HighDimResult",
           "approximation_curve", "check_scheme", "circle_2d", "distinct_first", "figure2", "figure3", "merge",
           "paper_1d", "run_highdim", "sample_patterns", "sampled_pattern_stream", "scheme_patterns",
           "shapes_dataset", "shapes_images"]
from .sampled import SampledSweep, sampled_sweep

__all__ += ["SampledSweep", "sampled_sweep"]
