"""Statistics of raw timings (the raw numbers stay the source of truth): percentiles, spread,
and the distribution-free confidence interval of a median. Shipped: Python 3.6, stdlib."""

import functools
import math

NS = 1e9


def throughput(trial_size, batch, elapsed_ns):
    """T = ts * b / (et - st), inferences per second (SPEC §3)."""
    if elapsed_ns <= 0:
        raise ValueError("non-positive elapsed time {}".format(elapsed_ns))
    return trial_size * batch * NS / elapsed_ns


def percentile(values, q):
    """Linear-interpolation percentile (numpy's default), q in [0, 100]."""
    if not values:
        raise ValueError("percentile of no values")
    data = sorted(values)
    pos = (len(data) - 1) * q / 100.0
    lo = int(math.floor(pos))
    hi = min(lo + 1, len(data) - 1)
    return data[lo] + (data[hi] - data[lo]) * (pos - lo)


def median(values):
    return percentile(values, 50)


def mean(values):
    return sum(values) / float(len(values))


def cv(values):
    """Coefficient of variation (population standard deviation / mean); 0 for one value."""
    m = mean(values)
    if len(values) < 2 or m == 0:
        return 0.0
    var = sum((v - m) ** 2 for v in values) / len(values)
    return math.sqrt(var) / m


def _binom_half_cdf(n):
    """Cumulative probabilities P(X <= k), k = 0..n, of X ~ Binomial(n, 1/2)."""
    out, total, term = [], 0, 1  # term = C(n, k), exact integers
    for k in range(n + 1):
        total += term
        out.append(total / (1 << n))  # int / int: exact rounding, no overflow
        term = term * (n - k) // (k + 1)
    return out


@functools.lru_cache(maxsize=256)
def median_ci_ranks(n, confidence=0.95):
    """0-based ranks (low, high) of the sorted sample that bound a distribution-free
    ``confidence`` interval of the median (order statistics of Binomial(n, 1/2)), or None
    when ``n`` is too small for one (fewer than 6 values at 95 %). The same ranks as
    ``scipy.stats.quantile_test(x, p=0.5).confidence_interval(confidence)``."""
    if n < 1:
        return None
    q = (1 - confidence) / 2.0
    cdf = _binom_half_cdf(n)
    k = next(i for i, c in enumerate(cdf) if c >= q * (1 - 1e-12))  # binom.ppf(q)
    high = next(i for i, c in enumerate(cdf) if 1 - c <= q * (1 + 1e-12))  # binom.isf(q)
    if k < 1 or high >= n:
        return None
    return k - 1, high


def median_ci(values, confidence=0.95):
    """(low, high): the ``confidence`` interval of the median of ``values``, or None."""
    ranks = median_ci_ranks(len(values), confidence)
    if ranks is None:
        return None
    data = sorted(values)
    return data[ranks[0]], data[ranks[1]]


def ci_half_width(values, confidence=0.95):
    """The larger distance from the median to an end of its interval, relative to the
    median (0.01 = +-1 %); None when there is no interval yet."""
    ci = median_ci(values, confidence)
    mid = median(values) if values else 0
    if ci is None or mid <= 0:
        return None
    return max(mid - ci[0], ci[1] - mid) / mid
