"""Geometry: the rectified ellipsoid, its polar and the neural gauge (MATH.md §5).

First version: the data X (n = 2 rows) and the target y; the pictures follow.
"""
import numpy as np
import streamlit as st

st.title("Geometry: the neural gauge")
st.markdown(
    "With two data points the outputs of one neuron, $(Xu)_+$ for $\\|u\\| \\le 1$, fill the "
    "*rectified ellipsoid* $Q_X$ in the plane. The smallest $\\sum_j |\\alpha_j|$ that interpolates "
    "$y$ is the gauge of $y$ with respect to $\\mathrm{conv}(Q_X \\cup -Q_X)$ (section 2.1 of the paper)."
)
c1, c2 = st.columns(2)
x1 = c1.text_input("row x₁ of X", "1, 0.3")
x2 = c2.text_input("row x₂ of X", "-0.5, 1")
try:
    X = np.array([[float(t) for t in x1.split(",")], [float(t) for t in x2.split(",")]])
except ValueError:
    st.error("Type each row of X as numbers separated by commas, e.g. `1, 0.3`.")
    st.stop()
st.write("X =", X)
st.info("The pictures of the ellipsoid, Q_X, its hull and its polar are being built.")
