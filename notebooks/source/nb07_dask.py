"""Notebook 7: when arrays outgrow one machine (Dask arrays on a local cluster)."""

from tutorial_cells import HOW_TO_READ, SETUP, check, code, md, solution, test

TITLE = "When arrays outgrow one machine"

CELLS = [
    md("""
        # 7 · When arrays outgrow one machine

        When an array no longer fits in memory, Dask splits it into **chunks**, NumPy arrays of a
        size you choose, and runs the NumPy code of every expression on each chunk, as **tasks**
        spread over **workers** (processes, possibly on other machines), each running several
        tasks at once on its threads. Everything the earlier notebooks taught still happens:
        inside every chunk, on every thread at the same time. A broadcast that makes a 16 MB
        temporary per chunk costs a worker 16 MB *per thread*, and when that passes the worker's
        memory limit the worker is paused or killed. This notebook runs a small cluster on your
        machine and uses arrayprof to see what each line costs on the workers. About 15 minutes;
        it needs `pip install 'arrayprof[dask]'`.

        ## Predict the output

        ```python
        x = da.random.default_rng(0).random((4000, 1000), chunks=(1000, 1000))  # 4 chunks of 8 MB
        v = ((x - x.mean(axis=0)) ** 2).sum().compute()
        ```

        On a worker with 2 threads, how much NumPy memory does one task of this expression hold
        at its peak, and how much do the worker's threads hold together?
    """),
    HOW_TO_READ,
    SETUP,
    md("""
        ## 1. A cluster on this machine

        `LocalCluster` starts a scheduler and two worker processes on this machine (loopback
        only), each with 2 threads and a memory limit. The limits here are tiny on purpose, and
        Dask's own reactions to them (spilling to disk, pausing, restarting a worker) are turned
        off so that the demonstration stays harmless: arrayprof compares what it measures with
        the limit either way.

        With a `Client` created, a profiled cell that computes Dask collections installs
        arrayprof's **worker plugin** on every worker (once per client; workers that join later
        get it too). The plugin records, for each task, the NumPy allocations made on the task's
        thread while it ran.
    """),
    code("""
        import dask
        import dask.array as da
        from distributed import Client, LocalCluster

        dask.config.set({"distributed.worker.memory.target": False,
                         "distributed.worker.memory.spill": False,
                         "distributed.worker.memory.pause": False,
                         "distributed.worker.memory.terminate": False})
        cluster = LocalCluster(n_workers=2, threads_per_worker=2, processes=True, host="127.0.0.1",
                               dashboard_address=None, memory_limit="100MiB")
        client = Client(cluster)
        x = da.random.default_rng(0).random((4000, 1000), chunks=(1000, 1000))
        x
    """),
    code("""
        %%arrayprof
        v = ((x - x.mean(axis=0)) ** 2).sum()
        total = v.compute()
    """),
    md("""
        The report's **Dask** part lists the tasks by the line that made their graph layer. Dask
        *fuses* the chain `x - mean`, `** 2` and the chunk's `sum` into one task per chunk
        (named after its last layer, `sum`), so each of those tasks holds the difference and its
        square at once: **two chunks**, 16 MB. A worker runs one such task per thread, so its 2
        threads hold 32 MB together.
    """),
    code("""
        def tasks(report, lineno):
            \"\"\"The Dask task groups charged to a cell line, heaviest first.\"\"\"
            rows = [t for t in report["dask"]["tasks"] if t["lineno"] == lineno]
            return sorted(rows, key=lambda t: -t["allocated_bytes"])


        report = last_report()
        for t in tasks(report, 1):
            print(f"line 1  {t['prefix']:<20} {t['count']:>3} tasks  {t['allocated_bytes']:>12,} bytes"
                  f"  temporaries {t['temporary_bytes']:>12,}  peak per task {t['peak_bytes_max']:>12,}")
        for w in report["dask"]["workers"]:
            print(f"{w['address']}: {w['threads']} threads, peak {w['peak_bytes']:,} of a"
                  f" {w['memory_limit']:,}-byte limit")
        chunk = 1000 * 1000 * 8
        fused = tasks(report, 1)[0]
    """),
    test("""
        assert report["dask"]["scheduler"] == "distributed"
        assert fused["prefix"] == "sum" and fused["count"] == 4
        assert fused["peak_bytes_max"] == 2 * chunk
        assert fused["temporary_bytes"] >= 4 * chunk  # NumPy may square the difference in place
        workers = report["dask"]["workers"]
        assert len(workers) == 2 and all(w["threads"] == 2 for w in workers)
        assert all(w["memory_limit"] == 100 * 2**20 for w in workers)
        assert max(w["peak_bytes"] for w in workers) >= 2 * chunk
        assert total == v.compute()
    """),
    md("""
        ## 2. A broadcast inside every chunk

        Pairwise distances between two sets of points broadcast `(n, 1, d)` against `(1, m, d)`
        (notebook 3). With Dask, every pair of chunks is one task, and each task materialises
        its own `(500, 500, 8)` block of differences. (The expression is on one line on purpose:
        Dask fuses the whole chain, up to the `min`, into one task per pair of chunks, and a fused
        task is charged to the line of the chain's last step.)
    """),
    code("""
        rng = da.random.default_rng(1)
        a = rng.random((1000, 8), chunks=(500, 8))
        b = rng.random((1000, 8), chunks=(500, 8))
    """),
    code("""
        %%arrayprof
        nearest = ((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=-1).min(axis=1).compute()
    """),
    code("""
        report = last_report()
        pair = tasks(report, 1)[0]
        subtract = next(op for op in pair["ops"] if op["name"] == "subtract")
        print(f"{pair['count']} tasks; subtract {subtract['operands']} -> {subtract['result']}"
              f" ({subtract['result_nbytes']:,} bytes each), peak per task {pair['peak_bytes_max']:,}")
        for category in ("broadcast-blowup", "dask-chunks"):
            advice = finding(report, category)
            print(f"[{advice['severity']}] {category} (line {advice['lineno']}): {advice['message']}")
        print()
        print(finding(report, "dask-chunks")["explanation"])
    """),
    test("""
        block = 500 * 500 * 8 * 8
        assert pair["count"] == 4
        assert subtract["operands"] == [[500, 1, 8], [1, 500, 8]] and subtract["result"] == [500, 500, 8]
        assert subtract["result_nbytes"] == block and pair["peak_bytes_max"] == 2 * block
        assert ("broadcast-blowup", 1) in findings(report) and ("dask-chunks", 1) in findings(report)
        message = finding(report, "broadcast-blowup")["message"]
        assert "each of a worker's 2 threads holds 32 MB at once: 64 MB of a 105 MB memory limit" \\
            in message
        assert "a = a.rechunk((" in finding(report, "dask-chunks")["explanation"]
    """),
    md("""
        Each task holds two `(500, 500, 8)` blocks (the differences and their squares), 32 MB,
        and a worker's two threads hold 64 MB at once: more than half its limit before it stores
        a single result. arrayprof suggests chunks to use, computed from what it measured: the
        per-task peak is the product of the two inputs' chunk lengths, so each input gets a
        square root of the factor. `%arrayprof explain` shows the broadcast inside one task:
    """),
    code("""
        %arrayprof explain --broadcast (500,1,8) (1,500,8)
    """),
    md("""
        Smaller chunks along the broadcast dimensions shrink every task; the result is the same.
    """),
    code("""
        a_small, b_small = a.rechunk((250, 8)), b.rechunk((250, 8))
    """),
    code("""
        %%arrayprof
        nearest_small = ((a_small[:, None, :] - b_small[None, :, :]) ** 2).sum(axis=-1).min(axis=1).compute()
    """),
    code("""
        report = last_report()
        small = tasks(report, 1)[0]
        print(f"{small['count']} tasks, peak per task {small['peak_bytes_max']:,} bytes"
              f" (was {pair['peak_bytes_max']:,});"
              f" same result: {np.allclose(nearest_small, nearest)}")
    """),
    test("""
        assert small["count"] == 16 and small["peak_bytes_max"] == 2 * 250 * 250 * 8 * 8
        assert np.allclose(nearest_small, nearest)
        assert ("dask-chunks", 1) not in findings(report)
    """),
    md("""
        ## 3. Without a cluster

        Without a `Client`, Dask runs tasks on a pool of threads in your own process. arrayprof
        then charges what those threads allocate to the lines that made the layers, in the
        ordinary per-line table, so everything from the earlier notebooks (temporaries, peaks,
        broadcasts) reads the same way. `.compute()` results that come back are listed too
        (`dask.computes`): a result far larger than its inputs' reductions is a warning.
    """),
    code("""
        %%arrayprof
        with dask.config.set(scheduler="threads"):
            y = x - x.mean(axis=0)
            total_local = (y ** 2).sum().compute()
    """),
    code("""
        report = last_report()
        for lineno in (2, 3):
            row = line_row(report, lineno)
            print(f"line {lineno} allocated {row['allocated_bytes']:,} bytes on Dask's threads,"
                  f" {row['temporary_bytes']:,} of them temporaries")
        print("scheduler:", report["dask"]["scheduler"])
        print("computed:", [(c["lineno"], c["shape"], c["nbytes"]) for c in report["dask"]["computes"]])
    """),
    md("""
        Here the fused task's steps are told apart: the differences (one chunk per task) are
        line 2's, their squares line 3's, although Dask ran both inside one task per chunk.
        Line 3 also holds `x`'s own chunks: `x` was defined in an earlier cell, so its random
        chunks are generated by this `.compute()`, and are charged to its line, as they would be
        with Dask's synchronous scheduler running everything on the cell's own thread.
    """),
    test("""
        assert report["dask"]["scheduler"] == "local"
        # line 2 also computes the mean: a few (1, 1000) rows per chunk
        assert 4 * chunk <= line_row(report, 2)["temporary_bytes"] < 4 * chunk + 2**18
        # the squares, and x's chunks generated by the compute on line 3
        assert 8 * chunk <= line_row(report, 3)["temporary_bytes"] < 8 * chunk + 2**16
        assert np.isclose(total_local, total)
    """),
    md("""
        ## Exercises

        **Exercise 1.** Rechunk `x` so that no task of `((x - x.mean(axis=0)) ** 2).sum()` holds
        more than 4 MB at its peak, and check it with arrayprof.
    """),
    solution("""
        Each fused task holds two chunks, so a chunk may have at most 2 MB: 250 rows of 1000
        float64.

        ```python
        x_small = x.rechunk((250, 1000))
        ```
        ```python
        %%arrayprof
        v_small = ((x_small - x_small.mean(axis=0)) ** 2).sum().compute()
        ```
    """),
    check("""
        x_small = x.rechunk((250, 1000))
        checked = arrayprof.profile("v_small = ((x_small - x_small.mean(axis=0)) ** 2).sum().compute()\\n",
                                    globals(), verify=False).to_dict()
        assert max(t["peak_bytes_max"] for t in checked["dask"]["tasks"] if t["lineno"] == 1) <= 4 * 2**20
        assert np.isclose(v_small, total)
    """),
    md("""
        **Exercise 2.** Compute `nearest` again so that no worker's two threads together hold more
        than a quarter of its 100 MiB limit in broadcast temporaries.
    """),
    solution("""
        Two threads x two blocks of `(n, m, 8)` float64 must stay under 26 MB: n = m = 250 gives
        2 x 2 x 4 MB = 16 MB.

        ```python
        a2, b2 = a.rechunk((250, 8)), b.rechunk((250, 8))
        ```
        ```python
        %%arrayprof
        nearest2 = ((a2[:, None, :] - b2[None, :, :]) ** 2).sum(axis=-1).min(axis=1).compute()
        ```
    """),
    check("""
        a2, b2 = a.rechunk((250, 8)), b.rechunk((250, 8))
        checked = arrayprof.profile(
            "nearest2 = ((a2[:, None, :] - b2[None, :, :]) ** 2).sum(axis=-1).min(axis=1).compute()\\n",
            globals(), verify=False).to_dict()
        worst = max(t["peak_bytes_max"] for t in checked["dask"]["tasks"] if t["lineno"] == 1)
        assert 2 * worst <= 100 * 2**20 / 4
        assert np.allclose(nearest2, nearest)
    """),
    md("""
        ## What to remember

        - Every NumPy cost from the earlier notebooks happens **per chunk, on every thread at
          once**: a worker needs (threads) x (a task's peak), before the results it stores.
        - Dask fuses chains of element-wise steps into one task: their temporaries live together.
        - A broadcast inside chunks grows with the **product** of the chunk lengths it combines.
        - arrayprof charges every task to the cell line that made its layer, measures each task's
          bytes, temporaries and peak on the workers, and compares each worker's peak with its
          memory limit.
    """),
    code("""
        client.close()
        cluster.close()
    """),
]
