"""Statistics for benchmark samples, distribution-free as benchstat's.

What it does: a confidence interval of the median from order statistics
(the binomial argument benchstat uses), a distribution-free interval of the
ratio of two samples' medians (Moses' interval from the Hodges-Lehmann
differences, taken on log ns/op; benchstat gives no ratio interval, so this
is golab's choice), and the two-sided Mann-Whitney U p-value (scipy).

What it reads: sequences of numbers (ns/op of the samples).

What it returns: :class:`Interval` values and p-values; plain data.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Sequence

ALPHA = 0.05
CONFIDENCE = 0.95


@dataclasses.dataclass
class Interval:
    lo: float
    hi: float
    confidence: float  # the coverage actually reached (>= the one asked when exact)
    exact: bool = True  # False: too few samples for the asked confidence; lo/hi are min/max

    def __iter__(self):
        return iter((self.lo, self.hi))

    def contains(self, x: float) -> bool:
        return self.lo <= x <= self.hi


def median_ci(values: Sequence[float], confidence: float = CONFIDENCE) -> Interval:
    """Distribution-free confidence interval of the median (benchstat's).

    For sorted x(1) <= ... <= x(n), the interval [x(k+1), x(n-k)] covers the
    true median with probability 1 - 2 P(B <= k), B ~ Binomial(n, 1/2).  The
    largest k reaching ``confidence`` is used.  With too few samples (n < 6
    at 95%) no k does: the interval is [min, max], ``exact=False``.
    """
    from scipy.stats import binom

    xs = sorted(values)
    n = len(xs)
    if n == 0:
        return Interval(math.nan, math.nan, 0.0, False)
    alpha = 1 - confidence
    k = -1
    while k + 1 < n / 2 and 2 * binom.cdf(k + 1, n, 0.5) <= alpha:
        k += 1
    if k < 0:
        coverage = 1 - 2 * 0.5**n if n > 1 else 0.0
        return Interval(xs[0], xs[-1], coverage, False)
    coverage = 1 - 2 * float(binom.cdf(k, n, 0.5))
    return Interval(xs[k], xs[n - 1 - k], coverage, True)


def _u_null_cdf(m: int, n: int) -> list[float]:
    """Exact null distribution of the Mann-Whitney U statistic: P(U <= u)."""
    # counts[u] = number of arrangements with statistic u (recurrence over m, n)
    import numpy as np

    table = [[None] * (n + 1) for _ in range(m + 1)]
    for i in range(m + 1):
        for j in range(n + 1):
            if i == 0 or j == 0:
                table[i][j] = np.ones(1)
                continue
            a = table[i - 1][j]  # last element from sample 1: adds j
            b = table[i][j - 1]
            out = np.zeros(i * j + 1)
            out[j : j + len(a)] += a
            out[: len(b)] += b
            table[i][j] = out
    counts = table[m][n]
    return list(np.cumsum(counts) / counts.sum())


def ratio_ci(base: Sequence[float], other: Sequence[float], confidence: float = CONFIDENCE) -> Interval:
    """Distribution-free interval for other/base (Moses, on logs)."""
    m, n = len(base), len(other)
    if m == 0 or n == 0 or min(base) <= 0 or min(other) <= 0:
        return Interval(math.nan, math.nan, 0.0, False)
    diffs = sorted(math.log(y) - math.log(x) for x in base for y in other)
    alpha = 1 - confidence
    if m * n <= 2500:
        cdf = _u_null_cdf(m, n)
        c = -1  # largest c with P(U <= c) <= alpha/2
        while c + 1 < len(cdf) and cdf[c + 1] <= alpha / 2:
            c += 1
        coverage = 1 - 2 * (cdf[c] if c >= 0 else 0.0)
    else:
        from scipy.stats import norm

        z = norm.ppf(1 - alpha / 2)
        c = int(math.floor(m * n / 2 - z * math.sqrt(m * n * (m + n + 1) / 12))) - 1
        coverage = confidence
    if c < 0:
        return Interval(math.exp(diffs[0]), math.exp(diffs[-1]), 1.0 - 2 / math.comb(m + n, m), False)
    return Interval(math.exp(diffs[c]), math.exp(diffs[len(diffs) - 1 - c]), coverage, True)


def mann_whitney_p(a: Sequence[float], b: Sequence[float]) -> float:
    """Two-sided Mann-Whitney U p-value (1.0 when the samples cannot differ)."""
    from scipy.stats import mannwhitneyu

    if not a or not b:
        return 1.0
    if len(set(a) | set(b)) == 1:
        return 1.0
    return float(mannwhitneyu(a, b, alternative="two-sided").pvalue)
