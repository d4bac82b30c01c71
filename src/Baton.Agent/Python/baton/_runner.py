"""Bootstrap the Baton agent runs as `python -u -m baton._runner`.

Reads the job from BATON_* environment variables, detaches into its own process group (so the
agent can signal the whole tree) and, on Linux, asks the kernel to kill it when the agent dies.
"""

import importlib
import inspect
import json
import os
import runpy
import signal
import sys
import traceback

import baton


def _detach():
    if hasattr(os, "setsid"):
        try:
            os.setsid()
        except OSError:
            pass
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            pr_set_pdeathsig = 1
            libc.prctl(pr_set_pdeathsig, int(signal.SIGKILL), 0, 0, 0)
            expected = os.environ.get("BATON_AGENT_PID")
            if expected and os.getppid() != int(expected):
                # The agent died before prctl took effect: do not run as an orphan.
                os._exit(137)
        except Exception:  # pragma: no cover - best effort only
            pass


def _call(func, job_inputs):
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


def _run_entrypoint(entrypoint):
    package_dir = os.environ.get("BATON_PACKAGE_DIR", os.getcwd())
    if ":" in entrypoint and not entrypoint.endswith(".py"):
        module_name, _, function_name = entrypoint.partition(":")
        module = importlib.import_module(module_name)
        func = module
        for part in function_name.split("."):
            func = getattr(func, part)
        value = _call(func, baton.inputs())
        if value is not None and not baton.result_was_set():
            baton.set_result(value)
    else:
        path = os.path.join(package_dir, entrypoint)
        sys.argv = [path]
        runpy.run_path(path, run_name="__main__")


def main():
    _detach()
    entrypoint = os.environ.get("BATON_ENTRYPOINT")
    if not entrypoint:
        print("baton: BATON_ENTRYPOINT is not set", file=sys.stderr)
        return 2
    try:
        _run_entrypoint(entrypoint)
    except SystemExit:
        raise
    except BaseException:
        traceback.print_exc()
        sys.stderr.flush()
        return 1
    finally:
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
