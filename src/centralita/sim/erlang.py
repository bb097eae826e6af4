"""Exact steady-state figures of the Erlang B, C and A queues.

Notation (seconds throughout): arrival rate λ (calls per second), mean handle time 1/μ,
offered load a = λ/μ (erlangs), n agents, mean patience 1/θ, service-level threshold T,
short-abandon threshold S.

* Erlang B (M/M/n/n): B(0, a) = 1, B(k, a) = a·B(k-1, a) / (k + a·B(k-1, a)).
* Erlang C (M/M/n, no abandonment, needs a < n):
  C(n, a) = n·B / (n - a·(1 - B)) = P(wait > 0), P(W > t) = C·e^{-(nμ - λ)t},
  ASA = C / (nμ - λ), occupancy = a/n.
* Erlang A (M/M/n+M, exponential patience): exact figures from the birth–death chain,
  derived in `erlang_a_figures`.

Everything is computed with recurrences in log space, so nothing overflows or
underflows for thousands of agents (no factorials, no powers of a).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: The queue-length distribution is truncated where its tail is below this share.
TAIL = 1e-17
_LOG_TAIL = math.log(TAIL)
#: A chain needing more terms than this is beyond any real contact center.
_MAX_TERMS = 10_000_000


@dataclass(frozen=True)
class QueueFigures:
    """Steady-state figures of one queue staffed with `agents` agents.

    Shares are of arriving calls (Poisson arrivals see time averages); times in seconds.
    """

    agents: int
    #: λ/μ in erlangs.
    offered_load: float
    #: Share of calls that wait at all (finds every agent busy).
    p_wait: float
    #: KPIS.md `service_level`: answered within T ÷ (answered + abandoned after S).
    service_level: float
    #: KPIS.md `service_level_answered`: answered within T ÷ answered.
    service_level_answered: float
    #: Mean wait of answered calls (0 waits included).
    asa: float
    #: Share of calls that abandon (short abandons included).
    p_abandon: float
    #: Share of calls that abandon within the short-abandon threshold S (0 without S).
    p_short_abandon: float
    #: Mean wait of abandoned calls; 0.0 when no call abandons.
    abandon_wait: float
    #: Busy agents ÷ agents = carried load / n (1.0 for an overloaded Erlang C queue).
    occupancy: float


def log_erlang_b(agents: int, offered_load: float) -> float:
    """log B(n, a), by the Erlang B recurrence run in log space.

    log B(k) = log a + log B(k-1) - log(k + a·B(k-1)); B(k-1) may underflow to 0 inside
    the last logarithm without harm, so the result is exact for any n.
    """
    _check_agents(agents)
    if offered_load < 0 or not math.isfinite(offered_load):
        raise ValueError(f"offered_load must be finite and >= 0, got {offered_load}")
    if agents == 0:
        return 0.0
    if offered_load == 0:
        return -math.inf
    log_a = math.log(offered_load)
    log_b = 0.0
    for k in range(1, agents + 1):
        log_b = log_a + log_b - math.log(k + offered_load * math.exp(log_b))
    return log_b


def erlang_b(agents: int, offered_load: float) -> float:
    """Erlang B: P(all n lines busy) in M/M/n/n, B(n, a) = (aⁿ/n!) / Σ_{k≤n} aᵏ/k!."""
    return math.exp(log_erlang_b(agents, offered_load))


def erlang_c(agents: int, offered_load: float) -> float:
    """Erlang C: P(wait > 0) in M/M/n, C = n·B / (n - a(1 - B)); 1.0 when a ≥ n."""
    if agents <= offered_load:
        _check_agents(agents)
        return 1.0
    b = erlang_b(agents, offered_load)
    return agents * b / (agents - offered_load * (1.0 - b))


def erlang_c_service_level(
    arrival_rate: float, mean_service_time: float, agents: int, threshold: float
) -> float:
    """P(W ≤ T) in M/M/n: 1 - C(n, a)·exp(-(nμ - λ)·T); 0.0 when unstable (0 < a ≥ n)."""
    mu, a = _rates(arrival_rate, mean_service_time)
    _check_threshold(threshold)
    if a == 0:
        return 1.0
    if agents <= a:
        return 0.0
    return 1.0 - erlang_c(agents, a) * math.exp(-(agents * mu - arrival_rate) * threshold)


def erlang_c_asa(arrival_rate: float, mean_service_time: float, agents: int) -> float:
    """Mean wait in M/M/n: C(n, a) / (nμ - λ); infinite when unstable (0 < a ≥ n)."""
    mu, a = _rates(arrival_rate, mean_service_time)
    if a == 0:
        return 0.0
    if agents <= a:
        return math.inf
    return erlang_c(agents, a) / (agents * mu - arrival_rate)


def erlang_c_occupancy(arrival_rate: float, mean_service_time: float, agents: int) -> float:
    """Busy share of agents in M/M/n: a/n, capped at 1 (an unstable queue keeps all busy)."""
    _mu, a = _rates(arrival_rate, mean_service_time)
    _check_agents(agents)
    if agents == 0:
        return 0.0 if a == 0 else 1.0
    return min(1.0, a / agents)


def erlang_c_figures(
    arrival_rate: float, mean_service_time: float, agents: int, threshold: float
) -> QueueFigures:
    """All figures of M/M/n from the closed forms (no abandonment, so both SLs agree)."""
    _mu, a = _rates(arrival_rate, mean_service_time)
    if a == 0:
        return _idle(agents)
    sl = erlang_c_service_level(arrival_rate, mean_service_time, agents, threshold)
    return QueueFigures(
        agents=agents,
        offered_load=a,
        p_wait=erlang_c(agents, a),
        service_level=sl,
        service_level_answered=sl,
        asa=erlang_c_asa(arrival_rate, mean_service_time, agents),
        p_abandon=0.0,
        p_short_abandon=0.0,
        abandon_wait=0.0,
        occupancy=erlang_c_occupancy(arrival_rate, mean_service_time, agents),
    )


def queue_figures(
    arrival_rate: float,
    mean_service_time: float,
    agents: int,
    threshold: float,
    mean_patience: float | None = None,
    short_abandon_threshold: float | None = None,
) -> QueueFigures:
    """Erlang C figures without a patience, Erlang A figures with one."""
    if mean_patience is None:
        return erlang_c_figures(arrival_rate, mean_service_time, agents, threshold)
    return erlang_a_figures(
        arrival_rate, mean_service_time, agents, mean_patience, threshold, short_abandon_threshold
    )


def erlang_a_figures(
    arrival_rate: float,
    mean_service_time: float,
    agents: int,
    mean_patience: float,
    threshold: float,
    short_abandon_threshold: float | None = None,
) -> QueueFigures:
    """Exact figures of M/M/n+M (Erlang A) from its birth–death chain.

    `mean_patience` may be `math.inf`: θ = 0 gives Erlang C through the same chain
    (an independent check of the closed forms; needs a < n).

    Derivation. Write c = nμ. The number in system is a birth–death chain with birth
    rate λ and death rate min(k, n)μ + (k - n)⁺θ, so with q_0 = 1 and
    q_j = Π_{i=1..j} λ / (c + iθ)

        π_{n+j} = π_n·q_j,   Σ_{k<n} π_k = π_n·(1/B(n, a) - 1),
        π_n = 1 / (1/B(n, a) + Σ_{j≥1} q_j).

    The sum is cut where the geometric bound of its tail falls below `TAIL`. By PASTA an
    arrival finds n + j in system with probability w_j = π_{n+j}; with j ≥ 0 it waits.

    A caller who finds j waiting has j callers ahead. While i are ahead, the queue moves
    at rate c + iθ (a service completion or one of them abandoning) and the caller's own
    patience ends at rate θ. Each phase ends after an Exp(c + (i+1)θ) time, moving up
    with probability (c + iθ)/(c + (i+1)θ) or abandoning otherwise; the holding times do
    not depend on how a phase ends. Telescoping the products:

    * P(served | j) = c / (c + (j+1)θ); P(abandon | j) = (j+1)θ / (c + (j+1)θ).
    * A served caller waits H_j = Σ_{i=1..j+1} Exp(c + iθ). This hypoexponential law with
      equally spaced rates has P(H_j > t) = I_x(c/θ + 1, j + 1) with x = e^{-θt}
      (partial fractions give the regularised incomplete beta), which equals
      P(N ≤ j) for N negative binomial with r = c/θ + 1 and success probability x:
      pmf p_0 = e^{-(c+θ)t}, p_m = p_{m-1}·u·(c + mθ)/m with u = (1 - e^{-θt})/θ.
      So P(served, W > T | j) = P(served | j)·P(N_T ≤ j).
    * E[W; served | j] = P(served | j)·Σ_{i=1..j+1} 1/(c + iθ).
    * E[W | j] = Σ over phases of P(reach phase)·E[phase] = (j+1)/(c + (j+1)θ), so
      E[W; abandoned | j] = Σ_{i=1..j+1} (iθ/(c + iθ)) / (c + (j+1)θ).
    * Abandoning after S: with V_j = Σ_{i=0..j} Exp(c + iθ) the offered wait,
      P(abandon, W ≤ S | j) = ∫_0^S θe^{-θs}·P(V_j > s) ds, P(V_j > s) = I_x(c/θ, j+1);
      integrating the incomplete beta by parts and combining the two sums term by term,
      P(abandon, W > S | j) = θx/(c + (j+1)θ) · Σ_{k=0..j} P(M ≤ k), x = e^{-θS},
      M negative binomial with r = c/θ: p_0 = e^{-cS}, p_m = p_{m-1}·u·(c + (m-1)θ)/m;
      the short abandons are the rest, θ/(c + (j+1)θ) · Σ_{k=0..j} (1 - x·P(M ≤ k)).

    Every sum has positive terms; the negative-binomial terms are carried in log space.
    Then service_level = P(served, W ≤ T) / (1 - P(abandon, W ≤ S)),
    service_level_answered = P(served, W ≤ T) / P(served), ASA = E[W; served]/P(served),
    occupancy = a·P(served)/n. With θ = 0 the chain and these sums reduce to Erlang C.

    Cost: O(n) for B plus O(J) for the queue, J ≈ max(0, λ - nμ)/θ + a few √(λ/θ) —
    milliseconds for 3,000 agents, but seconds for a queue overloaded by hundreds of
    erlangs with callers who wait hours.
    """
    mu, a = _rates(arrival_rate, mean_service_time)
    _check_agents(agents)
    _check_threshold(threshold)
    if short_abandon_threshold is not None:
        _check_threshold(short_abandon_threshold)
    if not mean_patience > 0:
        raise ValueError(f"mean_patience must be > 0, got {mean_patience}")
    theta = 0.0 if math.isinf(mean_patience) else 1.0 / mean_patience
    c = agents * mu
    lam = arrival_rate
    if lam == 0:
        return _idle(agents)
    if theta == 0 and lam >= c:
        return erlang_c_figures(arrival_rate, mean_service_time, agents, threshold)

    log_weights, p_no_wait = _log_queue_weights(lam, c, theta, log_erlang_b(agents, a))
    weights = [math.exp(lw) for lw in log_weights]

    # Per-caller-position terms, summed exactly with fsum at the end.
    served_terms = [p_no_wait]
    within_t_terms = [p_no_wait]
    wait_served_terms = []
    abandoned_terms = []
    wait_abandoned_terms = []
    late_terms = []  # abandoned after S (all abandons when S is not given)
    early_terms = []  # abandoned within S

    nb_t = _NegativeBinomialCdf(c, theta, threshold, shift=1)
    nb_s = _NegativeBinomialCdf(c, theta, short_abandon_threshold or 0.0, shift=0)
    x_s = math.exp(-theta * short_abandon_threshold) if short_abandon_threshold else 1.0
    cum_cdf_s = 0.0  # Σ_{k≤j} P(M ≤ k)
    cum_early = 0.0  # Σ_{k≤j} (1 - x·P(M ≤ k)), each term ≥ 0
    harmonic = 0.0  # Σ_{i≤j+1} 1/(c + iθ)
    abandon_share = 0.0  # Σ_{i≤j+1} iθ/(c + iθ)
    for j, w in enumerate(weights):
        rate = c + (j + 1) * theta
        p_served = c / rate
        p_abandon = (j + 1) * theta / rate
        harmonic += 1.0 / rate
        abandon_share += p_abandon
        served_terms.append(w * p_served)
        within_t_terms.append(w * p_served * (1.0 - nb_t.next()))
        wait_served_terms.append(w * p_served * harmonic)
        abandoned_terms.append(w * p_abandon)
        wait_abandoned_terms.append(w * abandon_share / rate)
        if short_abandon_threshold is None:
            late_terms.append(w * p_abandon)
        else:
            cdf_s = nb_s.next()
            cum_cdf_s += cdf_s
            cum_early += 1.0 - x_s * cdf_s
            late_terms.append(w * theta * x_s * cum_cdf_s / rate)
            early_terms.append(w * theta * cum_early / rate)

    served = _share(served_terms)
    served_within_t = _share(within_t_terms)
    abandoned = _share(abandoned_terms)
    answered_or_late = served + _share(late_terms)
    return QueueFigures(
        agents=agents,
        offered_load=a,
        p_wait=_share(weights),
        service_level=_ratio(served_within_t, answered_or_late),
        service_level_answered=_ratio(served_within_t, served),
        asa=_ratio(math.fsum(wait_served_terms), served),
        p_abandon=abandoned,
        p_short_abandon=_share(early_terms),
        abandon_wait=_ratio(math.fsum(wait_abandoned_terms), abandoned),
        occupancy=min(1.0, _ratio(a * served, agents)),
    )


def _share(terms: list[float]) -> float:
    """An exact sum of probability terms, kept in [0, 1] against the last rounding."""
    return min(1.0, math.fsum(terms))


def _ratio(numerator: float, denominator: float) -> float:
    """numerator ÷ denominator, or 0.0 when there is nothing to divide by."""
    return numerator / denominator if denominator > 0 else 0.0


def _log_queue_weights(
    lam: float, c: float, theta: float, log_b: float
) -> tuple[list[float], float]:
    """([log π_n, log π_{n+1}, …, log π_{n+J}], P(no wait)) for the Erlang A chain.

    P(no wait) = Σ_{k<n} π_k = π_n·(1/B - 1).
    """
    log_q = [0.0]
    log_norm = -log_b  # log(1/B + Σ_{i≤j} q_i), grown term by term
    j = 0
    while True:
        rate_next = c + (j + 1) * theta
        ratio = lam / rate_next
        if ratio < 1:
            tail = log_q[-1] + math.log(ratio / (1.0 - ratio))
            if tail < log_norm + _LOG_TAIL:
                break
        j += 1
        if j > _MAX_TERMS:
            raise ValueError("queue too long to evaluate exactly (patience far too long)")
        log_q.append(log_q[-1] + math.log(ratio))
        log_norm = _log_add(log_norm, log_q[-1])
    # The running sum only decides where to stop; normalise with one exact sum
    # (q_0 = 1 is already inside 1/B).
    top = max(max(log_q), -log_b)
    log_norm = top + math.log(
        math.fsum(math.exp(lq - top) for lq in log_q[1:]) + math.exp(-log_b - top)
    )
    log_weights = [lq - log_norm for lq in log_q]
    # 1/B - 1 = (1 - B)/B, so log(1/B - 1) = -log B + log(1 - B).
    log_below = -log_b + math.log1p(-math.exp(log_b)) if log_b < 0 else -math.inf
    return log_weights, math.exp(log_below - log_norm)


class _NegativeBinomialCdf:
    """Successive CDF values P(N ≤ 0), P(N ≤ 1), … of the wait-time negative binomial.

    N counts failures before r successes with success probability x = e^{-θt}, where
    r = c/θ + shift: p_0 = e^{-(c + shift·θ)t}, p_m = p_{m-1}·u·(c + (m - 1 + shift)θ)/m,
    u = (1 - e^{-θt})/θ (→ t as θ → 0, giving the Poisson(ct) law of Erlang C).
    """

    def __init__(self, c: float, theta: float, t: float, shift: int) -> None:
        self._c, self._theta, self._shift = c, theta, shift
        self._u = -math.expm1(-theta * t) / theta if theta > 0 else t
        self._log_term = -(c + shift * theta) * t
        self._m = 0
        self._cdf = 0.0

    def next(self) -> float:
        if self._m > 0:
            factor = self._u * (self._c + (self._m - 1 + self._shift) * self._theta) / self._m
            self._log_term = self._log_term + math.log(factor) if factor > 0 else -math.inf
        self._m += 1
        self._cdf = min(1.0, self._cdf + math.exp(self._log_term))
        return self._cdf


def _log_add(x: float, y: float) -> float:
    """log(eˣ + eʸ) without overflow."""
    if x < y:
        x, y = y, x
    return x + math.log1p(math.exp(y - x))


def _idle(agents: int) -> QueueFigures:
    """No calls: nobody waits, nobody abandons, every call (vacuously) is on time."""
    return QueueFigures(agents, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0)


def _rates(arrival_rate: float, mean_service_time: float) -> tuple[float, float]:
    """(μ, a) after checking λ ≥ 0 and 1/μ > 0."""
    if not (arrival_rate >= 0 and math.isfinite(arrival_rate)):
        raise ValueError(f"arrival_rate must be finite and >= 0, got {arrival_rate}")
    if not (mean_service_time > 0 and math.isfinite(mean_service_time)):
        raise ValueError(f"mean_service_time must be finite and > 0, got {mean_service_time}")
    mu = 1.0 / mean_service_time
    return mu, arrival_rate * mean_service_time


def _check_agents(agents: int) -> None:
    if agents < 0:
        raise ValueError(f"agents must be >= 0, got {agents}")


def _check_threshold(threshold: float) -> None:
    if not (threshold >= 0 and math.isfinite(threshold)):
        raise ValueError(f"threshold must be finite and >= 0, got {threshold}")
