# Type stubs for the public functions of the baton module (the module itself imports nothing beyond os and sys, so a
# short job does not pay for typing at run time). Each part of the SDK adds its functions here.
import os
from typing import Any, Dict, Iterator, List, Optional, Union

from baton.artifacts import save_artifact as save_artifact

__version__: str
__all__: List[str]

def inputs() -> Dict[str, Any]:
    """The job's inputs (defaults applied) as a dict."""

def input(name: str, default: Any = ...) -> Any:
    """One input by name, or default when absent."""

def set_result(value: Any) -> None:
    """Sets the job's result; value must be JSON-serialisable (at most 1 MiB of JSON)."""

def result_was_set() -> bool: ...

def progress(percent: Optional[Union[int, float]] = ..., message: Optional[object] = ...) -> None:
    """Reports progress (percent 0-100 and/or a message); the agent sends the latest one."""

def log(message: object) -> None:
    """Writes a line to the job's log."""

class AssetNotFound(KeyError):
    """No asset of that name that this job may read."""

class Credential:
    """A credential asset; its secret is never shown by repr() or str()."""
    name: str
    username: Optional[str]
    @property
    def secret(self) -> Optional[str]: ...
    @property
    def password(self) -> Optional[str]: ...

def asset(name: str) -> Any:
    """An asset's value (text, number, boolean or JSON) for this job's queue and agent group."""

def credential(name: str) -> Credential:
    """A credential asset; its secret is masked in the job's log."""

def heartbeat() -> None:
    """Tells Baton that a long step is still alive (renews the job's lease)."""

def checkpoint(state: Any) -> None:
    """Saves JSON state (at most 256 KiB) that a later attempt of this job reads with last_checkpoint()."""

def last_checkpoint(default: Any = ...) -> Any:
    """The state the last checkpoint() of this job saved, or default."""

class ChannelError(Exception):
    """The agent or the server refused a work-item or child-job call (status and detail)."""
    status: int
    @property
    def detail(self) -> str: ...

class WorkItem:
    """One leased work item."""
    id: str
    queue: str
    reference: Optional[str]
    payload: Any
    priority: int
    deadline: Optional[str]
    attempt: int
    max_attempts: int
    state: str
    def done(self, output: Any = ...) -> None: ...
    def fail(self, reason: str, business: bool = ...) -> None: ...
    @property
    def settled(self) -> bool: ...

class _WorkItems:
    def __call__(self, queue: str, limit: Optional[int] = ...) -> Iterator[WorkItem]: ...
    def claim(self, queue: str) -> Optional[WorkItem]: ...
    def add(self, queue: str, payload: Any = ..., reference: Optional[str] = ..., priority: Optional[int] = ...,
            deadline: Optional[str] = ..., max_attempts: Optional[int] = ...) -> str: ...
    def add_many(self, queue: str, items: List[Dict[str, Any]]) -> List[str]: ...

workitems: _WorkItems

class ChildJobFailed(Exception):
    """A child job ended without succeeding."""

class ChildJob:
    id: str
    package: Optional[str]
    depth: int
    @property
    def state(self) -> Optional[str]: ...
    def done(self) -> bool: ...
    def wait(self, timeout: Optional[float] = ...) -> "ChildJob": ...
    def result(self, timeout: Optional[float] = ...) -> Any: ...

def submit(package: str, inputs: Optional[Dict[str, Any]] = ..., version: Optional[str] = ..., queue: Optional[str] = ...,
           priority: Optional[int] = ...) -> ChildJob:
    """Starts a child job in this job's tenant (depth-limited)."""

def wait_all(handles: List[ChildJob], timeout: Optional[float] = ...) -> List[Any]: ...

# Parts of the SDK whose stubs are not written yet type as Any
# instead of failing a type check.
def __getattr__(name: str) -> Any: ...
