"""Notebook 3: broadcasting."""

from tutorial_cells import HOW_TO_READ, SETUP, check, code, md, solution, test

TITLE = "Broadcasting"

CELLS = [
    md("""
        # 3 · Broadcasting

        Broadcasting lets you combine arrays of different shapes without writing loops or copying
        data: `data - data.mean(axis=0)` just works. It follows three short rules, and most
        broadcasting surprises (wrong answers with no error, or a laptop running out of memory)
        come from one of them. This notebook walks through the rules with arrayprof, then
        looks at `keepdims`, the `(N,)` versus `(N, 1)` trap, and the memory cost of pairwise
        distances. About 15 minutes.

        ## Predict the output

        ```python
        x = np.arange(3)            # shape (3,)
        y = np.arange(3)[:, None]   # shape (3, 1)
        (x + y).shape
        ```

        What shape does `x + y` have?
    """),
    HOW_TO_READ,
    SETUP,
    code("""
        %%arrayprof
        x = np.arange(3)
        y = np.arange(3)[:, None]
        total = x + y
        total.shape
    """),
    md("""
        `(3, 3)`: a 3 x 3 table with `x[j] + y[i]` in row `i`, column `j`. Neither input had that
        shape. The report's *Broadcasts* section lists the operation on line 3 as a broadcast,
        with the result shape and how much bigger it is than the largest input (its *expansion*).
    """),
    code("""
        report = last_report()
        op = next(op for op in report["ops"] if op["lineno"] == 3)
        print(f"line 3: {op['name']}, operands {[o['shape'] for o in op['operands']]},"
              f" result {op['result']['shape']}, broadcast={op['broadcast']},"
              f" expansion {op['expansion']}x")
    """),
    test("""
        assert total.shape == (3, 3)
        assert op["name"] == "add" and op["broadcast"] and op["result"]["shape"] == [3, 3]
        assert [o["shape"] for o in op["operands"]] == [[3], [3, 1]]
        assert op["expansion"] == 3.0
    """),
    md("""
        ## 1. The three rules

        To combine two arrays, NumPy compares their shapes **from the right**:

        1. If one array has fewer dimensions, pad its shape with 1s **on the left**.
        2. On each axis the sizes must be **equal, or one of them must be 1**.
        3. An axis of size 1 is **stretched** to the other size. The result takes the larger
           size on every axis.

        `%arrayprof explain --broadcast A B` applies the rules step by step to any two arrays or
        expressions:
    """),
    code("""
        %arrayprof explain --broadcast x y
    """),
    md("""
        A classic example from NumPy's documentation, with shapes only (tuples are read as
        shapes of float64 arrays):
    """),
    code("""
        %arrayprof explain --broadcast (8,1,6,1) (7,1,5)
    """),
    md("""
        And a pair that does not broadcast: the rules fail on the last axis, which is exactly the
        error NumPy raises.
    """),
    code("""
        %arrayprof explain --broadcast (4,3) (4,)
    """),
    test("""
        from arrayprof.explain import explain_broadcast

        assert np.broadcast_shapes((8, 1, 6, 1), (7, 1, 5)) == (8, 7, 6, 5)
        assert "(8, 7, 6, 5)" in explain_broadcast((8, 1, 6, 1), (7, 1, 5))
        assert "fails at axis 1" in explain_broadcast((4, 3), (4,))
        try:
            np.ones((4, 3)) + np.ones(4)
        except ValueError as error:
            assert "could not be broadcast" in str(error)
        else:
            raise AssertionError("(4, 3) + (4,) should not broadcast")
    """),
    md("""
        ### Stretching costs nothing, the result does

        The stretched input is never copied: NumPy reads it with a **stride of 0** along the
        stretched axis (notebook 2). `np.broadcast_to` shows that view on its own: 24 bytes
        behave like 24,000.
    """),
    code("""
        %%arrayprof
        small = np.arange(3.0)
        wide = np.broadcast_to(small, (1000, 3))
    """),
    code("""
        facts = array_row(last_report(), "wide")
        print(f"wide: shape {facts['shape']}, strides {facts['strides']}, nbytes {facts['nbytes']:,},"
              f" but it spans {facts['span_bytes']} bytes of {facts['base']}")
        print(f"line 2 allocated {line_row(last_report(), 2)['allocated_bytes']} bytes")
    """),
    test("""
        assert facts["strides"] == [0, 8] and facts["span_bytes"] == 24
        assert facts["nbytes"] == 24_000 and facts["base"] == "small"
        assert line_row(last_report(), 2)["allocations"] == 0
    """),
    md("""
        What does cost memory is the **result** of a broadcast operation: it has the full
        broadcast shape. Keep that in mind for section 4.

        ## 2. `keepdims`: reductions that broadcast back correctly

        Centering each row of a table means subtracting each row's mean. `data.mean(axis=1)` has
        shape `(rows,)`, and rule 1 pads it **on the left** to `(1, rows)`: it lines up with the
        *columns*, not the rows. On a non-square table that is an error. On a square table it
        silently subtracts the wrong numbers.
    """),
    code("""
        %%arrayprof
        data = np.random.default_rng(1).random((1000, 1000))
        row_means = data.mean(axis=1)
        centered = data - row_means
    """),
    code("""
        report = last_report()
        advice = finding(report, "missing-keepdims")
        print(f"[{advice['severity']}] line {advice['lineno']}: {advice['message']}")
        print("fix:", advice["rewrite"]["code"])
        print("checked:", advice["rewrite"]["check"])
        print(f"largest |row mean| after centering: {np.abs(centered.mean(axis=1)).max():.3f}")
    """),
    test("""
        assert ("missing-keepdims", 3) in findings(report)
        rewrite = finding(report, "missing-keepdims")["rewrite"]
        assert rewrite["kind"] == "fix" and rewrite["verified"] and not rewrite["equal"]
        assert np.abs(centered.mean(axis=1)).max() > 0.01  # the rows are not centred
    """),
    md("""
        `keepdims=True` keeps the reduced axis with size 1, so the means have shape `(1000, 1)`
        and stretch along the columns, as intended:
    """),
    code("""
        %%arrayprof
        row_means = data.mean(axis=1, keepdims=True)
        centered = data - row_means
    """),
    code("""
        report = last_report()
        print("row_means shape:", array_row(report, "row_means")["shape"])
        print(f"largest |row mean| after centering: {np.abs(centered.mean(axis=1)).max():.1e}")
        print("advice:", sorted(findings(report)))
    """),
    test("""
        assert array_row(report, "row_means")["shape"] == [1000, 1]
        assert np.abs(centered.mean(axis=1)).max() < 1e-12
        assert not findings(report)
    """),
    md("""
        On a table that is not square, the same mistake raises an error, which is the lucky case:
    """),
    code("""
        %arrayprof explain --broadcast (1000,200) (1000,)
    """),
    md("""
        ## 3. The `(N,)` versus `(N, 1)` trap

        A model returns predictions as a column, shape `(N, 1)`; the targets are a flat `(N,)`
        vector. Subtracting them looks innocent, and by rule 1 it compares **every** prediction
        with **every** target: an `(N, N)` array. No error, a wrong error metric, and N times the
        memory.
    """),
    code("""
        rng = np.random.default_rng(2)
        y_true = rng.random(2000)
        y_pred = rng.random((2000, 1))
    """),
    code("""
        %%arrayprof
        residuals = y_pred - y_true
        mse = (residuals ** 2).mean()
    """),
    code("""
        report = last_report()
        advice = finding(report, "broadcast-blowup")
        print(f"residuals: shape {residuals.shape}, {residuals.nbytes:,} bytes from two inputs of"
              f" {y_true.nbytes:,} bytes")
        print(f"[{advice['severity']}] {advice['message']}")
        print("fix:", advice["rewrite"]["code"], "-", advice["rewrite"]["check"])
    """),
    test("""
        assert residuals.shape == (2000, 2000) and residuals.nbytes == 32_000_000
        assert ("broadcast-blowup", 1) in findings(report)
        rewrite = finding(report, "broadcast-blowup")["rewrite"]
        assert rewrite["kind"] == "fix" and rewrite["verified"]
        assert rewrite["code"] == "residuals = y_pred[:, 0] - y_true"
        assert rewrite["peak_bytes_after"] < rewrite["peak_bytes_before"]
    """),
    code("""
        %%arrayprof
        residuals = y_pred[:, 0] - y_true
        mse_fixed = (residuals ** 2).mean()
    """),
    code("""
        report = last_report()
        print(f"residuals: shape {residuals.shape}; peak {report['numpy']['peak_bytes']:,} bytes")
        print(f"mse with the trap: {mse:.4f}, fixed: {mse_fixed:.4f}")
    """),
    test("""
        assert residuals.shape == (2000,)
        assert report["numpy"]["peak_bytes"] < 100_000
        assert not findings(report)
        assert abs(mse - mse_fixed) > 1e-3
    """),
    md("""
        Habit: check shapes where data enters your code (`assert y_pred.shape == y_true.shape`),
        and flatten columns with `.ravel()` or `[:, 0]` before combining.

        ## 4. Pairwise distances: a memory blow-up and the Gram rewrite

        The distance between every pair of `n` points in `d` dimensions is a textbook use of
        broadcasting: `X[:, None, :] - X[None, :, :]` has shape `(n, n, d)`. It is also a textbook
        blow-up: the `(n, n, d)` difference is `d` times bigger than the `(n, n)` answer, and it
        exists only to be squared and summed away.
    """),
    code("""
        X = np.random.default_rng(3).random((500, 16))
    """),
    code("""
        %%arrayprof
        D = np.sqrt(((X[:, None, :] - X[None, :, :]) ** 2).sum(axis=-1))
    """),
    code("""
        naive = last_report()
        subtract = next(op for op in naive["ops"] if op["name"] == "subtract")
        print(f"the difference: shape {subtract['result']['shape']},"
              f" {subtract['result']['nbytes']:,} bytes; the answer D: {D.nbytes:,} bytes")
        print(f"peak {naive['numpy']['peak_bytes']:,} bytes,"
              f" temporaries {naive['numpy']['temporary_bytes']:,} bytes")
        print(finding(naive, "broadcast-blowup")["message"])
    """),
    test("""
        assert subtract["result"]["shape"] == [500, 500, 16]
        assert subtract["result"]["nbytes"] == 500 * 500 * 16 * 8 == 32_000_000
        assert naive["numpy"]["temporary_bytes"] == 32_000_000 + D.nbytes
        assert naive["numpy"]["peak_bytes"] == 32_000_000 + D.nbytes
        assert ("broadcast-blowup", 1) in findings(naive)
    """),
    md("""
        Expand the square instead: $\\|x_i - x_j\\|^2 = \\|x_i\\|^2 + \\|x_j\\|^2 - 2\\,x_i \\cdot x_j$.
        The dot products of all pairs are one matrix product, `X @ X.T` (the *Gram matrix*), and
        the squared norms broadcast as a column plus a row. Nothing of shape `(n, n, d)` is ever
        built. Round-off can make a tiny squared distance slightly negative, hence the
        `np.maximum(..., 0)`.
    """),
    code("""
        %%arrayprof
        sq_norms = (X ** 2).sum(axis=1)
        D2 = sq_norms[:, None] + sq_norms[None, :] - 2 * (X @ X.T)
        D_gram = np.sqrt(np.maximum(D2, 0))
    """),
    code("""
        gram = last_report()
        print(f"peak: broadcasting {naive['numpy']['peak_bytes']:,} bytes,"
              f" Gram {gram['numpy']['peak_bytes']:,} bytes"
              f" ({naive['numpy']['peak_bytes'] / gram['numpy']['peak_bytes']:.1f}x less)")
        print("same distances:", np.allclose(D, D_gram, atol=1e-6))
        print("advice:", sorted(findings(gram)))
    """),
    test("""
        assert np.allclose(D, D_gram, atol=1e-6)
        assert gram["numpy"]["peak_bytes"] * 4 < naive["numpy"]["peak_bytes"]
        assert max(op["result"]["nbytes"] for op in gram["ops"] if op["result"]) == D.nbytes
        assert "broadcast-blowup" not in {category for category, _ in findings(gram)}
    """),
    md("""
        The largest array the Gram version ever makes is `(n, n)`, the size of the answer.
        (`scipy.spatial.distance.cdist` does the same job in compiled code, and chunking the rows
        bounds memory for any `n`.)

        ## Exercises

        **Exercise 1.** Predict the shape of `a + b`, or that it fails, for each pair. Check with
        `%arrayprof explain --broadcast`.

        | `a.shape` | `b.shape` |
        | --- | --- |
        | `(5, 1, 3)` | `(4, 1)` |
        | `(2, 3)` | `(3, 2)` |
        | `(6,)` | `(1, 6)` |
        | `(7, 1)` | `(1, 7)` |
    """),
    code("""
        # your answer here, e.g.  %arrayprof explain --broadcast (5,1,3) (4,1)
    """),
    solution("""
        | `a.shape` | `b.shape` | `a + b` |
        | --- | --- | --- |
        | `(5, 1, 3)` | `(4, 1)` | `(5, 4, 3)`: `b` is padded to `(1, 4, 1)` |
        | `(2, 3)` | `(3, 2)` | error: 2 vs 3 and 3 vs 2, no axis matches or is 1 |
        | `(6,)` | `(1, 6)` | `(1, 6)` |
        | `(7, 1)` | `(1, 7)` | `(7, 7)`: an outer table |
    """),
    check("""
        # checks the solution above
        from arrayprof.explain import explain_broadcast

        assert np.broadcast_shapes((5, 1, 3), (4, 1)) == (5, 4, 3)
        assert "broadcasting fails at axis 0" in explain_broadcast((2, 3), (3, 2))
        assert np.broadcast_shapes((6,), (1, 6)) == (1, 6)
        assert np.broadcast_shapes((7, 1), (1, 7)) == (7, 7)
    """),
    md("""
        **Exercise 2.** `scores` holds 300 students (rows) by 1000 questions (columns). Turn each
        student's row into z-scores: subtract the row's mean and divide by the row's standard
        deviation. Write it in one `%%arrayprof` cell and make sure arrayprof has nothing to say
        about it.
    """),
    code("""
        scores = np.random.default_rng(4).normal(60, 15, size=(300, 1000))
    """),
    code("""
        # your answer here
    """),
    solution("""
        Reduce along axis 1 with `keepdims=True`, so both statistics have shape `(300, 1)` and
        stretch along the questions:

        ```python
        %%arrayprof
        z = (scores - scores.mean(axis=1, keepdims=True)) / scores.std(axis=1, keepdims=True)
        ```

        Without `keepdims`, `scores - scores.mean(axis=1)` tries to combine `(300, 1000)` with
        `(300,)` and fails (rule 2), which at least tells you.
    """),
    check("""
        # checks the solution above
        namespace = {"np": np, "scores": scores}
        exercise = arrayprof.profile(
            "z = (scores - scores.mean(axis=1, keepdims=True)) / scores.std(axis=1, keepdims=True)",
            namespace).to_dict()
        assert not findings(exercise)
        z = namespace["z"]
        assert z.shape == (300, 1000)
        assert np.allclose(z.mean(axis=1), 0) and np.allclose(z.std(axis=1), 1)
    """),
    md("""
        **Next:** [4 · Temporaries and peak memory](04_temporaries_and_peak_memory.ipynb): what
        a long expression allocates behind your back.
    """),
]
