"""The pytest plugin as a user meets it (through pytester)."""

pytest_plugins = ["pytester"]


def test_fixture_passes_and_fails_readably(pytester):
    pytester.makepyfile(test_user="""
        def test_posted_is_safe(wakebench):
            wakebench.assert_ok("h2-drop-wake-cleanup", policy="ngx_posted")

        def test_defer_nested_is_safe(wakebench):
            wakebench.assert_ok("h2-drop-wake-cleanup", policy="ngx_defer_nested")

        def test_inline_deadlocks(wakebench):
            wakebench.assert_verdict("h2-drop-wake-nested", "deadlock/reentrant_lock",
                                     policy="ngx_inline")
    """)
    result = pytester.runpytest()
    result.assert_outcomes(passed=2, failed=1)
    out = result.stdout.str()
    assert "expected ok, got deadlock/reentrant_lock" in out
    assert "holds it lower on the same stack" in out          # the explanation
    assert "trace around the failing step:" in out
    assert "lock 'inner': held, the thread blocks" in out      # the failing step
    assert ("replay: wakebench run h2-drop-wake-cleanup --policy ngx_defer_nested "
            "--schedule v1.") in out
    saved = list((pytester.path / ".wakebench").glob("*.json"))
    assert len(saved) == 1
    assert f"replay: wakebench replay {saved[0]}" in out

    # Replaying the saved schedule gives the same failure, without exploring.
    result = pytester.runpytest("--wakebench-replay",
                                str(saved[0]), "-k", "defer_nested")
    result.assert_outcomes(failed=1)
    assert "wakebench: replaying" in result.stdout.str()


def test_replay_option_rejects_a_bad_file(pytester):
    pytester.makepyfile(test_user="""
        def test_x(wakebench):
            pass
    """)
    bad = pytester.path / "bad.json"
    bad.write_text("[]")
    result = pytester.runpytest("--wakebench-replay", str(bad))
    assert "not a replay file" in result.stdout.str()
    result.assert_outcomes(errors=1)


def test_assert_ok_fails_on_an_inconclusive_exploration(pytester):
    pytester.makepyfile(test_user="""
        import wakebench as wb
        from wakebench import ops

        def test_spinning_is_not_ok(wakebench):
            s = wb.Scenario("spin")
            s.task("t", [ops.loop(ops.yield_())])
            wakebench.assert_ok(s, max_steps=500)
    """)
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    assert ("spin under fifo: expected ok, the exploration is inconclusive: "
            "bound/steps in 1 run(s)") in result.stdout.str()


def test_assert_never_and_hypothesis_and_a_traceback_without_the_plugin(pytester):
    pytester.makepyfile(test_user="""
        from hypothesis import given, settings, strategies as st
        import wakebench as wb
        from wakebench import ops

        def test_no_cycle_here(wakebench):
            wakebench.assert_never("h2-drop-wake-nested", "deadlock/lock_cycle",
                                   policy="ngx_inline")

        def test_never_a_deadlock_fails(wakebench):
            wakebench.assert_never("h2-drop-wake-nested", "deadlock", policy="ngx_inline")

        @settings(max_examples=5, deadline=None)
        @given(st.integers(1, 3))
        def test_under_given(wakebench, n):
            s = wb.Scenario("yields")
            s.task("t", [ops.repeat(n, ops.yield_())])
            wakebench.assert_ok(s)
    """)
    result = pytester.runpytest()
    result.assert_outcomes(passed=2, failed=1)
    out = result.stdout.str()
    assert "expected never deadlock, got deadlock/reentrant_lock" in out
    assert "FailedHealthCheck" not in out
    assert "pytest_plugin.py" not in out  # the plugin's frames are hidden


def test_a_scenario_built_in_the_test_gets_a_replay_command_that_works(pytester):
    import json
    import subprocess
    import sys
    pytester.makepyfile(test_user="""
        import wakebench as wb
        from wakebench import ops

        def test_mine(wakebench):
            s = wb.Scenario("mine")
            m = s.mutex("m")
            s.task("t", [m.lock(), ops.drop("o"), m.unlock()])
            s.object("o", on_drop=[m.lock(), m.unlock()])
            wakebench.assert_ok(s, policy="fifo")
    """)
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    saved = list((pytester.path / ".wakebench").glob("*.json"))
    assert len(saved) == 1 and f"replay: wakebench replay {saved[0]}" in out
    assert "wakebench run mine" not in out  # no command line names it
    r = subprocess.run([sys.executable, "-m", "wakebench.cli", "replay", str(saved[0]), "--json"],
                       capture_output=True, text=True, cwd="/")
    assert r.returncode == 1 and json.loads(r.stdout)["verdict"] == "deadlock/reentrant_lock"
    # and --wakebench-replay re-runs it in the test
    result = pytester.runpytest("--wakebench-replay", str(saved[0]))
    result.assert_outcomes(failed=1)
