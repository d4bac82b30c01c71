"""Runs one job, in a fresh interpreter (`python -s -u -m baton._runner`, the cold path) or in a
child forked from a warm interpreter (baton._forkserver calls run()).

Reads the job from BATON_* environment variables. Imports nothing beyond os and sys up front: a
short job's time goes to interpreter start and imports, so inspect, runpy, importlib, traceback and
ctypes (which the standard way of doing each of these things would load) are avoided or loaded only
when a job needs them.
"""

import os
import sys

import baton

_CO_VARKEYWORDS = 0x08


def detach():
    """Leaves the agent's process group (so the agent can signal the job's whole tree) and, on
    Linux, asks the kernel to kill the job when its parent dies."""
    if hasattr(os, "setsid"):
        try:
            os.setsid()
        except OSError:
            pass
    if sys.platform.startswith("linux"):
        set_parent_death_signal()
    expected = os.environ.get("BATON_AGENT_PID")
    if expected and os.getppid() != int(expected):
        # The agent died before the death signal was armed: do not run as an orphan.
        os._exit(137)
    close_inherited_descriptors()


def close_inherited_descriptors(keep=-1):
    """A job starts with stdin, stdout and stderr only: nothing its starter held open (without
    close-on-exec) reaches it. `keep` is one more descriptor to leave open."""
    try:
        descriptors = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        # No /proc (macOS): close the whole range instead.
        try:
            limit = min(os.sysconf("SC_OPEN_MAX"), 65536)
        except (OSError, ValueError):
            limit = 1024
        if keep > 2:
            os.closerange(3, keep)
            os.closerange(keep + 1, limit)
        else:
            os.closerange(3, limit)
        return
    for fd in descriptors:
        if fd > 2 and fd != keep:
            try:
                os.close(fd)
            except OSError:
                pass


def set_parent_death_signal():
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, 9, 0, 0, 0)
    except Exception:  # pragma: no cover - best effort only
        pass


def _accepted_names(func):
    """The keyword names a plain Python function takes, None for 'all' (**kwargs), or False when
    the callable is not a plain function (inspect decides then)."""
    code = getattr(func, "__code__", None)
    if code is None or hasattr(func, "__wrapped__") or hasattr(func, "__self__") or not hasattr(func, "__defaults__"):
        return False
    if code.co_flags & _CO_VARKEYWORDS:
        return None
    first = getattr(code, "co_posonlyargcount", 0)
    last = code.co_argcount + code.co_kwonlyargcount
    return set(code.co_varnames[first:last])


def _call(func, job_inputs):
    names = _accepted_names(func)
    if names is False:
        return _call_with_inspect(func, job_inputs)
    if names is None:
        return func(**job_inputs)
    return func(**{k: v for k, v in job_inputs.items() if k in names})


def _call_with_inspect(func, job_inputs):
    import inspect

    try:
        parameters = list(inspect.signature(func).parameters.values())
    except (TypeError, ValueError):
        return func(**job_inputs)
    if not parameters:
        return func()
    if any(p.kind == inspect.Parameter.VAR_KEYWORD for p in parameters):
        return func(**job_inputs)
    accepted = {
        p.name
        for p in parameters
        if p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    }
    return func(**{k: v for k, v in job_inputs.items() if k in accepted})


def _run_function(entrypoint):
    module_name, _, function_name = entrypoint.partition(":")
    __import__(module_name)
    func = sys.modules[module_name]
    for part in function_name.split("."):
        func = getattr(func, part)
    value = _call(func, baton.inputs())
    if value is not None and not baton.result_was_set():
        baton.set_result(value)


def _run_script(path):
    """What runpy.run_path(path, run_name="__main__") does, without loading runpy."""
    with open(path, "rb") as handle:
        source = handle.read()
    code = compile(source, path, "exec", dont_inherit=True)
    main = type(sys)("__main__")
    main.__file__ = path
    main.__cached__ = None
    main.__loader__ = None
    main.__package__ = ""
    main.__spec__ = None
    sys.modules["__main__"] = main
    sys.argv = [path]
    exec(code, main.__dict__)


def run():
    """Runs the job and returns the process exit code; SystemExit from the job propagates."""
    entrypoint = os.environ.get("BATON_ENTRYPOINT")
    if not entrypoint:
        print("baton: BATON_ENTRYPOINT is not set", file=sys.stderr)
        return 2
    try:
        if ":" in entrypoint and not entrypoint.endswith(".py"):
            _run_function(entrypoint)
        else:
            _run_script(os.path.join(os.environ.get("BATON_PACKAGE_DIR", os.getcwd()), entrypoint))
    except SystemExit:
        raise
    except BaseException:
        # The interpreter's own hook prints the traceback in C: no traceback module to import.
        sys.excepthook(*sys.exc_info())
        sys.stderr.flush()
        return 1
    finally:
        sys.stdout.flush()
    return 0


def main():
    detach()
    return run()


if __name__ == "__main__":
    sys.exit(main())
