"""Analyses on top of measured rows: the throughput estimator (SPEC §6), the
resolution sweep (§4) and the FP16/FP32 comparison (§5).

Pure computation lives here (no CLI, no plotting) so it can be tested on
synthetic data and reused by the ``bench`` commands and ``benchmarks/`` scripts.
"""
