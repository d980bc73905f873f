"""Hypothesis strategies shared by the property tests: finite floats only."""

from __future__ import annotations

from hypothesis import strategies as st

# Annual growth between -50 % and +50 %: wide, and far from the -100 % wall.
rates = st.floats(min_value=-0.5, max_value=0.5, allow_nan=False, allow_infinity=False)
positive_levels = st.floats(min_value=0.01, max_value=1e7, allow_nan=False, allow_infinity=False)
shares = st.floats(min_value=0.01, max_value=99.99, allow_nan=False, allow_infinity=False)
spans = st.integers(min_value=1, max_value=30)
