"""Human units for bytes and times, shared by every renderer and message."""

from __future__ import annotations


def human_bytes(n: float | None) -> str:
    """1234567 -> '1.2 MB' (decimal units, as NumPy users quote array sizes: 8e6 bytes = 8 MB)."""
    if n is None:
        return "-"
    sign = "-" if n < 0 else ""
    n = abs(float(n))
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if n < 1000 or unit == "TB":
            if unit == "B":
                return f"{sign}{int(n)} B"
            return f"{sign}{n:.3g} {unit}" if n < 100 else f"{sign}{n:.0f} {unit}"
        n /= 1000
    return f"{sign}{n:.0f} TB"


def parse_bytes(text: str) -> int:
    """'10MB', '512 kB', '1.5GiB', '2000' -> bytes (for --threshold)."""
    cleaned = text.strip().replace(" ", "").lower()
    units = {"tib": 1024**4, "gib": 1024**3, "mib": 1024**2, "kib": 1024, "tb": 1000**4,
             "gb": 1000**3, "mb": 1000**2, "kb": 1000, "b": 1}
    suffix = next((unit for unit in units if cleaned.endswith(unit)), "")
    number, factor = (cleaned[: -len(suffix)], units[suffix]) if suffix else (cleaned, 1)
    try:
        value = float(number)
    except ValueError:
        raise ValueError(f"not a size: {text!r} (try 10MB, 512kB or 1GiB)") from None
    if value < 0:
        raise ValueError(f"a size cannot be negative: {text!r}")
    return int(value * factor)


def human_seconds(s: float) -> str:
    if s < 1e-3:
        return f"{s * 1e6:.0f} µs"
    if s < 1:
        return f"{s * 1e3:.1f} ms"
    return f"{s:.2f} s"
