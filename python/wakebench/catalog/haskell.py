"""Haskell async exceptions slipping through masks
(haskell-masking-async-tasks.txt): the five models of "Masking async tasks
in the wild", with the seed's kill timings (throwTo every second)."""

from __future__ import annotations

from typing import Callable, List

from .. import ops
from ..scenario import Counter, Scenario
from . import entry

SEED = "haskell-masking-async-tasks.txt"
KILLED = "asyncTest: thread killed"  # what the runtime prints when `wait` rethrows


def _model(name: str, action: Callable[[Counter], List[ops.Op]], kills: int, *,
           masked: bool = False) -> Scenario:
    """`a <- asyncTask; (threadDelay 1000000 >> throwTo a ThreadKilled) x kills; wait a`.
    The task must reach its end (poke its result, signal nginx): killed on
    the way is interrupted_critical_section. Kill points let the explorer
    throw ThreadKilled at any of the task's instructions as well."""
    s = Scenario(name)
    result = s.counter("result")
    s.task("asyncTask", action(result), masked=masked, must_finish=True, kill_points=True)
    main: List[ops.Op] = []
    for _ in range(kills):
        main += [ops.sleep(1000), ops.throw_to("asyncTask")]
    s.task("main", main + [ops.wait("asyncTask", killed=KILLED)])
    return s


def _print_result(result: Counter) -> ops.Op:
    return ops.if_(result == 10, ops.print("10"), orelse=[ops.print("20")])


def _slow_catch(result: Counter) -> ops.Op:
    # (threadDelay 2000000 >> return 10) `catch` (\_ -> putStrLn "Caught!" >>
    #     uninterruptibleMask_ (threadDelay 2000000) >> return 20)
    return ops.catch(ops.sleep(2000), result.set(10), handler=[
        ops.print("Caught!"), ops.uninterruptible_mask(ops.sleep(2000)), result.set(20)])


def _restored_catch(result: Counter) -> ops.Op:
    # restore (threadDelay 2000000 >> return 10) `catch` (same handler)
    return ops.catch(ops.restore(ops.sleep(2000), result.set(10)), handler=[
        ops.print("Caught!"), ops.uninterruptible_mask(ops.sleep(2000)), result.set(20)])


def model_1() -> Scenario:
    return _model("haskell-mask-model-1", lambda r: [
        ops.catch(r.set(10), handler=[r.set(20)]),  # return 10 `catch` (const $ return 20)
        ops.uninterruptible_mask(ops.sleep(2000)),
        _print_result(r),
    ], kills=1)


def model_2(kills: int = 2) -> Scenario:
    return _model("haskell-mask-model-2", lambda r: [_slow_catch(r), _print_result(r)],
                  kills=kills)


def model_3() -> Scenario:
    return _model("haskell-mask-model-3",
                  lambda r: [_slow_catch(r), ops.mask(_print_result(r))], kills=2)


def model_4() -> Scenario:
    return _model("haskell-mask-model-4", lambda r: [
        ops.mask(  # async $ mask $ \restore -> do ...
            _restored_catch(r),
            ops.uninterruptible_mask(ops.sleep(2000)),
            _print_result(r),
        )], kills=3)


def model_5() -> Scenario:
    # mask $ \restore -> async $ do ...: the task starts masked, and restore
    # returns to the unmasked state outside that mask.
    return _model("haskell-mask-model-5", lambda r: [
        _restored_catch(r),
        ops.uninterruptible_mask(ops.sleep(2000)),
        _print_result(r),
    ], kills=3, masked=True)


@entry("haskell-mask-model-1", source=SEED,
       quote="""
    Model 1 (obviously bad)""",
       assumes="""
    One ThreadKilled, thrown 1 s after the start; uninterruptibleMask_
    (threadDelay 2000000) delivers nothing during its 2 s; async
    exceptions land at interruptible points or where the mask state
    allows (GHC's rules); print is the critical section.""",
       summary="""
    Model 1 (obviously bad): the result is computed under catch, but the
    critical section after it (uninterruptibleMask_ threadDelay, print) is
    not protected: ThreadKilled thrown at 1 s waits out the uninterruptible
    delay and lands before print. Prints "asyncTest: thread killed";
    interrupted_critical_section under every policy.""")
def haskell_mask_model_1() -> Scenario:
    return model_1()


@entry("haskell-mask-model-2", source=SEED,
       quote="""
    Documentation says that asynchronous exceptions in catch are masked.
    It means that they won’t break the exception handler but instead get
    postponed, thus becoming synchronous. As soon as the exception
    handler finishes, the postponed exception raises right at the
    beginning of the critical section.""",
       assumes="""
    Two ThreadKilled, at 1 s and 2 s; the handler runs masked (GHC's
    catch); the seed's delays.""",
       summary="""
    Model 2 (surprisingly bad): the first ThreadKilled (1 s) is caught; the
    second (2 s) arrives while the handler runs masked, is postponed, and
    lands right after the handler, at the start of the critical section.
    Prints "Caught!" then "asyncTest: thread killed".""")
def haskell_mask_model_2() -> Scenario:
    return model_2()


@entry("haskell-mask-model-3", source=SEED,
       quote="""
    This useless adjacent masking is sometimes referred as a wormhole
    meaning that an asynchronous exception which was generated and
    postponed in the upper masked block will inevitably seep into the
    hole between the two blocks.""",
       assumes="""
    Two ThreadKilled, at 1 s and 2 s; mask_ begins only after the bind
    that follows the catch, where a postponed exception can land.""",
       summary="""
    Model 3: the critical section wrapped in mask_, adjacent to the catch. A
    wormhole: the postponed exception lands between the handler's end and
    the mask. Prints "Caught!" then "asyncTest: thread killed".""")
def haskell_mask_model_3() -> Scenario:
    return model_3()


@entry("haskell-mask-model-4", source=SEED,
       quote="""
    What if async would return the Async handle before doFork really
    starts action being in the restore state?""",
       assumes="""
    Three ThreadKilled, at 1, 2 and 3 s; async's asyncUsing forks with
    mask and runs the action under restore, which returns to the state
    the fork found (unmasked here), so a kill can land before the
    action's own mask.""",
       summary="""
    Model 4: mask / restore around the whole action, three kills: all are
    caught or held back; prints "Caught!" and "20". Exploring every kill
    point finds the one hole: ThreadKilled landing right after the task
    starts, before its mask (async's own restore unmasks it there).""")
def haskell_mask_model_4() -> Scenario:
    return model_4()


@entry("haskell-mask-model-5", source=SEED,
       quote="""
    So the final solution is masking around async rather than around its
    action: in this case the async’s restore won’t unmask, and we are
    certainly safe.""",
       assumes="""
    The same three kills; the task starts masked (mask around async), so
    async's restore keeps it masked; kill points anywhere the explorer
    may put them.""",
       summary="""
    Model 5 (certainly good): mask around async, so the task starts masked
    and restore opens only the payload. Prints "Caught!" and "20", and no
    kill point anywhere interrupts it.""")
def haskell_mask_model_5() -> Scenario:
    return model_5()
