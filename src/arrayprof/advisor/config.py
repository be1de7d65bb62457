"""Thresholds the advisor judges cost against, in one place so users and tests can tune them.

A finding is a warning only when its cost in *this* cell is real (more than `warn_bytes` wasted or
more than `warn_seconds` lost); below that it is `info`, so small cells are not nagged about
patterns that cost nothing at their size.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class AdvisorConfig:
    """Every number a rule or the verifier decides with."""

    warn_bytes: int = 1 << 20  # more than 1 MB wasted is worth a warning
    warn_seconds: float = 0.010  # more than 10 ms lost is worth a warning
    silent_bytes: int = 64 << 10  # memory findings below this are not reported at all
    blowup_factor: float = 4.0  # result bytes vs largest input, and vs what the line keeps
    # a broadcast the same line reduces right away (an (N, N, 3) summed to (N, N)): temporary
    # bytes vs what the line keeps.  Below 3x (an (N, N, 2) for pairwise distances in the plane)
    # the identities that avoid it need an (N, N) scratch array themselves, so little is saved
    reduced_factor: float = 3.0
    temporary_factor: float = 1.5  # line peak above its result, in multiples of the result
    pin_factor: float = 10.0  # a view pinning a base this many times its own size
    upcast_factor: int = 2  # result itemsize vs narrowest array operand
    # an equivalent rewrite worse than the original by more than this on any axis (peak bytes,
    # time) is not offered, however much it wins on the other (issue 12)
    worse_factor: float = 3.0
    # time is measured on a shared machine: a slowdown counts only past 5x, which noise is not
    worse_time_factor: float = 5.0
    verify_seconds: float = 10.0  # time budget for verifying all rewrites of one cell
    # automatic mode: verification of one cell within its own time x factor + slack (issue 12)
    auto_verify_factor: float = 1.0
    auto_verify_slack: float = 0.050
    verify_bytes: int = 1 << 30  # memory budget per verification (copies + peak)
    verify_repeats: int = 5  # best-of-N timing
    progress_after_s: float = 1.0  # print progress on stderr after this long
    overflow_check_bytes: int = 256 << 20  # widest arrays the overflow check re-computes
    scope_replay_seconds: float = 3.0  # re-run the cell's functions for their locals below this


CONFIG = AdvisorConfig()


def severity(bytes_wasted: float = 0, seconds_lost: float = 0,
             config: AdvisorConfig = CONFIG) -> str:
    """`warning` when the measured or estimated cost crosses a threshold, else `info`."""
    if bytes_wasted > config.warn_bytes or seconds_lost > config.warn_seconds:
        return "warning"
    return "info"
