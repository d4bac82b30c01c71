"""The agent's warm interpreter: `python -s -u -m baton._forkserver`.

Imports the runner, the SDK, the standard-library modules jobs commonly use and the package's
`preload:` modules once, then forks one child per job. The child becomes the job exactly as a fresh
interpreter would: its own session and process group, a parent-death signal, the signal handlers
of a fresh interpreter, stdin on /dev/null, stdout and stderr on sockets the agent listens on, no
other inherited descriptor, the job's environment, working folder and sys.path. Jobs never run in
this process, so nothing a job does reaches the next one.

The fork happens ahead of the job: a spare child is forked from this clean state (when ready, and
30 ms after a job took the previous one, or at once when a command finds none), does the part of
becoming a job that is the same for every job (session, death signal, signal handlers,
descriptors), rehearses the steps that differ (on stand-in data: the pages they write are copied now,
not after the job arrived) and blocks reading a pipe. A fork command writes the job's request to that pipe and
closes it; the spare becomes the job. Forking and the first writes to the copied pages cost ~10 ms of CPU on
some virtual machines: the spare pays them before the job arrives. A spare knows only what this
process knew before any job (it is forked here, never from a job). It dies with this process (its
death signal, and the end of its pipe); retiring this process kills it.

Protocol (one JSON object per line): commands on stdin, events on stdout.
  -> {"op": "fork", "id", "cwd", "set", "unset", "path", "out", "token", "gate"}
       set/unset: the job's environment as changes to this process's own (a few variables)
       gate (optional): the job, made ready, waits for the agent's go (one byte on its stdout connection) before
       its package is imported: the agent lets it run once the server has recorded the job's start
  <- {"ev": "ready", "pid"}                       once, after preloading
  <- {"ev": "forked", "id", "pid"}                the spare that took the job (its pid is its group)
  <- {"ev": "spare", "pid"}                       a new spare waits for a job
  <- {"ev": "refused", "id", "error"}             the job must start cold
  <- {"ev": "exited", "id", "code"}               code is 128 + signal for a killed job
  <- {"ev": "error", "error"}                     fatal (a preload failed, a thread appeared); the process exits
End of stdin: kill the spare, fork no more, wait for the running children, exit.

Every page a child writes is copied from this process, which on some virtual machines costs tens
of microseconds a page: the child therefore does as little Python work as it can before the job's
own code runs (it keeps the standard streams it inherits, applies only the environment changes),
and events are formatted by hand.
"""

import _signal
import _socket
import gc
import json
import marshal
import os
import select
import signal
import sys
import time

import baton
import baton._runner as runner

# Imported ahead so a job that uses them finds them loaded (a first import in a job costs more than
# the fork). Left out on purpose: modules that register fork handlers or touch much memory in every
# child (threading and what imports it: logging, subprocess, concurrent; random, tempfile, uuid) -
# each fork would pay for them. A package lists them under `preload:` when its jobs use them.
_AHEAD = (
    "base64", "collections", "csv", "dataclasses", "datetime", "decimal", "enum", "functools",
    "glob", "hashlib", "io", "itertools", "json", "math", "pathlib", "re", "shutil", "string",
    "textwrap", "time", "typing", "urllib.parse",
)

# How long after a job took the spare the next one is forked (unless a command needs one sooner): on a
# machine with few cores, forking it at once slowed the start of the job that just took the last one.
_SPARE_DELAY = 0.03
# While jobs run, the next spare waits up to this much longer for them to end: only a spare forked while no job
# runs rehearses (see _rehearse). The rehearsal copies ~300 pages, more than it saves the job (it moves the job's
# own ~200 ahead): worth it for an idle agent's next start, a waste in a burst, where commands come sooner anyway.
_SPARE_WAIT_FOR_JOBS = 0.1

_server_pid = os.getpid()
_control_in = -1
_control_out = -1
_wake_read = -1
_changed_signals = {}
_base_path = []
_prctl = None
_syscall = None
_spare_pid = 0
_spare_pipe = -1
_spare_ahead = False
_fork_error = ""


# json's C scanner, called directly: json.loads() would first run its Python layers (encoding detection, decode,
# raw_decode, two whitespace regex matches), and after each fork every page they write is copied again (~20 a job).
_scan_once = json.JSONDecoder().scan_once


def _parse_command(line):
    try:
        return _scan_once(line.decode("utf-8"), 0)[0]
    except (StopIteration, UnicodeDecodeError):
        return json.loads(line)


def _send_line(line):
    data = line.encode("utf-8")
    while data:
        written = os.write(_control_out, data)
        data = data[written:]


def _send(event):
    data = (json.dumps(event, separators=(",", ":")) + "\n").encode("utf-8")
    while data:
        written = os.write(_control_out, data)
        data = data[written:]


def _thread_count():
    """Threads of this process as the kernel sees them (a C library may start its own)."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        threading = sys.modules.get("threading")
        return threading.active_count() if threading else 1


def _exit_code(status):
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    if os.WIFEXITED(status):
        return os.WEXITSTATUS(status)
    return 255


def _handle_signal(sig, handler):
    # _signal, not signal: the wrapper's enum conversions would touch (and so copy) ~40 more pages in every child.
    _changed_signals.setdefault(sig, _signal.signal(sig, handler))


def _prepare():
    """Moves the control channel off fds 0/1, leaves the agent's session and arms the death signal."""
    global _control_in, _control_out, _wake_read, _base_path, _prctl, _syscall
    _control_in = os.dup(0)
    _control_out = os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    os.close(devnull)
    # Its own session: a Ctrl-C meant for the agent must not kill the warm process (and with it the jobs).
    try:
        os.setsid()
    except OSError:
        pass
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            _prctl = libc.prctl
            _prctl(1, 9, 0, 0, 0)
            _syscall = libc.syscall
        except Exception:  # pragma: no cover - best effort only
            _prctl = None
    expected = os.environ.get("BATON_AGENT_PID")
    if expected and os.getppid() != int(expected):
        os._exit(137)

    # SIGCHLD wakes the select loop through a pipe; the handler itself does nothing.
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_read, False)
    os.set_blocking(wake_write, False)
    _wake_read = wake_read
    _handle_signal(signal.SIGCHLD, lambda signum, frame: None)
    signal.set_wakeup_fd(wake_write, warn_on_full_buffer=False)

    # sys.path as a job sees it is [its folder] + the runtime and package folders + this base.
    extra = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    _base_path = [p for p in sys.path[1:] if p not in extra]


def _preload():
    for name in _AHEAD:
        try:
            __import__(name)
        except ImportError:
            pass
    for name in [n.strip() for n in os.environ.get("BATON_PRELOAD", "").split(",") if n.strip()]:
        try:
            __import__(name)
        except BaseException as error:  # noqa: BLE001 - any failure is reported, not raised
            import traceback

            _send({"ev": "error", "error": "preload of %s failed: %s" % (name, "".join(traceback.format_exception_only(type(error), error)).strip())})
            os._exit(3)
    # Forking a process with threads is unsafe (a lock held by another thread stays held in the child);
    # nothing but this loop runs here after preloading, so no thread can appear later.
    threads = _thread_count()
    if threads != 1:
        _send({"ev": "error", "error": "the warm interpreter has %d threads after preloading (a preloaded module starts threads); forking it is unsafe" % threads})
        os._exit(3)
    # Objects alive now are never freed in a child: keeping the collector off them saves copying their pages.
    gc.collect()
    if hasattr(gc, "freeze"):
        gc.freeze()


def _reap(children):
    """Reports every child that ended. Whatever a job left running in its group is killed before
    the child is reaped, while its pid (and so its group id) cannot be reused."""
    while children:
        if hasattr(os, "waitid"):
            try:
                info = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
            except ChildProcessError:
                return
            if info is None or info.si_pid == 0:
                return
            pid = info.si_pid
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass
            _, status = os.waitpid(pid, 0)
        else:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass
        if pid == _spare_pid:
            _drop_spare()
            continue
        job_id = children.pop(pid, None)
        if job_id is not None:
            _send_line('{"ev":"exited","id":"%s","code":%d}\n' % (job_id, _exit_code(status)))


def _fork_spare(ahead=True):
    """Forks the next spare; returns True in the spare itself. A spare forked ahead of its job while no job runs
    rehearses becoming one (see _rehearse); one forked for a job that is waiting already, or among running jobs,
    does not."""
    global _spare_pid, _spare_pipe, _spare_ahead, _fork_error
    try:
        read_end, write_end = os.pipe()
    except OSError as error:
        _fork_error = str(error)
        return False
    try:
        pid = os.fork()
    except OSError as error:
        _fork_error = str(error)
        os.close(read_end)
        os.close(write_end)
        return False
    if pid == 0:
        os.close(write_end)
        _spare_pipe, _spare_ahead = read_end, ahead
        return True
    os.close(read_end)
    _spare_pid, _spare_pipe = pid, write_end
    _send_line('{"ev":"spare","pid":%d}\n' % pid)
    return False


def _drop_spare():
    """Forgets the spare (it died, or it took a job)."""
    global _spare_pid, _spare_pipe
    if _spare_pipe >= 0:
        os.close(_spare_pipe)
    _spare_pid, _spare_pipe = 0, -1


def _kill_spare():
    pid = _spare_pid
    _drop_spare()
    if pid:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except OSError:
            pass


def _hand_to_spare(request):
    """Gives the request to the spare (forking one now if there is none); returns its pid, 0 if it died first."""
    if not _spare_pid and _fork_spare(ahead=False):
        return -1
    pid = _spare_pid
    if not pid:
        return 0
    data = marshal.dumps(request)
    try:
        while data:
            data = data[os.write(_spare_pipe, data):]
    except OSError:
        # It died before its job (killed); the reaper reports nothing for it.
        pid = 0
    _drop_spare()
    return pid


def _serve():
    """Answers commands; returns "spare" in a forked spare, None when done."""
    children = {}
    pending = b""
    accepting = True
    spare_due = 0.0
    while accepting or children:
        timeout = None
        if accepting and not _spare_pid:
            timeout = max(0.0, spare_due + (_SPARE_WAIT_FOR_JOBS if children else 0.0) - time.monotonic())
        readable, _, _ = select.select([_control_in, _wake_read] if accepting else [_wake_read], [], [], timeout)
        if not readable:
            # Quiet for a moment: the next job's spare, forked from the state no job has touched.
            if _fork_spare(ahead=not children):
                return "spare"
            if not _spare_pid:
                spare_due = time.monotonic() + 1.0
            continue
        if _wake_read in readable:
            try:
                while os.read(_wake_read, 512):
                    pass
            except BlockingIOError:
                pass
            _reap(children)
        if _control_in not in readable:
            continue
        data = os.read(_control_in, 65536)
        if not data:
            accepting = False
            _kill_spare()
            _reap(children)
            continue
        pending += data
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            if not line.strip():
                continue
            request = _parse_command(line)
            if request.get("op") != "fork":
                continue
            if not request["id"].isdigit():
                _send({"ev": "refused", "id": request["id"], "error": "job ids are numbers"})
                continue
            pid = _hand_to_spare(request)
            if pid == 0:
                pid = _hand_to_spare(request)
            if pid < 0:
                return "spare"
            if pid == 0:
                _send({"ev": "refused", "id": request["id"], "error": "fork failed: %s" % _fork_error})
                continue
            children[pid] = request["id"]
            _send_line('{"ev":"forked","id":"%s","pid":%d}\n' % (request["id"], pid))
            # Forked later, while no command comes: the job that just left would share the CPU with it.
            spare_due = time.monotonic() + _SPARE_DELAY
        # A child may have ended while we forked.
        _reap(children)
    return None


def _connect(address, token, stream):
    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    sock.connect(address)
    sock.sendall(token.encode("ascii") + stream)
    return sock.detach()


def _become_spare():
    """In a forked spare, before any job: what becoming a job takes that is the same for every job."""
    os.setsid()
    if _prctl is not None:
        _prctl(1, 9, 0, 0, 0)
    if os.getppid() != _server_pid:
        os._exit(137)
    signal.set_wakeup_fd(-1)
    for sig, handler in _changed_signals.items():
        _signal.signal(sig, handler)
    _close_inherited_descriptors()


_CLOSE_RANGE = 436  # the same number on every Linux architecture (5.9 and later)


def _close_inherited_descriptors():
    """Closes every descriptor but the standard ones and the spare's pipe: one close_range() call each side of the
    pipe where the kernel has it (listing /proc/self/fd in Python writes ~20 more pages of the child)."""
    if _syscall is not None and _spare_pipe > 2:
        if _syscall(_CLOSE_RANGE, 3, _spare_pipe - 1, 0) == 0 and _syscall(_CLOSE_RANGE, _spare_pipe + 1, 0x7FFFFFFF, 0) == 0:
            return
    runner.close_inherited_descriptors(keep=_spare_pipe)


# The variables the agent sets for every job (JobEnvironment, JobChannel): a spare sets and removes them before its job.
_JOB_VARIABLES = (
    "PYTHONPATH", "BATON_JOB_ID", "BATON_ATTEMPT", "BATON_ENTRYPOINT", "BATON_PACKAGE_DIR", "BATON_INPUTS_FILE",
    "BATON_RESULT_FILE", "BATON_CONTROL_FILE", "BATON_ARTIFACTS", "BATON_SDK_WHEEL", "BATON_CHANNEL", "BATON_CHANNEL_TOKEN",
)


def _rehearse():
    """In a spare forked ahead of its job: the steps of becoming a job, once, on stand-in data.

    A forked child pays for each page it first writes (~40 us a page on some virtual machines), and a job's
    first steps write ~250 pages of interpreter state (the import machinery, os.environ, the io and socket
    modules): ~10 ms between the job's arrival and its function. Rehearsed here, the spare pays for those pages
    while the agent is idle, and the job finds them copied already. No job's data is here yet, and nothing
    stays behind: no module, finder, variable or descriptor."""
    # The request arrives as marshal.
    marshal.loads(marshal.dumps({"op": "fork", "id": "0", "cwd": "/", "set": {"A": "b"}, "unset": [], "path": [], "out": "", "token": ""}))
    # The stream connections (refused: nothing listens on this name).
    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        sock.connect("\0baton-spare-%d" % os.getpid())
    except OSError:
        pass
    finally:
        sock.close()
    # The job's environment, set and removed again (or set to what it is).
    stand_in = "/" * 100
    added = [name for name in _JOB_VARIABLES if name not in os.environ]
    os.environ.update({name: os.environ.get(name, stand_in) for name in _JOB_VARIABLES})
    for name in added:
        os.environ.pop(name, None)
    # Importing the entrypoint's module as a job does, through sys.path folders no finder has seen yet (the job's
    # own folder, where it is not; then its package's, where it is): here the runtime's _runner under a bare name,
    # forgotten again. Its top level only defines functions.
    runtime = os.path.dirname(runner.__file__)
    folders = [os.path.join(runtime, "__pycache__", ""), os.path.join(runtime, "")]
    saved_path = list(sys.path)
    sys.path[:0] = folders
    try:
        __import__("_runner")
    except Exception:  # noqa: BLE001 - a rehearsal only; a job reports what fails for it
        pass
    finally:
        sys.modules.pop("_runner", None)
        sys.path[:] = saved_path
        for folder in folders:
            sys.path_importer_cache.pop(folder, None)
    # Reading the inputs, calling the function, writing the result.
    with open(os.devnull, "r", encoding="utf-8") as handle:
        handle.read().strip()
    runner._accepted_names(_rehearse)
    with open(os.devnull, "w", encoding="utf-8") as handle:
        handle.write(json.dumps({"t": 0.0}))


def _wait_for_job():
    """Blocks until the warm process hands this spare a job; exits when it closes the pipe without one."""
    chunks = []
    while True:
        chunk = os.read(_spare_pipe, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(_spare_pipe)
    if not chunks:
        os._exit(0)
    # marshal, not json: the request was parsed once already, and json's decoder would touch more pages here.
    return marshal.loads(b"".join(chunks))


def _become_job(request):
    """In the spare that took a job: turn into the job's process, as a fresh interpreter would start."""
    stdout = _connect(request["out"], request["token"], b"o")
    stderr = _connect(request["out"], request["token"], b"e")
    os.dup2(stdout, 1)
    os.dup2(stderr, 2)
    os.close(stdout)
    os.close(stderr)
    # The interpreter's own stdio objects (made at start-up for -u) now write to the job's sockets;
    # stdin reads /dev/null, as fd 0 has since _prepare.
    sys.stdin, sys.stdout, sys.stderr = sys.__stdin__, sys.__stdout__, sys.__stderr__

    os.chdir(request["cwd"])
    for name in request["unset"]:
        os.environ.pop(name, None)
    os.environ.update(request["set"])
    sys.path[:] = [request["cwd"]] + list(request["path"]) + _base_path
    sys.argv = [runner.__file__]
    if request.get("gate"):
        _wait_for_go()


def _wait_for_go():
    """Waits, ready, until the agent lets the job run: one byte on the job's stdout connection, sent once the server
    has recorded the start. The agent kills a job it does not let run; a connection closed first ends it here."""
    try:
        go = os.read(1, 1)
    except OSError:
        go = b""
    if go != b"g":
        os._exit(1)


def _finish(code):
    """What interpreter shutdown does for a job (join its threads, run atexit, flush), then exit
    without tearing down the heap: freeing every inherited object would copy their pages for nothing."""
    threading = sys.modules.get("threading")
    if threading is not None and hasattr(threading, "_shutdown"):
        try:
            threading._shutdown()
        except BaseException:  # noqa: BLE001 - the exit code is decided already
            pass
    import atexit

    try:
        atexit._run_exitfuncs()
    except BaseException:  # noqa: BLE001
        pass
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:  # noqa: BLE001
            pass
    os._exit(code)


def _exit_code_of(exit_request):
    """The process exit code a fresh interpreter gives sys.exit(value)."""
    code = exit_request.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    try:
        print(code, file=sys.stderr)
    except BaseException:  # noqa: BLE001
        pass
    return 1


def main():
    _prepare()
    _preload()
    _send({"ev": "ready", "pid": os.getpid()})
    if _serve() is None:
        return 0
    _become_spare()
    if _spare_ahead:
        try:
            _rehearse()
        except Exception:  # noqa: BLE001 - the job does not depend on it
            pass
    _become_job(_wait_for_job())
    try:
        code = runner.run()
    except SystemExit as exit_request:
        code = _exit_code_of(exit_request)
    _finish(code)
    return code


if __name__ == "__main__":
    sys.exit(main())
