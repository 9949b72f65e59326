"""The ``adb`` device kind (an Android phone): ``device.py`` (the device, doctor),
``client.py`` (running adb: quoting, end markers, state checks, cached push),
``worker.py`` + ``benchmark.py`` (benchmark_model rounds, flags, results, failures),
``facts.py`` (props, cpufreq, thermal, load), ``config.py``, ``errors.py`` and
``parsers.py`` (pure parsers of benchmark_model, getprop, battery, thermal, adb devices)."""
