"""Random durations (seconds) for the simulator: samplers bound to one `random.Random`.

A sampler is a zero-argument function returning one non-negative duration. Parameters
are given by mean and standard deviation, the figures a planner knows from reports:

* `exponential(mean)`: the Erlang C/A assumption (standard deviation = mean);
* `lognormal(mean, sd)`: σ² = ln(1 + sd²/mean²), μ = ln(mean) - σ²/2;
* `gamma(mean, sd)`: shape k = (mean/sd)², scale θ = sd²/mean;
* `deterministic(mean)`: always `mean`;
* `empirical(values)`: one of the observed values, each equally likely.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from random import Random

Sampler = Callable[[], float]


def exponential(rng: Random, mean: float) -> Sampler:
    if mean <= 0:
        return lambda: 0.0
    rate = 1.0 / mean
    expovariate = rng.expovariate
    return lambda: expovariate(rate)


def lognormal(rng: Random, mean: float, sd: float) -> Sampler:
    if sd <= 0 or mean <= 0:
        return deterministic(mean)
    sigma2 = math.log1p((sd / mean) ** 2)
    mu = math.log(mean) - sigma2 / 2.0
    sigma = math.sqrt(sigma2)
    lognormvariate = rng.lognormvariate
    return lambda: lognormvariate(mu, sigma)


def gamma(rng: Random, mean: float, sd: float) -> Sampler:
    if sd <= 0 or mean <= 0:
        return deterministic(mean)
    shape = (mean / sd) ** 2
    scale = sd * sd / mean
    gammavariate = rng.gammavariate
    return lambda: gammavariate(shape, scale)


def deterministic(value: float) -> Sampler:
    value = max(0.0, value)
    return lambda: value


def empirical(rng: Random, values: Sequence[float]) -> Sampler:
    pool = tuple(values)
    size = len(pool)
    rand = rng.random
    return lambda: pool[int(rand() * size)]


def read_values(text: str) -> list[float]:
    """Durations in seconds from a text file: one number per line, first CSV column.

    Blank lines, `#` comments and one non-numeric line before the values (a header) are
    skipped.
    Raises `ValueError` naming the line of the first bad value.
    """
    values: list[float] = []
    header = False
    for number, line in enumerate(text.splitlines(), start=1):
        cell = line.split("#", 1)[0].split(",", 1)[0].strip()
        if not cell:
            continue
        try:
            value = float(cell)
        except ValueError:
            if not values and not header:
                header = True
                continue  # a header
            raise ValueError(f"line {number}: {cell!r} is not a number of seconds") from None
        if not (math.isfinite(value) and value >= 0):
            raise ValueError(f"line {number}: {cell!r} must be a finite number >= 0")
        values.append(value)
    if not values:
        raise ValueError("no values found")
    return values
