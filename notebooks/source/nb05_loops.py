"""Notebook 5: loops to vectorized code."""

from tutorial_cells import HOW_TO_READ, SETUP, check, code, md, solution, test

TITLE = "Loops to vectorized code"

CELLS = [
    md("""
        # 5 · Loops to vectorized code

        A Python loop over an array pays the interpreter's price on every element: fetch the
        element, wrap it in a Python object, do the arithmetic in the interpreter, unwrap, store.
        One array expression does the same work in a compiled loop. This notebook goes through the
        usual disguises of the slow loop (index loops, comprehensions, `np.vectorize`, Python's
        builtins, growing arrays) with arrayprof, which suggests a rewrite for each, **runs it**
        against your original on copies of the inputs, and reports the measured speedup. About
        15 minutes.

        ## Predict the output

        ```python
        temps_f = np.empty_like(temps_c)        # temps_c: 100,000 temperatures in °C
        for i in range(len(temps_c)):
            temps_f[i] = temps_c[i] * 9 / 5 + 32
        ```

        The same conversion written as one array expression, `temps_c * 9 / 5 + 32`: is it about
        2x, 10x or 100x faster?
    """),
    HOW_TO_READ,
    SETUP,
    code("""
        rng = np.random.default_rng(4)
        temps_c = rng.normal(15, 8, 100_000)
    """),
    code("""
        %%arrayprof
        temps_f = np.empty_like(temps_c)
        for i in range(len(temps_c)):
            temps_f[i] = temps_c[i] * 9 / 5 + 32
    """),
    code("""
        report = last_report()
        advice = finding(report, "python-loop")
        rewrite = advice["rewrite"]
        print(f"[{advice['severity']}] line {advice['lineno']}: {advice['message']}")
        print(f"rewrite: {rewrite['code']}")
        print(f"verified on copies: {rewrite['verified']}, same values: {rewrite['equal']},"
              f" measured speedup: {rewrite['speedup']:.0f}x")
    """),
    test("""
        assert ("python-loop", 2) in findings(report)
        assert rewrite["code"] == "temps_f[:] = temps_c * 9 / 5 + 32"
        assert rewrite["kind"] == "equivalent" and rewrite["verified"] and rewrite["equal"]
        assert rewrite["speedup"] > 1
    """),
    md("""
        The exact factor depends on your machine, and it is measured, not guessed: arrayprof
        timed the loop and the rewrite (best of several runs) on copies of `temps_c` and
        `temps_f`, and checked that both produce the same values. For simple arithmetic like
        this, expect tens to hundreds of times.

        Why so much? The loop body runs 100,000 times in the interpreter, and each `temps_c[i]`
        creates a NumPy scalar object. The array expression runs a few compiled loops over
        contiguous memory. The memory price is small: the rewrite's temporaries are the size of
        the array (its peak is in the report), which is usually a good trade.

        ## 1. Comprehensions are loops too

        A list comprehension hides the loop but not its cost, and adds a Python list of 100,000
        float objects that `np.array` then converts back:
    """),
    code("""
        %%arrayprof
        temps_f = np.array([t * 9 / 5 + 32 for t in temps_c])
    """),
    code("""
        rewrite = finding(last_report(), "python-loop")["rewrite"]
        print(f"{rewrite['code']}   measured {rewrite['speedup']:.0f}x faster, same values:"
              f" {rewrite['equal']}")
    """),
    test("""
        assert ("python-loop", 1) in findings(last_report())
        assert rewrite["code"] == "temps_f = temps_c * 9 / 5 + 32"
        assert rewrite["verified"] and rewrite["equal"] and rewrite["speedup"] > 1
    """),
    md("""
        ## 2. `np.vectorize` is a loop with a nice name

        `np.vectorize(f)` makes `f` accept arrays, which is convenient, but it still calls `f`
        once per element in Python. Its documentation says so: it is provided "primarily for
        convenience, not for performance". Clipping temperatures to a sensor's range:
    """),
    code("""
        %%arrayprof
        clip = np.vectorize(lambda t: max(-10.0, min(40.0, t)))
        clipped = clip(temps_c)
    """),
    code("""
        advice = finding(last_report(), "np-vectorize")
        print(f"[{advice['severity']}] line {advice['lineno']}: {advice['message']}")
        print(f"rewrite: {advice['rewrite']['code']}   measured {advice['rewrite']['speedup']:.0f}x")
    """),
    test("""
        assert ("np-vectorize", 2) in findings(last_report())
        assert advice["rewrite"]["verified"] and advice["rewrite"]["equal"]
        assert advice["rewrite"]["speedup"] > 1
        assert np.array_equal(clipped, np.clip(temps_c, -10.0, 40.0))
    """),
    md("""
        `max`/`min` become `np.maximum`/`np.minimum` (element-wise), and NumPy has the whole thing
        as one function, `np.clip(temps_c, -10.0, 40.0)`. For `if`/`else` inside the function,
        reach for `np.where(condition, a, b)`; for a chain of conditions, `np.select`.

        ## 3. Python's builtins on arrays

        `sum`, `max`, `min`, `sorted`, `any`, `all` work on arrays because arrays are iterable,
        and that is exactly the problem: they iterate, element by element, in the interpreter.
    """),
    code("""
        %%arrayprof
        total = sum(temps_c)
        hottest = max(temps_c)
    """),
    code("""
        report = last_report()
        for advice in report["findings"]:
            print(f"[{advice['severity']}] line {advice['lineno']}: {advice['message']}"
                  f" -> {advice['rewrite']['code']} ({advice['rewrite']['speedup']:.0f}x)")
    """),
    test("""
        assert {("python-builtin", 1), ("python-builtin", 2)} <= findings(report)
        for advice in report["findings"]:
            assert advice["rewrite"]["verified"] and advice["rewrite"]["equal"]
            assert advice["rewrite"]["speedup"] > 1
        assert abs(total - np.sum(temps_c)) < 1e-6 * abs(total)
    """),
    md("""
        arrayprof grades each finding by what it cost in this cell: *info* when the loss is
        small in absolute terms, *warning* when it is worth fixing now. On 100,000 elements these
        are milliseconds; the habit is still worth having: `np.sum`, `np.max`, `arr.min()`,
        `np.sort`, `np.any`, `np.all`. (`np.sum` is also more accurate: it adds pairwise, while
        `sum()` adds one element at a time.)

        ## 4. Growing an array in a loop

        `np.append` does not append: it allocates a new array one element longer and copies
        everything so far. In a loop, the copying grows with the square of the length.
    """),
    code("""
        %%arrayprof
        log = np.array([])
        for t in temps_c[:5000]:
            log = np.append(log, t * 9 / 5 + 32)
    """),
    code("""
        report = last_report()
        line = line_row(report, 3)
        print(f"line 3 allocated {line['allocations']:,} buffers, {line['allocated_bytes']:,}"
              f" bytes in all, to build a {log.nbytes:,}-byte result")
        advice = finding(report, "growing-array")
        print(advice["rewrite"]["code"])
        print(f"measured {advice['rewrite']['speedup']:.1f}x faster, same values:"
              f" {advice['rewrite']['equal']}")
    """),
    test("""
        assert ("growing-array", 3) in findings(report)
        assert line["allocated_bytes"] > 1000 * log.nbytes
        assert advice["rewrite"]["verified"] and advice["rewrite"]["equal"]
        assert advice["rewrite"]["code"].startswith("log_parts = [np.ravel(log)]")
    """),
    md("""
        arrayprof's rewrite keeps your loop and only fixes the growing: collect pieces in a list
        (appending to a list is cheap) and concatenate once at the end. When the number of
        results is known, preallocating with `np.empty(n)` and filling is as good; and here the
        loop itself can go, since the body is element-wise:
    """),
    code("""
        %%arrayprof
        log = temps_c[:5000] * 9 / 5 + 32
    """),
    code("""
        report = last_report()
        numbers = report["numpy"]
        print(f"allocated {numbers['allocated_bytes']:,} bytes, kept"
              f" {numbers['allocated_bytes'] - numbers['temporary_bytes']:,} (log), peak"
              f" {numbers['peak_bytes']:,}")
    """),
    test("""
        assert numbers["allocated_bytes"] - numbers["temporary_bytes"] == log.nbytes == 40_000
        assert numbers["peak_bytes"] < 3 * log.nbytes
        assert not findings(report)
    """),
    md("""
        (The two intermediate results of the chain are 40 KB temporaries: below the size where
        NumPy reuses temporaries, as notebook 4 shows, and not worth worrying about.)
    """),
    md("""
        ## 5. Not every loop is element-wise

        arrayprof suggests removing a loop only when iteration `i` touches element `i` alone. A
        recurrence, where each step needs the previous result, has no single array expression.
        Exponential smoothing is one:
    """),
    code("""
        %%arrayprof
        smooth = np.empty_like(temps_c)
        smooth[0] = temps_c[0]
        for i in range(1, len(temps_c)):
            smooth[i] = 0.9 * smooth[i - 1] + 0.1 * temps_c[i]
    """),
    code("""
        print("advice:", sorted(findings(last_report())))
    """),
    test("""
        assert "python-loop" not in {category for category, _ in findings(last_report())}
    """),
    md("""
        Silence here is the right answer. Such loops are what `scipy.signal.lfilter` (this exact
        filter), `np.cumsum`/`np.cumprod`, `ufunc.accumulate`, or a JIT compiler such as Numba
        are for.

        ## What you measured

        Every profiled cell of this kernel is in `arrayprof.history()`, so the notebook can
        summarise itself:
    """),
    code("""
        rows = []
        for past in arrayprof.history():
            for advice in past.findings:
                if advice.rewrite is not None and advice.rewrite.speedup:
                    rows.append((advice.category, past.source.splitlines()[advice.lineno - 1].strip(),
                                 advice.rewrite.speedup))
        for category, source, speedup in rows:
            print(f"{category:<15} {source[:48]:<50} {speedup:>7.1f}x")
    """),
    test("""
        assert len(rows) >= 6 and all(speedup > 1 for _, _, speedup in rows)
    """),
    md("""
        `%arrayprof explain` works on any array, also the results of this notebook: `log` is a
        plain contiguous array that owns its data.
    """),
    code("""
        %arrayprof explain log
    """),
    md("""
        ## Exercises

        **Exercise 1.** A heat penalty: zero up to 25 °C, and the square of the excess above.
        Rewrite the loop as one array expression, then compare with what arrayprof proposes when
        you profile the loop.

        ```python
        penalty = np.empty_like(temps_c)
        for i, t in enumerate(temps_c):
            if t > 25:
                penalty[i] = (t - 25) ** 2
            else:
                penalty[i] = 0.0
        ```
    """),
    code("""
        # your answer here
    """),
    solution("""
        `np.where(condition, if_true, if_false)` is the element-wise `if`:

        ```python
        penalty = np.where(temps_c > 25, (temps_c - 25) ** 2, 0.0)
        ```

        or, without computing squares that are thrown away:
        `penalty = np.maximum(temps_c - 25, 0.0) ** 2`. Profiling the loop, arrayprof proposes the
        `np.where` form (writing into the existing `penalty[:]`) and reports its measured speedup.
    """),
    check("""
        # checks the solution above
        loop = ("penalty = np.empty_like(temps_c)\\nfor i, t in enumerate(temps_c):\\n"
                "    if t > 25:\\n        penalty[i] = (t - 25) ** 2\\n    else:\\n"
                "        penalty[i] = 0.0\\n")
        namespace = {"np": np, "temps_c": temps_c}
        exercise = arrayprof.profile(loop, namespace).to_dict()
        assert ("python-loop", 2) in findings(exercise)
        proposed = finding(exercise, "python-loop")["rewrite"]
        assert "np.where(temps_c > 25" in proposed["code"] and proposed["equal"]
        expected = namespace["penalty"]
        assert np.allclose(np.where(temps_c > 25, (temps_c - 25) ** 2, 0.0), expected)
        assert np.allclose(np.maximum(temps_c - 25, 0.0) ** 2, expected)
    """),
    md("""
        **Exercise 2.** Count the hot days (above 25 °C) in each week of the first 70,000 days.
        arrayprof says nothing about this loop: its body is a small reduction, not element-wise
        work. Vectorize it anyway. Hint: a reshape is free (notebook 1).

        ```python
        daily = temps_c[:70_000]
        hot_per_week = np.empty(10_000, dtype=np.int64)
        for w in range(10_000):
            hot_per_week[w] = (daily[7 * w:7 * w + 7] > 25).sum()
        ```
    """),
    code("""
        # your answer here
    """),
    solution("""
        View the days as a 10,000 x 7 table (a view: no copy) and count along the rows:

        ```python
        %%arrayprof
        hot_per_week = (temps_c[:70_000].reshape(-1, 7) > 25).sum(axis=1)
        ```

        The only big allocation is the boolean table (70,000 bytes), and one reduction replaces
        10,000 small ones.
    """),
    check("""
        # checks the solution above
        namespace = {"np": np, "temps_c": temps_c}
        loop = arrayprof.profile(
            "daily = temps_c[:70_000]\\nhot_per_week = np.empty(10_000, dtype=np.int64)\\n"
            "for w in range(10_000):\\n    hot_per_week[w] = (daily[7 * w:7 * w + 7] > 25).sum()\\n",
            namespace).to_dict()
        assert "python-loop" not in {category for category, _ in findings(loop)}
        expected = namespace["hot_per_week"].copy()
        fast = arrayprof.profile(
            "hot_per_week = (temps_c[:70_000].reshape(-1, 7) > 25).sum(axis=1)", namespace).to_dict()
        assert np.array_equal(namespace["hot_per_week"], expected)
        assert not findings(fast)
        assert fast["numpy"]["temporary_bytes"] >= 70_000  # the boolean table
    """),
    md("""
        **Next:** [6 · Dtypes](06_dtypes.ipynb): what an element costs, and what it can hold.
    """),
]
