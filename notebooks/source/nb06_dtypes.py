"""Notebook 6: dtypes."""

from tutorial_cells import HOW_TO_READ, SETUP, check, code, md, solution, test

TITLE = "Dtypes"

CELLS = [
    md("""
        # 6 · Dtypes

        The dtype decides what one element costs (1 byte for `uint8`, 8 for `float64`) and what it
        can hold. NumPy picks result dtypes by fixed promotion rules, which can multiply your
        memory without a word, and integer arithmetic wraps around without a warning. This
        notebook covers promotion as NumPy 2 does it (NEP 50), upcasts that multiply memory,
        integer overflow, float32 precision, and the object dtype. About 15 minutes.

        ## Predict the output

        ```python
        small = np.array([1, 2, 3], dtype=np.int8)
        halves = np.array([1, 2, 3], dtype=np.float32)
        (small * 1.5).dtype, (halves * 1.5).dtype
        ```

        Which dtypes come out? (Hint: the answer differs from what you might guess from "the
        result keeps the array's dtype".)
    """),
    HOW_TO_READ,
    SETUP,
    code("""
        %%arrayprof
        small = np.array([1, 2, 3], dtype=np.int8)
        halves = np.array([1, 2, 3], dtype=np.float32)
        (small * 1.5).dtype, (halves * 1.5).dtype
    """),
    test("""
        assert (small * 1.5).dtype == np.float64 and (halves * 1.5).dtype == np.float32
        assert (small * 1.5).itemsize == 8 * small.itemsize
    """),
    md("""
        `float64` and `float32`. An int8 array cannot hold 1.5, so the result must be a float,
        and NumPy's default float is float64: eight times the bytes of the input. The float32
        array already is a float, and the Python float `1.5` adapts to it.

        ## 1. Promotion rules (NEP 50)

        Since NumPy 2, the result dtype depends only on the dtypes involved, never on the values:

        - **Arrays and NumPy scalars** (`np.float64(1.5)`, `np.int32(7)`) are *strong*: the result
          is the smallest dtype that can represent both (`np.promote_types`).
        - **Python scalars** (`1`, `1.5`, `1j`) are *weak*: they take the array's dtype when their
          kind fits (an int into an integer array, a float into a float array); otherwise the
          kind goes up and NumPy's default for that kind (`float64`, `complex128`) is used.

        The same rules on 100,000 elements, with the bytes they cost:
    """),
    code("""
        %%arrayprof
        small = np.ones(100_000, dtype=np.int8)
        halves = np.ones(100_000, dtype=np.float32)
        a = small * 1.5
        b = halves * 1.5
        d = small + np.ones(100_000, dtype=np.uint8)
    """),
    code("""
        report = last_report()
        for name in ["small", "halves", "a", "b", "d"]:
            row = array_row(report, name)
            print(f"{name:<7} {row['dtype']:<8} {row['nbytes']:>9,} bytes")
        print("advice:", sorted(findings(report)))
    """),
    test("""
        dtypes = {row["name"]: (row["dtype"], row["nbytes"]) for row in report["arrays"]}
        assert dtypes["a"] == ("float64", 800_000)
        assert dtypes["b"] == ("float32", 400_000)
        assert dtypes["d"] == ("int16", 200_000)
        assert ("dtype-upcast", 3) in findings(report)
        assert finding(report, "dtype-upcast")["severity"] == "info"
        assert "dtype-upcast" not in {category for category, line in findings(report) if line == 4}
    """),
    md("""
        `int8 + uint8` gives `int16`: no 8-bit type holds both -128 and 255. arrayprof notes the
        eightfold upcast on line 3 (as *info*: 800 KB is not worth a warning).

        A strong scalar behaves like an array, and a weak Python int that does not fit the
        array's dtype is an error rather than a silent upcast:
    """),
    code("""
        print("float32 array * np.float64 scalar ->", (halves * np.float64(1.5)).dtype)
        print("float32 array * np.float32 scalar ->", (halves * np.float32(1.5)).dtype)
        print("int8 array + Python int 3          ->", (small + 3).dtype)
        try:
            small + 300
        except OverflowError as error:
            print("int8 array + Python int 300        -> OverflowError:", error)
        print("np.promote_types(np.int16, np.float32) ->", np.promote_types(np.int16, np.float32))
    """),
    test("""
        assert (halves * np.float64(1.5)).dtype == np.float64
        assert (halves * np.float32(1.5)).dtype == np.float32
        assert (small + 3).dtype == np.int8
        assert np.promote_types(np.int16, np.float32) == np.float32
        try:
            small + 300
        except OverflowError:
            pass
        else:
            raise AssertionError("int8 + 300 should raise under NEP 50")
    """),
    md("""
        ## 2. Upcasts that multiply memory

        Images, counts and sensor readings often arrive as `uint8` or `int16`. The first
        arithmetic with a Python float turns them into float64:
    """),
    code("""
        pixels = np.random.default_rng(7).integers(0, 255, size=(1000, 1000), dtype=np.uint8)
    """),
    code("""
        %%arrayprof
        scaled = pixels * 1.5
    """),
    code("""
        report = last_report()
        advice = finding(report, "dtype-upcast")
        rewrite = advice["rewrite"]
        print(f"pixels: {pixels.nbytes:,} bytes; scaled: {scaled.dtype}, {scaled.nbytes:,} bytes")
        print(f"[{advice['severity']}] {advice['message']}")
        print(f"fix: {rewrite['code']}  (peak {rewrite['peak_bytes_before']:,} ->"
              f" {rewrite['peak_bytes_after']:,} bytes)")
        print("checked:", rewrite["check"])
    """),
    test("""
        assert scaled.dtype == np.float64 and scaled.nbytes == 8 * pixels.nbytes == 8_000_000
        assert ("dtype-upcast", 1) in findings(report)
        assert rewrite["kind"] == "fix" and rewrite["verified"]
        assert rewrite["code"] == "scaled = pixels * np.float32(1.5)"
        assert rewrite["peak_bytes_after"] * 2 <= rewrite["peak_bytes_before"] + 16
    """),
    md("""
        arrayprof's fix makes the scalar a strong float32, so the result is float32: half the
        memory, and it ran the fix to show the values agree to float32 precision. Whether float32
        is precise enough is your call (section 4 helps); for pixel values it nearly always is.

        ## 3. Integer overflow

        Integer dtypes have a fixed range, and NumPy array arithmetic **wraps around** silently
        when a result leaves it: `int16` holds -32,768 to 32,767, and 32,767 + 1 is -32,768.
    """),
    code("""
        counts = np.random.default_rng(5).integers(0, 30_000, size=100_000, dtype=np.int16)
    """),
    code("""
        %%arrayprof
        doubled = counts * 2
        total = counts.sum()
    """),
    code("""
        report = last_report()
        exact = counts.astype(np.int64) * 2
        wrapped = int(np.sum(doubled != exact))
        first = int(np.argmax(doubled != exact))
        print(f"counts: {counts.dtype}, from {counts.min()} to {counts.max()}")
        print(f"doubled wrapped in {wrapped:,} of {doubled.size:,} elements;"
              f" e.g. {counts[first]} * 2 gave {doubled[first]}")
        advice = finding(report, "dtype-overflow")
        print(f"[{advice['severity']}] {advice['message']}; fix: {advice['rewrite']['code']}")
        print(f"counts.sum() is {total.dtype}: {total:,}")
    """),
    test("""
        assert wrapped > 0 and doubled[first] < 0 < counts[first]
        assert exact.max() > np.iinfo(np.int16).max >= counts.max()
        assert ("dtype-overflow", 1) in findings(report)
        assert finding(report, "dtype-overflow")["rewrite"]["code"] == "doubled = counts.astype(np.int32) * 2"
        assert f"{wrapped:,} elements" in finding(report, "dtype-overflow")["message"]
        assert total.dtype == np.int64 and total == counts.astype(np.int64).sum()
    """),
    md("""
        Two things to notice. The overflow did not warn (NumPy only warns for *scalar* overflow);
        arrayprof found it by recomputing the line in a wider dtype. And `counts.sum()` is
        right: reductions of small integer types accumulate in the platform's default integer
        (int64 here). Element-wise arithmetic stays in the input dtype, so widen first with
        `astype` when results can leave the range.

        ## 4. float32 precision

        float32 keeps about 7 significant decimal digits (24 bits of mantissa), float64 about 16.
        Above 2^24 = 16,777,216, float32 cannot even count by one:
    """),
    code("""
        big = np.float32(2**24)
        print(f"{big} + 1 = {big + np.float32(1)}; machine epsilon {np.finfo(np.float32).eps}")
    """),
    test("""
        assert big + np.float32(1) == big
    """),
    md("""
        Errors also pile up in long sums. Add 0.1 a million times in float32, once as a running
        total (`cumsum`, one addition after another) and once with `sum`, which NumPy computes
        pairwise:
    """),
    code("""
        %%arrayprof
        steps = np.full(1_000_000, 0.1, dtype=np.float32)
        running = steps.cumsum()
        pairwise = steps.sum()
        accurate = steps.sum(dtype=np.float64)
    """),
    code("""
        report = last_report()
        print(f"exact: 100000   running total: {running[-1]:.2f}   pairwise sum: {pairwise:.2f}"
              f"   float64 accumulator: {accurate:.2f}")
        print(f"steps and running: {array_row(report, 'running')['nbytes']:,} bytes each"
              f" (float64 would be twice that)")
    """),
    test("""
        assert 0.005 < abs(running[-1] - 100_000) / 100_000 < 0.02  # about one percent
        assert abs(pairwise - 100_000) < 1
        assert abs(accurate - 100_000) < 0.01
        assert array_row(report, "running")["nbytes"] == 4_000_000
    """),
    md("""
        The running total drifts by about one percent; the pairwise sum is fine. The rule: store
        in float32 when 7 digits are enough and memory matters, but accumulate long sums in
        float64 (`dtype=np.float64` in `sum`, `mean` and `cumsum`).

        ## 5. The object dtype

        `dtype=object` makes an array of pointers to Python objects. NumPy's buffer holds only
        the pointers; every number is a separate Python object elsewhere, and every operation
        runs in the interpreter. It happens by accident, e.g. from lists holding `None` or
        mixed types, or `pandas` columns of mixed content.
    """),
    code("""
        import sys

        prices_list = np.random.default_rng(6).random(200_000).tolist()
    """),
    code("""
        %%arrayprof
        vals = np.array(prices_list, dtype=object)
        total = vals.sum()
    """),
    code("""
        report = last_report()
        python_objects = sum(sys.getsizeof(v) for v in vals)
        print(f"NumPy buffer (pointers): {array_row(report, 'vals')['nbytes']:,} bytes;"
              f" the float objects behind them: {python_objects:,} bytes more")
        advice = finding(report, "object-dtype")
        print(f"[{advice['severity']}] {advice['message']}")
        if advice["rewrite"] is not None:  # offered when it measured faster on this machine
            print(f"rewrite: {advice['rewrite']['code']!r}, measured {advice['rewrite']['speedup']}x")
    """),
    test("""
        assert array_row(report, "vals")["dtype"] == "object"
        assert array_row(report, "vals")["nbytes"] == 8 * 200_000
        assert python_objects == 200_000 * sys.getsizeof(0.5)
        assert ("object-dtype", 1) in findings(report)
        assert advice["rewrite"] is None or (advice["rewrite"]["verified"] and advice["rewrite"]["equal"])
    """),
    code("""
        %arrayprof explain vals
    """),
    md("""
        As float64 the same numbers are one 1.6 MB buffer, with nothing behind it. Check
        `arr.dtype` when data comes from lists or files, and convert with
        `arr.astype(np.float64)` (missing values become `np.nan`, not `None`).

        ## Summary

        | dtype | bytes | holds |
        | --- | --- | --- |
        | `bool`, `int8`, `uint8` | 1 | -128..127 / 0..255 |
        | `int16`, `uint16`, `float16` | 2 | -32,768..32,767 / 0..65,535 / ~3 digits |
        | `int32`, `float32` | 4 | ±2.1e9 / ~7 digits |
        | `int64`, `float64` | 8 | ±9.2e18 / ~16 digits |
        | `object` | 8 + a Python object | anything, slowly |
    """),
    test("""
        assert np.iinfo(np.int32).max == 2_147_483_647 and np.iinfo(np.int16).max == 32_767
        assert np.finfo(np.float32).precision == 6 and np.finfo(np.float64).precision == 15
        assert np.finfo(np.float16).precision == 3
        assert [np.dtype(t).itemsize for t in ("int8", "int16", "float32", "float64", "object")] == [
            1, 2, 4, 8, 8]
    """),
    md("""
        (`np.finfo(...).precision` reports 6 and 15 decimal digits that are *always* exact; "about
        7 and 16" counts the digits usually right.)

        ## Exercises

        **Exercise 1.** Predict the result dtype of each expression, or that it raises:

        ```python
        i16 = np.ones(3, dtype=np.int16)
        i32 = np.ones(3, dtype=np.int32)
        u8 = np.ones(3, dtype=np.uint8)
        f32 = np.ones(3, dtype=np.float32)
        flags = np.ones(3, dtype=bool)

        i16 + i32
        u8 + 3
        u8 + 300
        f32 + np.float64(1)
        i32 / 2
        i32 // 2
        flags + flags
        ```
    """),
    code("""
        # your answer here
    """),
    solution("""
        | expression | result |
        | --- | --- |
        | `i16 + i32` | `int32` |
        | `u8 + 3` | `uint8`: the weak Python int fits |
        | `u8 + 300` | `OverflowError`: 300 does not fit in uint8 |
        | `f32 + np.float64(1)` | `float64`: a NumPy scalar is strong |
        | `i32 / 2` | `float64`: true division always gives floats |
        | `i32 // 2` | `int32` |
        | `flags + flags` | `bool`: `+` on booleans is logical or (`True + True` is `True`) |
    """),
    check("""
        # checks the solution above
        i16, i32 = np.ones(3, dtype=np.int16), np.ones(3, dtype=np.int32)
        u8, f32, flags = np.ones(3, dtype=np.uint8), np.ones(3, dtype=np.float32), np.ones(3, dtype=bool)
        assert (i16 + i32).dtype == np.int32
        assert (u8 + 3).dtype == np.uint8
        try:
            u8 + 300
        except OverflowError:
            pass
        else:
            raise AssertionError("u8 + 300 should raise")
        assert (f32 + np.float64(1)).dtype == np.float64
        assert (i32 / 2).dtype == np.float64 and (i32 // 2).dtype == np.int32
        assert (flags + flags).dtype == np.bool_ and (flags + flags).all()
    """),
    md("""
        **Exercise 2.** A 12-bit sensor reports integers from 0 to 4095; two million readings
        were stored as float64. Choose the smallest dtype that holds them exactly, convert, and
        compute the mean. How much memory did you save (check with `%%arrayprof`)? Is the mean
        still right?
    """),
    code("""
        adc = np.random.default_rng(8).integers(0, 4096, size=2_000_000).astype(np.float64)
    """),
    code("""
        # your answer here
    """),
    solution("""
        4095 does not fit in `uint8` (0..255) but fits in `uint16` (0..65,535):

        ```python
        %%arrayprof
        adc16 = adc.astype(np.uint16)
        mean16 = adc16.mean()
        ```

        `adc16` takes 4,000,000 bytes instead of 16,000,000. The mean is exact: `mean`
        accumulates integer input in float64. Careful with arithmetic on `adc16`, though:
        `adc16 * 20` wraps around above 65,535; widen first.
    """),
    check("""
        # checks the solution above
        namespace = {"np": np, "adc": adc}
        exercise = arrayprof.profile("adc16 = adc.astype(np.uint16)\\nmean16 = adc16.mean()",
                                     namespace).to_dict()
        assert array_row(exercise, "adc16")["nbytes"] == 4_000_000 and adc.nbytes == 16_000_000
        assert np.array_equal(namespace["adc16"], adc)
        assert namespace["mean16"] == adc.mean()
        assert (namespace["adc16"] * 20).max() < adc.max() * 20  # wrapped around
    """),
    md("""
        That's the series. Back to the [index](README.md).
    """),
]
