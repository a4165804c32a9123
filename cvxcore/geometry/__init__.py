"""The neural gauge: the geometry of section 2.1 and Figure 1 (the β → 0 limit of (2))."""
from .gauge import (
                    AGREE_RTOL,
                    BetaCurve,
                    GaugeResult,
                    Geometry,
                    beta_curve,
                    check_geometry_X,
                    ellipsoid_matrix,
                    gauge_polar,
                    gauge_primal,
                    geometry,
                    hull_support,
                    neural_gauge,
                    polar_cutting_plane,
                    relu_support,
                    span_basis,
                    sphere_points,
)

__all__ = ["AGREE_RTOL", "BetaCurve", "GaugeResult", "Geometry", "beta_curve", "check_geometry_X",
           "ellipsoid_matrix", "gauge_polar", "gauge_primal", "geometry", "hull_support", "neural_gauge",
           "polar_cutting_plane", "relu_support", "span_basis", "sphere_points"]
