"""Erlang B, C and A figures against published examples and independent formulations.

Where an expected number comes from:
* "published": a cited worked example, compared to the digits it prints;
* "closed form": a textbook formula worked by hand in the comment;
* "independent": the same quantity computed here another way (direct sums with lgamma,
  the M/M/∞ law, the virtual-wait density integrated numerically), to 1e-9.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from centralita.sim.erlang import (
    QueueFigures,
    erlang_a_figures,
    erlang_b,
    erlang_c,
    erlang_c_asa,
    erlang_c_figures,
    erlang_c_occupancy,
    erlang_c_service_level,
    log_erlang_b,
    queue_figures,
)

# --- independent formulations used as oracles ------------------------------------------


def _log_sum_exp(values: list[float]) -> float:
    top = max(values)
    return top + math.log(math.fsum(math.exp(v - top) for v in values))


def _log_poisson_term(k: int, a: float) -> float:
    """log(aᵏ/k!) by lgamma, not by the recurrence under test."""
    return k * math.log(a) - math.lgamma(k + 1)


def erlang_b_by_sum(n: int, a: float) -> float:
    """B = (aⁿ/n!) / Σ_{k≤n} aᵏ/k! (Erlang's definition)."""
    terms = [_log_poisson_term(k, a) for k in range(n + 1)]
    return math.exp(terms[-1] - _log_sum_exp(terms))


def erlang_c_by_sum(n: int, a: float) -> float:
    """C = (aⁿ/n!·n/(n-a)) / (Σ_{k<n} aᵏ/k! + aⁿ/n!·n/(n-a)) (the textbook closed form)."""
    waiting = _log_poisson_term(n, a) + math.log(n / (n - a))
    terms = [_log_poisson_term(k, a) for k in range(n)] + [waiting]
    return math.exp(waiting - _log_sum_exp(terms))


def chain_distribution(lam: float, mu: float, theta: float, n: int) -> list[float]:
    """π_k of the M/M/n+M birth–death chain, summed directly in log space until negligible."""
    a = lam / mu
    logs = [_log_poisson_term(k, a) for k in range(n + 1)]
    k = n
    while True:
        k += 1
        death = n * mu + (k - n) * theta
        logs.append(logs[-1] + math.log(lam / death))
        if lam < death and logs[-1] < max(logs) - 60:
            break
    total = _log_sum_exp(logs)
    return [math.exp(v - total) for v in logs]


def simpson(f: Callable[[float], float], lo: float, hi: float, steps: int = 20_000) -> float:
    """Composite Simpson rule (error O(h⁴); 20,000 steps is far below 1e-9 here)."""
    if hi <= lo:
        return 0.0
    h = (hi - lo) / steps
    inner = math.fsum((4 if i % 2 else 2) * f(lo + i * h) for i in range(1, steps))
    return (f(lo) + inner + f(hi)) * h / 3


def figures_by_virtual_wait_density(
    lam: float, aht: float, n: int, patience: float, threshold: float, short: float | None
) -> dict[str, float]:
    """Erlang A figures from the density of the offered wait V instead of phase sums.

    Baccelli & Hébuterne (1981), as summarised by Mandelbaum & Zeltyn ("The M/M/n+G
    queue: summary of performance measures", Technion): for t > 0
    f_V(t) = λπ_{n-1}·exp(λ∫₀ᵗ Ḡ(u)du − nμt); with exponential patience Ḡ(u) = e^{-θu}
    and λπ_{n-1} = nμπ_n. A caller is served iff its patience τ ~ Exp(θ) exceeds V,
    and waits min(V, τ).
    """
    mu, theta = 1 / aht, 1 / patience
    pi = chain_distribution(lam, mu, theta, n)
    p_wait = math.fsum(pi[n:])

    def g(t: float) -> float:
        return lam * (1 - math.exp(-theta * t)) / theta - n * mu * t

    peak = max(0.0, math.log(lam / (n * mu)) / theta) if n > 0 else 0.0
    end = max(peak, 1.0)
    while g(end) > g(peak) - 50:
        end *= 2

    def density(t: float) -> float:
        return n * mu * pi[n] * math.exp(g(t))

    def served(t: float) -> float:
        return density(t) * math.exp(-theta * t)

    served_within = 1 - p_wait + simpson(served, 0, min(threshold, end))
    served_all = 1 - p_wait + simpson(served, 0, end)
    wait_served = simpson(lambda t: t * served(t), 0, end)
    abandoned = simpson(lambda t: density(t) * -math.expm1(-theta * t), 0, end)
    # E[τ; τ < t] for τ ~ Exp(θ) = (1 - e^{-θt}(1 + θt))/θ
    wait_abandoned = simpson(
        lambda t: density(t) * (1 - math.exp(-theta * t) * (1 + theta * t)) / theta, 0, end
    )
    short_abandoned = 0.0
    if short is not None:
        cut = min(short, end)
        short_abandoned = simpson(lambda t: density(t) * -math.expm1(-theta * t), 0, cut)
        short_abandoned += -math.expm1(-theta * short) * simpson(density, cut, end)
    return {
        "p_wait": p_wait,
        "service_level": served_within / (1 - short_abandoned),
        "service_level_answered": served_within / served_all,
        "asa": wait_served / served_all,
        "p_abandon": abandoned,
        "p_short_abandon": short_abandoned,
        "abandon_wait": wait_abandoned / abandoned,
        "occupancy": lam * aht * served_all / n,
    }


# --- Erlang B -------------------------------------------------------------------------


@pytest.mark.parametrize("a", [0.1, 1.0, 7.5, 40.0])
def test_erlang_b_for_one_and_two_lines_matches_the_closed_forms(a: float) -> None:
    # From the definition: B(1, a) = a/(1 + a), B(2, a) = (a²/2)/(1 + a + a²/2).
    assert erlang_b(1, a) == pytest.approx(a / (1 + a), rel=1e-12)
    assert erlang_b(2, a) == pytest.approx((a * a / 2) / (1 + a + a * a / 2), rel=1e-12)


@pytest.mark.parametrize(
    ("n", "a"), [(1, 0.5), (10, 5.0), (30, 25.0), (100, 80.0), (1000, 1000.0), (3000, 2900.0)]
)
def test_erlang_b_recurrence_matches_the_defining_sum(n: int, a: float) -> None:
    # Independent: Erlang's sum with lgamma terms.
    assert erlang_b(n, a) == pytest.approx(erlang_b_by_sum(n, a), rel=1e-9)


def test_erlang_b_stays_finite_where_factorials_would_overflow() -> None:
    # 3000 lines at 10 erlangs: B ≈ 10³⁰⁰⁰/3000! is below the smallest double, so the
    # exact answer is 0.0; its logarithm is still exact (independent: lgamma).
    assert erlang_b(3000, 10.0) == 0.0
    expected = _log_poisson_term(3000, 10.0) - _log_sum_exp(
        [_log_poisson_term(k, 10.0) for k in range(3001)]
    )
    assert log_erlang_b(3000, 10.0) == pytest.approx(expected, rel=1e-12)


def test_erlang_b_of_thirty_lines_at_twenty_five_erlangs_is_about_five_percent() -> None:
    # Published: Wolfram's Erlang B example, "30 call lines and traffic of 25 erlangs,
    # the blocking or loss probability is approximately 0.05".
    assert erlang_b(30, 25.0) == pytest.approx(0.05, abs=0.005)


# --- Erlang C -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "a"),
    [(1, 0.5), (2, 1.9), (14, 10.0), (55, 48.0), (300, 290.0), (3000, 2950.0), (3000, 2999.9)],
)
def test_erlang_c_from_the_b_recurrence_matches_the_closed_form_sum(n: int, a: float) -> None:
    # Independent: the textbook closed form with lgamma terms.
    assert erlang_c(n, a) == pytest.approx(erlang_c_by_sum(n, a), rel=1e-9)


def test_erlang_c_is_one_when_load_reaches_the_agents() -> None:
    assert erlang_c(10, 10.0) == 1.0
    assert erlang_c_service_level(10 / 60, 60, 10, 20) == 0.0
    assert erlang_c_asa(10 / 60, 60, 10) == math.inf
    assert erlang_c_occupancy(11 / 60, 60, 10) == 1.0


def test_single_agent_erlang_c_is_the_m_m_1_queue() -> None:
    # Closed form (M/M/1, e.g. Kleinrock vol. 1): P(wait) = ρ, P(W > t) = ρe^{-(μ-λ)t},
    # mean wait ρ/(μ - λ). λ = 1/100 s, 1/μ = 60 s, so ρ = 0.6.
    lam, aht = 1 / 100, 60.0
    mu, rho = 1 / aht, 0.6
    figures = erlang_c_figures(lam, aht, 1, 30)
    assert figures.p_wait == pytest.approx(rho, rel=1e-12)
    assert figures.service_level == pytest.approx(1 - rho * math.exp(-(mu - lam) * 30), rel=1e-12)
    assert figures.asa == pytest.approx(rho / (mu - lam), rel=1e-12)
    assert figures.occupancy == pytest.approx(rho, rel=1e-12)


def test_erlang_c_matches_the_r_erlangc_package_worked_example() -> None:
    # Published: R package ErlangC 0.1.0 README (rdocumentation.org/packages/ErlangC):
    # 100 calls per 30 min, AHT 180 s, target 20 s, 14 agents → traffic 10,
    # wait_probability 0.1741319, service_level 0.88835,
    # average_speed_of_answer 7.83593701177724 s, occupancy 0.7142857; and in its search
    # table 11 agents → wait_probability 0.6821182, service_level 0.3896138.
    lam = 100 / 1800
    figures = erlang_c_figures(lam, 180, 14, 20)
    assert figures.offered_load == pytest.approx(10.0, rel=1e-15)
    assert figures.p_wait == pytest.approx(0.1741319, abs=5e-8)
    assert figures.service_level == pytest.approx(0.88835, abs=5e-6)
    assert figures.asa == pytest.approx(7.83593701177724, rel=1e-13)
    assert figures.occupancy == pytest.approx(0.7142857, abs=5e-8)
    eleven = erlang_c_figures(lam, 180, 11, 20)
    assert eleven.p_wait == pytest.approx(0.6821182, abs=5e-8)
    assert eleven.service_level == pytest.approx(0.3896138, abs=5e-8)


def test_erlang_c_matches_the_footbridge_call_calc_note() -> None:
    # Published: "Erlang C Call Calc" application note (al911.org/qos_calc.htm): 2 call
    # takers, 30 calls/hour of 60 s → "fewer than 8 percent" wait over 10 s; with 80 s
    # calls "the QOS falls to 14 percent".
    # Closed form: a = 0.5, C(2, 0.5) = (0.125·4/3)/(1.5 + 1/6) = 0.1, so
    # P(W > 10) = 0.1·e^{-(2 - 0.5)·10/60} = 0.1·e^{-0.25}.
    lam = 30 / 3600
    over_10s = 1 - erlang_c_service_level(lam, 60, 2, 10)
    assert over_10s == pytest.approx(0.1 * math.exp(-0.25), rel=1e-12)
    assert over_10s < 0.08
    assert 1 - erlang_c_service_level(lam, 80, 2, 10) == pytest.approx(0.14, abs=0.005)


def test_service_level_and_asa_follow_the_closed_forms_at_3000_agents() -> None:
    # Independent: C from the lgamma sum; SL = 1 - C·e^{-(nμ-λ)T}, ASA = C/(nμ-λ).
    n, aht, a = 3000, 240.0, 2950.0
    lam, mu = a / aht, 1 / aht
    c = erlang_c_by_sum(n, a)
    figures = erlang_c_figures(lam, aht, n, 20)
    assert figures.service_level == pytest.approx(1 - c * math.exp(-(n * mu - lam) * 20), rel=1e-9)
    assert figures.asa == pytest.approx(c / (n * mu - lam), rel=1e-9)
    assert figures.occupancy == pytest.approx(a / n, rel=1e-12)


# --- Erlang A -------------------------------------------------------------------------

ERLANG_A_CASES = [
    # (λ per s, AHT s, agents, mean patience s, T s, short-abandon S s or None)
    (360 / 1800, 240.0, 50, 120.0, 20.0, None),
    (360 / 1800, 240.0, 50, 120.0, 20.0, 5.0),
    (360 / 1800, 240.0, 44, 300.0, 15.0, 10.0),  # overloaded: a = 48 > 44
    (1 / 60, 180.0, 3, 60.0, 30.0, None),
    (1 / 30, 120.0, 1, 40.0, 10.0, 3.0),
    (0.5, 200.0, 90, 30.0, 20.0, 5.0),  # patience much shorter than handle time
]


@pytest.mark.parametrize("case", ERLANG_A_CASES)
def test_erlang_a_matches_the_virtual_wait_density_integrated_numerically(
    case: tuple[float, float, int, float, float, float | None],
) -> None:
    lam, aht, n, patience, threshold, short = case
    figures = erlang_a_figures(lam, aht, n, patience, threshold, short)
    expected = figures_by_virtual_wait_density(lam, aht, n, patience, threshold, short)
    for name, value in expected.items():
        assert getattr(figures, name) == pytest.approx(value, rel=1e-9, abs=1e-11), name


@pytest.mark.parametrize("case", ERLANG_A_CASES)
def test_erlang_a_satisfies_flow_balance_and_littles_law(
    case: tuple[float, float, int, float, float, float | None],
) -> None:
    # Independent: with π from the chain, abandons leave at rate θ·E[queue], so
    # P(abandon) = θ·E[Q]/λ, and Little's law gives mean wait of all calls = E[Q]/λ.
    lam, aht, n, patience, threshold, short = case
    pi = chain_distribution(lam, 1 / aht, 1 / patience, n)
    queue = math.fsum((k - n) * p for k, p in enumerate(pi) if k > n)
    figures = erlang_a_figures(lam, aht, n, patience, threshold, short)
    assert figures.p_abandon == pytest.approx(queue / patience / lam, rel=1e-9)
    mean_wait = (1 - figures.p_abandon) * figures.asa + figures.p_abandon * figures.abandon_wait
    assert mean_wait == pytest.approx(queue / lam, rel=1e-9)
    assert figures.p_wait == pytest.approx(math.fsum(pi[n:]), rel=1e-9)


@pytest.mark.parametrize(("n", "a"), [(1, 0.7), (8, 10.0), (50, 48.0), (300, 260.0)])
def test_erlang_a_with_patience_equal_to_handle_time_is_the_infinite_server_queue(
    n: int, a: float
) -> None:
    # Independent: with θ = μ every call in the system leaves at rate μ, so the number in
    # system is Poisson(a) (M/M/∞): P(wait) = P(N ≥ n), P(abandon) = E[(N - n)⁺]/a,
    # occupancy = E[min(N, n)]/n.
    aht = 100.0
    figures = erlang_a_figures(a / aht, aht, n, aht, 20.0)
    poisson = [math.exp(_log_poisson_term(k, a) - a) for k in range(int(a + 40 * math.sqrt(a)))]
    assert figures.p_wait == pytest.approx(math.fsum(poisson[n:]), rel=1e-9)
    excess = math.fsum((k - n) * p for k, p in enumerate(poisson) if k > n)
    assert figures.p_abandon == pytest.approx(excess / a, rel=1e-9)
    busy = math.fsum(min(k, n) * p for k, p in enumerate(poisson))
    assert figures.occupancy == pytest.approx(busy / n, rel=1e-9)


@pytest.mark.parametrize(
    ("n", "a", "threshold"), [(1, 0.5, 30.0), (55, 48.0, 20.0), (53, 48.0, 0.0), (3000, 2950.0, 15)]
)
def test_erlang_a_without_abandonment_equals_the_erlang_c_closed_form(
    n: int, a: float, threshold: float
) -> None:
    # θ = 0 (infinite patience) runs the same chain and phase sums; θ = 1e-14 is "tiny".
    aht = 240.0
    closed = erlang_c_figures(a / aht, aht, n, threshold)
    for patience in (math.inf, 1e14):
        chain = erlang_a_figures(a / aht, aht, n, patience, threshold)
        for name in ("p_wait", "service_level", "service_level_answered", "occupancy"):
            assert getattr(chain, name) == pytest.approx(getattr(closed, name), abs=1e-9), name
        assert chain.asa == pytest.approx(closed.asa, rel=1e-9)
        assert chain.p_abandon == pytest.approx(0.0, abs=1e-9)


def test_with_no_agents_every_caller_abandons_after_its_patience() -> None:
    # Closed form: with n = 0 each caller waits its whole Exp(θ) patience, so
    # P(abandon) = 1, mean abandon wait = 1/θ, and P(abandon within S) = 1 - e^{-S/patience}.
    figures = erlang_a_figures(0.1, 200.0, 0, 50.0, 20.0, 5.0)
    assert figures.p_abandon == pytest.approx(1.0, rel=1e-12)
    assert figures.abandon_wait == pytest.approx(50.0, rel=1e-9)
    assert figures.p_short_abandon == pytest.approx(-math.expm1(-5 / 50), rel=1e-9)
    assert figures.service_level == 0.0
    assert figures.occupancy == 0.0


def test_excluding_short_abandons_raises_the_service_level_by_exactly_their_share() -> None:
    # Definition (KPIS.md): SL = answered within T ÷ (1 - P(abandon within S)).
    lam, aht, n, patience = 0.2, 240.0, 50, 120.0
    plain = erlang_a_figures(lam, aht, n, patience, 20.0)
    strict = erlang_a_figures(lam, aht, n, patience, 20.0, 5.0)
    assert 0 < strict.p_short_abandon < strict.p_abandon
    assert strict.service_level == pytest.approx(
        plain.service_level / (1 - strict.p_short_abandon), rel=1e-12
    )
    # A zero-second threshold excludes nothing.
    zero = erlang_a_figures(lam, aht, n, patience, 20.0, 0.0)
    assert zero.p_short_abandon == 0.0
    assert zero.service_level == pytest.approx(plain.service_level, rel=1e-12)


def test_queue_figures_picks_erlang_c_without_patience_and_erlang_a_with_it() -> None:
    assert queue_figures(0.2, 240, 55, 20) == erlang_c_figures(0.2, 240, 55, 20)
    assert queue_figures(0.2, 240, 55, 20, 120.0) == erlang_a_figures(0.2, 240, 55, 120.0, 20)


@pytest.mark.parametrize("agents", [0, 3])
def test_no_calls_means_no_waiting_and_full_service_level(agents: int) -> None:
    idle = (erlang_c_figures(0, 240, agents, 20), erlang_a_figures(0, 240, agents, 60, 20))
    for figures in idle:
        assert (figures.p_wait, figures.service_level, figures.asa) == (0.0, 1.0, 0.0)
        assert figures.occupancy == 0.0


@pytest.mark.parametrize(
    ("n", "load", "patience"),
    [
        (n, load, patience)
        for n in (1, 2, 10, 100, 1000, 3000)
        for load in (0.5, 0.9, 0.99, 1.2)
        for patience in (None, 30.0, 120.0, 3600.0)
        # Erlang C has no steady state once the load reaches the agents.
        if patience is not None or load < 1
    ],
)
def test_figures_are_finite_probabilities_from_one_to_3000_agents(
    n: int, load: float, patience: float | None
) -> None:
    aht = 240.0
    lam = load * n / aht
    figures = queue_figures(lam, aht, n, 20.0, patience, 5.0)
    for name in ("p_wait", "service_level", "service_level_answered", "p_abandon", "occupancy"):
        value = getattr(figures, name)
        assert 0.0 <= value <= 1.0 + 1e-12, name
    assert math.isfinite(figures.asa) and figures.asa >= 0
    assert math.isfinite(figures.abandon_wait) and figures.abandon_wait >= 0


# --- monotonicity ---------------------------------------------------------------------


def _figures(lam: float, aht: float, n: int, patience: float | None, t: float) -> QueueFigures:
    return queue_figures(lam, aht, n, t, patience, None if patience is None else 5.0)


@settings(max_examples=150, deadline=None)
@given(
    load=st.floats(min_value=0.05, max_value=400.0),
    aht=st.floats(min_value=10.0, max_value=900.0),
    patience=st.one_of(st.none(), st.floats(min_value=5.0, max_value=3600.0)),
    threshold=st.floats(min_value=0.0, max_value=120.0),
    extra=st.integers(min_value=0, max_value=40),
)
def test_one_more_agent_never_lowers_service_or_raises_occupancy_waits_or_abandons(
    load: float, aht: float, patience: float | None, threshold: float, extra: int
) -> None:
    n = max(1, math.floor(load) + extra - (0 if patience is None else 15))
    if patience is None and n <= load:
        n = math.floor(load) + 1
    lam = load / aht
    fewer, more = (
        _figures(lam, aht, n, patience, threshold),
        _figures(lam, aht, n + 1, patience, threshold),
    )
    slack = 1e-12
    assert more.service_level >= fewer.service_level - slack
    assert more.service_level_answered >= fewer.service_level_answered - slack
    assert more.occupancy <= fewer.occupancy + slack
    assert more.p_wait <= fewer.p_wait + slack
    assert more.asa <= fewer.asa * (1 + slack)
    assert more.p_abandon <= fewer.p_abandon + slack


@settings(max_examples=100, deadline=None)
@given(
    load=st.floats(min_value=0.05, max_value=200.0),
    patience=st.floats(min_value=5.0, max_value=3600.0),
    t1=st.floats(min_value=0.0, max_value=120.0),
    t2=st.floats(min_value=0.0, max_value=120.0),
)
def test_a_longer_threshold_never_lowers_the_service_level(
    load: float, patience: float, t1: float, t2: float
) -> None:
    aht, n = 180.0, max(1, math.ceil(load))
    low, high = sorted((t1, t2))
    for p in (None, patience):
        if p is None and n <= load:
            continue
        assert _figures(load / aht, aht, n, p, high).service_level >= (
            _figures(load / aht, aht, n, p, low).service_level - 1e-12
        )


@settings(max_examples=100, deadline=None)
@given(
    load=st.floats(min_value=0.05, max_value=200.0),
    p1=st.floats(min_value=5.0, max_value=3600.0),
    p2=st.floats(min_value=5.0, max_value=3600.0),
)
def test_more_patient_callers_abandon_less_but_wait_more_often(
    load: float, p1: float, p2: float
) -> None:
    aht, n = 180.0, max(1, round(load))
    short, long = sorted((p1, p2))
    impatient = erlang_a_figures(load / aht, aht, n, short, 20.0)
    patient = erlang_a_figures(load / aht, aht, n, long, 20.0)
    assert patient.p_abandon <= impatient.p_abandon + 1e-12
    assert patient.p_wait >= impatient.p_wait - 1e-12


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="agents"):
        erlang_b(-1, 1.0)
    with pytest.raises(ValueError, match="mean_service_time"):
        erlang_c_figures(0.1, 0.0, 3, 20)
    with pytest.raises(ValueError, match="mean_patience"):
        erlang_a_figures(0.1, 100.0, 3, 0.0, 20)
    with pytest.raises(ValueError, match="threshold"):
        erlang_a_figures(0.1, 100.0, 3, 10.0, -1.0)
