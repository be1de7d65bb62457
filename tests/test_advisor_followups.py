"""Follow-ups to the advisor: one-line pairwise distances, NumPy scalars in dtype promotion and in
fix checks, what a temporary chain really measured, one finding per line for sum() over a
generator, decimal units in messages, and pre-cell copies the verifier needs."""

from __future__ import annotations

import numpy as np
import pytest

import arrayprof


def profile(code: str, **names: object) -> arrayprof.report.Report:
    return arrayprof.profile(code, {"np": np, **names})


def only(report: arrayprof.report.Report, category: str) -> arrayprof.report.Finding:
    found = [f for f in report.findings if f.category == category]
    assert len(found) == 1, [(f.category, f.lineno, f.severity) for f in report.findings]
    return found[0]


def alarms(report: arrayprof.report.Report) -> list[tuple[str, int | None, str]]:
    return [(f.category, f.lineno, f.severity) for f in report.findings if f.severity != "info"]


# -- 1. pairwise distances in one line ------------------------------------------------------------
PAIRWISE = [
    "D = np.sqrt(((X[:, None, :] - X[None, :, :]) ** 2).sum(axis=-1))\n",
    "D = np.linalg.norm(X[:, None] - X[None], axis=-1)\n",
    "D = ((X[:, np.newaxis] - X[np.newaxis]) ** 2).sum(-1) ** 0.5\n",
    "D = np.sqrt(np.sum((X[:, None, :] - X[None, :, :]) ** 2, axis=-1))\n",
]


@pytest.mark.parametrize("code", PAIRWISE)
def test_one_line_pairwise_distances_are_a_blowup(code: str) -> None:
    X = np.random.default_rng(0).random((2000, 3))
    report = profile(code, X=X)
    blow = only(report, "broadcast-blowup")
    assert blow.lineno == 1 and blow.severity == "warning"
    assert "96 MB" in blow.message and "only to be reduced" in blow.explanation
    rewrite = blow.rewrite
    assert rewrite is not None and rewrite.kind == "equivalent"
    assert rewrite.code.splitlines() == [
        "centred = X - X.mean(axis=0)", "sq = (centred ** 2).sum(1)",
        "D = np.sqrt(np.maximum(sq[:, None] + sq[None, :] - 2 * centred @ centred.T, 0))",
        "del centred, sq"]
    assert rewrite.verified and rewrite.equal and rewrite.compared == ["D"]
    assert "atol" in rewrite.check and "max |value|" in rewrite.check
    assert rewrite.peak_bytes_after < rewrite.peak_bytes_before
    assert rewrite.speedup is not None and rewrite.speedup > 1


def test_pairwise_squared_distances_between_two_sets() -> None:
    rng = np.random.default_rng(1)
    report = profile("D2 = ((A[:, None] - B[None]) ** 2).sum(2)\n", A=rng.random((1500, 4)),
                     B=rng.random((1000, 4)))
    blow = only(report, "broadcast-blowup")
    assert blow.lineno == 1 and blow.severity == "warning"
    assert blow.rewrite.code.splitlines() == [
        "shift = A.mean(axis=0)", "left, right = A - shift, B - shift",
        "D2 = np.maximum((left ** 2).sum(1)[:, None] + (right ** 2).sum(1)[None, :] - "
        "2 * left @ right.T, 0)", "del shift, left, right"]
    assert blow.rewrite.verified and blow.rewrite.equal


def test_pairwise_rewrite_holds_for_data_far_from_the_origin() -> None:
    """Centring keeps the Gram form accurate where |x|^2 is large (coordinates around 1000)."""
    X = 1000 + np.random.default_rng(10).random((2000, 3))
    blow = only(profile(PAIRWISE[0], X=X), "broadcast-blowup")
    assert blow.severity == "warning" and blow.rewrite is not None
    assert blow.rewrite.verified and blow.rewrite.equal, blow.rewrite.check


def test_pairwise_near_misses_stay_quiet() -> None:
    rng = np.random.default_rng(2)
    kept = profile("M = x[:, None] * y[None, :]\n", x=rng.random(2000), y=rng.random(2000))
    assert not [f for f in kept.findings if f.category == "broadcast-blowup"]
    column = profile("Z = (A - c).sum(1)\n", A=rng.random((2000, 500)), c=rng.random((2000, 1)))
    assert not [f for f in column.findings if f.category == "broadcast-blowup"]
    plane = profile(PAIRWISE[0].replace("X", "P"), P=rng.random((700, 2)))
    assert not [f for f in plane.findings if f.category == "broadcast-blowup"]
    small = profile(PAIRWISE[0], X=rng.random((100, 3)))
    assert not alarms(small)


# -- 2. NumPy scalars are strong types (NEP 50) ---------------------------------------------------
def test_numpy_float64_scalar_is_named_as_the_cause() -> None:
    h = np.random.default_rng(3).random(1_000_000).astype(np.float32)
    report = profile("c = h * np.float64(1.5)\n", h=h)
    up = only(report, "dtype-upcast")
    assert up.lineno == 1 and up.severity == "warning"
    assert "NumPy float64 scalar" in up.explanation and "strong" in up.explanation
    assert "Python float" not in up.explanation.split("where")[0]
    assert up.rewrite.code == "c = h * np.float32(1.5)"
    assert up.rewrite.verified and up.rewrite.check.startswith("c is now float32")


def test_uint8_times_a_float32_scalar_is_a_choice() -> None:
    p = np.random.default_rng(4).integers(0, 255, (1000, 1000), dtype=np.uint8)
    report = profile("s = p * np.float32(1.5)\n", p=p)
    assert not [f for f in report.findings if f.category == "dtype-upcast"]
    assert "np.float32(np.float32" not in str([f.rewrite for f in report.findings])
    # a Python float still promotes uint8 to float64, and says so
    up = only(profile("s = p * 1.5\n", p=p), "dtype-upcast")
    assert up.severity == "warning" and "Python float" in up.explanation
    assert up.rewrite.code == "s = p * np.float32(1.5)" and up.rewrite.verified


# -- 3. a fix whose result is a NumPy scalar ------------------------------------------------------
def test_accidental_outer_fix_checks_a_scalar_result() -> None:
    rng = np.random.default_rng(5)
    y_pred, y_true = rng.random((2000, 1)), rng.random(2000)
    report = profile("mse = ((y_pred - y_true) ** 2).mean()\n", y_pred=y_pred, y_true=y_true)
    blow = only(report, "broadcast-blowup")
    assert blow.lineno == 1 and blow.severity == "warning"
    rewrite = blow.rewrite
    assert rewrite.kind == "fix" and rewrite.verified
    assert rewrite.code == "mse = ((y_pred[:, 0] - y_true) ** 2).mean()"
    assert "not produced" not in rewrite.check
    expected = float(((y_pred[:, 0] - y_true) ** 2).mean())
    assert rewrite.check.startswith("mse is now computed from the 2,000 matched pairs")
    assert f"{expected:.6g}" in rewrite.check


# -- 4. what a temporary chain measured ----------------------------------------------------------
def test_temporary_chain_says_what_was_measured() -> None:
    x = np.random.default_rng(6).random(1_000_000)
    report = profile("y[:] = np.sqrt(x)*np.exp(x) + np.sin(x)*np.cos(x)\n", x=x,
                     y=np.empty(1_000_000))
    chain = only(report, "temporary-chain")
    assert chain.lineno == 1 and chain.severity == "warning"
    growth = report.line(1).peak_bytes
    assert growth == 24_000_000
    assert "rose 24 MB above what was live before the line" in chain.explanation
    assert "4 temporaries (32 MB over the whole line)" in chain.explanation
    assert "3 of them (24 MB) were alive together" in chain.explanation
    assert "(32 MB in all) were alive at once" not in chain.explanation
    assert chain.message == "temporaries raise memory by 24 MB while the line runs, for a 8 MB result"
    assert chain.rewrite.verified and chain.rewrite.equal
    assert chain.rewrite.peak_bytes_after < chain.rewrite.peak_bytes_before


# -- 5. sum() over a generator: one finding --------------------------------------------------------
def test_builtin_sum_of_a_generator_is_one_python_loop_finding() -> None:
    v = np.random.default_rng(7).random(300_000)
    report = profile("sq = sum(x * x for x in v)\n", v=v)
    assert [(f.category, f.lineno) for f in report.findings] == [("python-loop", 1)]
    loop = report.findings[0]
    assert loop.severity == "warning"
    assert loop.message.startswith("Python's sum() over a generator over v")
    assert loop.rewrite.code == "sq = np.sum(v * v)"
    assert loop.rewrite.verified and loop.rewrite.equal
    # sum() over the array itself is still python-builtin
    plain = profile("t = sum(v)\n", v=v)
    assert [(f.category, f.lineno, f.severity) for f in plain.findings] == [
        ("python-builtin", 1, "warning")]


# -- 6. decimal units from arrayprof.units ----------------------------------------------------------
def test_advisor_messages_use_the_projects_units() -> None:
    from arrayprof.advisor.facts import nbytes
    from arrayprof.units import human_bytes

    for n in (40, 2_400, 48_000, 8_000_000, 96_000_000, 1_500_000_000):
        assert nbytes(n) == human_bytes(n)
    X = np.random.default_rng(8).random((2000, 3))
    blow = only(profile(PAIRWISE[0], X=X), "broadcast-blowup")
    assert blow.message == "broadcast in subtract materialises 96 MB from 48 kB inputs"
    assert "KB" not in blow.explanation and "48 kB" in blow.explanation


# -- 7. pre-cell copies for verification ----------------------------------------------------------
def test_a_name_only_updated_in_place_is_copied_before_the_cell() -> None:
    from arrayprof.session import Session

    session = Session("acc += np.exp(d) * 2\n", {"np": np, "acc": np.zeros(10),
                                                  "d": np.ones(10)}, capture=True)
    session.run()
    assert "acc" in session.inputs.values
    assert np.array_equal(session.inputs.values["acc"], np.zeros(10))


def test_views_bound_by_tuple_unpacking_protect_their_base() -> None:
    from arrayprof.session import Session

    for code in ("lo, hi = data[:5], data[5:]\nhi -= 1\n",
                 "lo, hi = np.split(data, 2)\nhi -= 1\n"):
        session = Session(code, {"np": np, "data": np.arange(10.0)}, capture=True)
        session.run()
        assert "data" in session.inputs.values and "data" not in session.inputs.weak, code
        assert np.array_equal(session.inputs.values["data"], np.arange(10.0))


def test_augmented_chain_is_verified_on_the_pre_cell_accumulator() -> None:
    rng = np.random.default_rng(9)
    d1, d2 = rng.random(2_000_000), rng.random(2_000_000)
    acc = np.zeros(2_000_000)
    report = profile("acc += np.exp(-d1) * np.cos(d2) + np.exp(-d2) * np.sin(d1)\n",
                     d1=d1, d2=d2, acc=acc)
    chain = only(report, "temporary-chain")
    assert chain.lineno == 1 and chain.severity == "warning"
    rewrite = chain.rewrite
    assert rewrite.verified and rewrite.equal, rewrite.check
    assert rewrite.code.splitlines() == [
        "chain = -d1", "np.exp(chain, out=chain)", "chain *= np.cos(d2)", "acc += chain",
        "np.negative(d2, out=chain)", "np.exp(chain, out=chain)", "chain *= np.sin(d1)",
        "acc += chain", "del chain"]
    assert rewrite.peak_bytes_after < rewrite.peak_bytes_before
