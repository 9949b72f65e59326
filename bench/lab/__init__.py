"""A lab of hosts on Celery with a Redis broker: ``bench worker`` on each host with devices
attached, ``bench run --lab redis://HOST:PORT/0`` from anywhere (README "A lab of hosts")."""
