"""The ``ssh`` device kind (a Jetson): ``device.py`` (the device, doctor), ``transport.py`` /
``process.py`` / ``errors.py`` (paramiko: host-key checks, quoted commands, remote
processes, content-addressed push), ``config.py`` (``[devices.NAME]`` keys),
``jetson_control.py`` (nvpmodel / jetson_clocks, tegrastats sampling) and
``jetson_parsers.py`` (pure parsers of the Jetson tools' output)."""
