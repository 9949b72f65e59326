"""Face anti-spoofing networks built from their papers (the ``fas`` model set).

FeatherNetA/B (logits) and the central difference convolution networks CDCN, CDCN++,
C-CDN and DC-CDN (depth maps); each built module says which in ``score_kind``.
Importing this package registers them (:mod:`bench.models.catalog`).
"""

from bench.models.fas import cdcn, dccdn, feathernet  # noqa: F401
