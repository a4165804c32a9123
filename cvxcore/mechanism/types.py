"""Names shared by the mechanism's modules."""
from __future__ import annotations

from typing import Literal

LossName = Literal["squared", "hinge", "logistic"]
