"""The session's switchable PTA artifacts, exported once into the shared export cache.

The cache folder is the one test_export.py, test_adb_cli.py and the other modules share
(``<basetemp>/artifacts``), so a `bench run` there finds these files cached. Resolution
64 as test_adb_cli's models. The TFLite conversion of six signatures is the slow part
(about a minute); it happens once per session.
"""

import pytest

RESOLUTION = 64
SWITCHABLE = "pta:LLL,switchable=true"


@pytest.fixture(scope="session")
def switchable_cache(tmp_path_factory):
    """(export config, {format: switchable artifact}, {format: frozen pta:BBB artifact})."""
    from bench.artifacts import get_artifact
    from bench.config import ExportConfig
    from bench.models import select_models

    config = ExportConfig(dir=str(tmp_path_factory.getbasetemp() / "artifacts"))
    switchable, frozen_bbb = {}, {}
    for fmt in ("onnx", "tflite"):
        req = select_models([SWITCHABLE], resolution=RESOLUTION)[0]
        switchable[fmt] = get_artifact(req, fmt, "fp32", 1, config)
        req = select_models(["pta:BBB"], resolution=RESOLUTION)[0]
        frozen_bbb[fmt] = get_artifact(req, fmt, "fp32", 1, config)
    return config, switchable, frozen_bbb
