"""Item-kNN collaborative filtering on numpy/scipy/scikit-learn. No Django here (see STYLE.md)."""
