"""The advisor on cells written unlike both cases/examples and the style cases (functions defined
in the cell, zip/enumerate/while loops, chained indexing, multi-line statements, ML-ish code) and
on near misses that must stay quiet.

Scoring follows cases/examples/README.md: a finding counts when its category matches and its line
is the expected one or the header of a loop around it (or the reverse); a warning in a category
the case does not expect is a false alarm; a case's ``expect-not`` categories must be silent
altogether.  Every rewrite offered must be verified: equivalent ones equal on copies of the
inputs, fixes with their check confirmed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import arrayprof
import arrayprof.advisor

sys.path.insert(0, str(Path(__file__).resolve().parent))
from advisor_harness import check_case, parse, run_case
from advisor_unseen_cases import CASES as FIRST
from advisor_unseen_cases import FOURTH, HELD_OUT, THIRD

CASES = {**FIRST, **HELD_OUT, **THIRD, **FOURTH}

# Rewrites that cannot be verified by design, with the reason the report must give.
UNVERIFIABLE: dict[tuple[str, str], str] = {
    # (none left: a name the cell only updates in place, ``acc += ...``, now has its pre-cell
    # copy, so tc_augmented_assignment's rewrite is verified like any other)
}


# Cells that raise on purpose (the report is still complete up to the error).
RAISING = {"t_error_after_finding", "t_ok_error_in_cell"}


def run(name: str) -> tuple[arrayprof.report.Report, str, list, list]:
    return run_case(CASES[name])


@pytest.mark.parametrize("name", sorted(CASES))
def test_unseen_case(name: str) -> None:
    check_case(name, CASES[name], UNVERIFIABLE, may_raise=name in RAISING)


def test_near_misses_are_silent() -> None:
    """Every near miss (a case expecting nothing) has no warning at all."""
    quiet = [name for name in CASES if name.startswith(("ok_", "h_ok_", "t_ok_", "f_ok_")) and
             not parse(CASES[name])[2]]
    assert len(quiet) >= 15
    for name in quiet:
        report, *_ = run(name)
        assert not [f for f in report.findings if f.severity != "info"], (
            name, [(f.category, f.lineno, f.severity) for f in report.findings])


def finding_of(name: str, category: str) -> arrayprof.report.Finding:
    report, *_ = run(name)
    return next(f for f in report.findings if f.category == category)


def test_loop_inside_a_function_is_rewritten_in_place() -> None:
    loop = finding_of("pl_loop_inside_function", "python-loop")
    assert loop.lineno == 4 and loop.severity == "warning"
    assert loop.rewrite.code == "    scaled[:] = (values - mu) / sd"
    assert loop.rewrite.lines == [4, 5]
    assert "zs" in loop.rewrite.compared and loop.rewrite.equal


def test_moving_average_becomes_a_sliding_window() -> None:
    loop = finding_of("pl_moving_average", "python-loop")
    assert "sliding_window_view(prices, 20)" in loop.rewrite.code
    assert loop.rewrite.code.endswith(".mean(axis=-1)") and loop.rewrite.equal


def test_list_rebound_after_the_loop() -> None:
    loop = finding_of("pl_zip_append_then_array", "python-loop")
    assert loop.rewrite.code == "bmi.extend(weights / (heights * heights))"
    assert loop.rewrite.lines == [2, 3] and loop.rewrite.equal


def test_running_max_and_decorated_vectorize() -> None:
    assert finding_of("pl_running_max_if", "python-loop").rewrite.code == \
        "best = max(best, np.max(scores))"
    vec = finding_of("nv_decorator_elif", "np-vectorize")
    assert vec.rewrite.code == "labels = np.where(u < 0.2, 0, np.where(u < 0.7, 1, 2))"


def test_growing_dict_entry_is_collected_in_a_list() -> None:
    grow = finding_of("ga_dict_entry", "growing-array")
    assert grow.rewrite.code.splitlines()[0] == "loss_parts = [np.ravel(log['loss'])]"
    assert grow.rewrite.code.splitlines()[-1] == "log['loss'] = np.concatenate(loss_parts)"
    assert grow.rewrite.equal


def test_timed_runs_pause_the_collector() -> None:
    """A long-lived kernel has a large heap: a full collection landing in one side's timed run
    made the 2.5x faster list-and-concatenate rewrite of `ga_dict_entry` measure 0.02x, and it
    was dropped.  Timed runs pause the cyclic collector as `timeit` does, and restore it."""
    import gc

    from arrayprof.advisor.verify import timed_exec

    collections: list[str] = []
    gc.callbacks.append(lambda phase, info: collections.append(phase))
    try:
        code = compile("cycles = [[{}] for _ in range(50_000)]\nfor c in cycles: c.append(c)\n"
                       "seen = len(collections)", "<t>", "exec")
        namespace = {"collections": collections}
        assert timed_exec(code, namespace) > 0
        assert namespace["seen"] == 0 and gc.isenabled()
        gc.disable()
        timed_exec(code, namespace)
        assert not gc.isenabled()  # a user who disabled it keeps it disabled
    finally:
        gc.enable()
        gc.callbacks.pop()


def test_keepdims_fixes_say_what_they_confirm() -> None:
    report, *_ = run("mk_softmax_axis_minus_one")
    fixes = {f.lineno: f.rewrite for f in report.findings if f.category == "missing-keepdims"}
    assert fixes[1].code == "shifted = logits - logits.max(axis=-1, keepdims=True)"
    assert "max 0" in fixes[1].check
    assert "sum 1" in fixes[2].check
    inside = finding_of("mk_inside_function_positional_axis", "missing-keepdims")
    assert inside.rewrite.code == "    return M - M.mean(1, keepdims=True)"
    assert "mean 0" in inside.rewrite.check


def test_overflow_fixes_for_augmented_and_returned_values() -> None:
    aug = finding_of("do_augmented_uint8", "dtype-overflow")
    assert aug.rewrite.code == "counts = counts.astype(np.uint16) + 100"
    assert aug.rewrite.check.startswith("no wraparound")
    ret = finding_of("do_int32_in_function", "dtype-overflow")
    assert ret.rewrite.code == "    return ms.astype(np.int64) * 1000"
    assert ret.rewrite.check.startswith("no wraparound")


def test_view_returned_by_a_function_is_copied_at_the_return() -> None:
    pin = finding_of("vp_returned_from_function", "view-pins-base")
    assert pin.lineno == 3 and pin.rewrite.code == "    return raw[:20].copy()"
    assert pin.rewrite.compared == ["preview"] and pin.rewrite.equal


def test_api_misuse_rewrites() -> None:
    normal = finding_of("am_normal_equations", "api-misuse")
    assert normal.rewrite.code == "beta = np.linalg.solve(X.T @ X, X.T @ y)"
    kept = finding_of("am_inverse_on_its_own_line", "api-misuse")
    assert kept.rewrite.code == "alpha = np.linalg.solve(K, targets)"
    assert kept.rewrite.lines == [1, 2] and kept.rewrite.equal
    log = finding_of("am_log_one_plus", "api-misuse")
    assert log.rewrite.kind == "fix" and log.rewrite.code == "growth = np.log1p(rates)"
    nan = finding_of("am_nan_filter", "api-misuse")
    assert "finds 1,429 NaN" in nan.rewrite.check


def test_temporary_chain_in_a_function_returns_the_in_place_result() -> None:
    chain = finding_of("tc_gelu_in_function", "temporary-chain")
    code = chain.rewrite.code.splitlines()
    assert code[0] == "    chain = np.array(t)" and code[-1] == "    return chain"
    assert chain.rewrite.equal and chain.rewrite.peak_bytes_after < chain.rewrite.peak_bytes_before


def test_held_out_rewrites() -> None:
    hist = finding_of("h_histogram_by_hand", "python-loop")
    assert hist.rewrite.code == "np.add.at(counts, labels, 1)" and hist.rewrite.equal
    cols = finding_of("h_noncontig_center_columns", "python-loop")
    assert cols.rewrite.code == "D[:, :] = D - D.mean(axis=0)" and cols.rewrite.equal
    diag = finding_of("h_noncontig_diag_products", "python-loop")
    if diag.rewrite is None:
        # measured about 2x faster on a quiet machine; a loaded one can time it under the 1.1x
        # an offer needs, and then the finding says the rewrite was tried and measured
        assert "was measured on copies of the inputs but was neither faster" in diag.explanation
    else:
        assert diag.rewrite.code == "d[:] = np.einsum('ij,ij->i', A, B.T)"
    mapped = finding_of("h_map_lambda", "python-loop")
    assert mapped.rewrite.code == "squashed = 1.0 / (1.0 + np.exp(-z))"
    helper = finding_of("h_helper_function_in_comprehension", "python-loop")
    assert helper.rewrite.code == "ys = xs * xs * (3.0 - 2.0 * xs)" and helper.rewrite.equal
    cast = finding_of("h_overflow_astype_narrow", "dtype-overflow")
    assert cast.rewrite.code == "compact = readings.astype(np.int32)"
    assert cast.rewrite.check.startswith("no wraparound")
    aug = finding_of("h_keepdims_augmented", "missing-keepdims")
    assert aug.rewrite.code == "S -= S.mean(axis=1, keepdims=True)"


def test_third_batch_rewrites() -> None:
    method = finding_of("t_loop_in_method", "python-loop")
    assert method.rewrite.code == "        res[:] = arr * self.k" and method.rewrite.equal
    rows = finding_of("t_matrix_times_row", "python-loop")
    assert rows.rewrite.code == "H[:] = X @ W.T" and rows.rewrite.equal
    products = finding_of("t_overflow_int8_sum_of_products", "dtype-overflow")
    assert products.message.startswith("int8 arithmetic wrapped around")
    assert products.rewrite.code == "acc = (w8.astype(np.int16) * x8).astype(np.int32).sum()"
    assert products.rewrite.check.startswith("no wraparound")


def test_verification_does_not_repeat_the_cells_warnings(capfd: pytest.CaptureFixture) -> None:
    run("t_ok_small_everything")  # sum() of uint8 scalars overflows and warns once
    err = capfd.readouterr().err
    assert err.count("RuntimeWarning") <= 1, err


def test_keepdims_fix_covers_every_reduction_of_the_source() -> None:
    scale = finding_of("mk_min_max_scaling", "missing-keepdims")
    assert scale.rewrite.code == ("Y = (X - X.min(1, keepdims=True)) / "
                                  "(X.max(1, keepdims=True) - X.min(1, keepdims=True))")
    assert "min 0" in scale.rewrite.check


GARBAGE_CHECK = """
import gc, sys, warnings
from collections import Counter
warnings.simplefilter("ignore")
sys.path.insert(0, {tests!r})
import arrayprof, arrayprof.advisor
from advisor_unseen_cases import CASES, HELD_OUT, THIRD
cases = {{**CASES, **HELD_OUT, **THIRD}}

def garbage(name, profiled):
    setup, cell = cases[name].split("# --- cell ---\\n")
    ns = {{}}
    exec(setup, ns)
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    arrayprof.profile(cell, ns) if profiled else exec(cell, ns)
    del ns
    gc.collect()
    gc.set_debug(0)
    found = Counter(type(o).__name__ for o in gc.garbage)
    gc.garbage.clear()
    return found

for name in {names!r}:
    garbage(name, True)  # the first run imports what it needs
    plain, profiled = garbage(name, False), garbage(name, True)
    assert plain == profiled, (name, dict(plain), dict(profiled))
print("ok")
"""


def test_advice_leaves_no_cyclic_garbage() -> None:
    """Rules, function replays and verification runs leave no reference cycles behind (the
    automatic mode runs the advisor after every cell, where garbage would move the user's
    collections): the collector finds exactly what running the cell plainly leaves."""
    import subprocess

    names = ["pl_loop_inside_function", "h_map_lambda", "bb_reshape_column_equal",
             "h_helper_function_in_comprehension", "t_overflow_int8_sum_of_products",
             "mk_inside_function_positional_axis", "ga_dict_entry", "nv_decorator_elif"]
    script = GARBAGE_CHECK.format(tests=str(Path(__file__).resolve().parent), names=names)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0 and done.stdout.rstrip().endswith("ok"), done.stderr[-3000:]


def test_fourth_batch_rewrites() -> None:
    rows = finding_of("f_loop_normalise_rows_inplace", "python-loop")
    assert rows.rewrite.code == "R[:] /= R.sum(axis=1)[:, None]" and rows.rewrite.equal
    cum = finding_of("f_overflow_cumsum_dtype", "dtype-overflow")
    assert cum.rewrite.code == "position = np.cumsum(steps, dtype=np.int32)"
    assert cum.rewrite.check.startswith("no wraparound")
    kept = finding_of("f_blowup_cdist_min", "broadcast-blowup")
    assert kept.lineno == 1 and kept.severity == "warning" and "only ever reduces diff" in \
        kept.explanation
