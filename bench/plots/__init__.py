"""Plots from result CSVs (matplotlib, Agg backend: no display needed)."""
