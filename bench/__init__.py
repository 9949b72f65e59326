"""bench: on-device benchmarking of neural networks (Jetson over SSH, Android over adb, local)."""

__version__ = "0.1.0"
