"""Timing: the protocol (SPEC §3), derived statistics, and the worker process.

Shipped unchanged to devices (Jetson: Python 3.6): stdlib + numpy only at import.
"""
