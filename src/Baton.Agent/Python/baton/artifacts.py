"""Artifacts: files a job saves for its users, uploaded by the agent when the job ends.

Everything a job writes under the folder named by $BATON_ARTIFACTS is uploaded, named by its path under the folder;
save_artifact() copies a file (or a folder's files) there. Outside an agent the folder is ./artifacts (or what
`python -m baton run --artifacts DIR` chose), so a local run leaves the files where a developer can look at them.
"""

import os

__all__ = ["save_artifact", "artifacts_dir"]

_FORBIDDEN = set('\\:*?"<>|')
MAX_NAME_LENGTH = 255
MAX_SEGMENT_LENGTH = 100


def artifacts_dir() -> str:
    """The folder whose files become the job's artifacts (created on first use)."""
    folder = os.environ.get("BATON_ARTIFACTS") or os.path.abspath("artifacts")
    os.makedirs(folder, exist_ok=True)
    return folder


def check_name(name: str) -> "str | None":
    """None when name is a valid artifact name (a relative path of '/'-separated parts), else the reason it is not.
    The server applies the same rule (Baton.Core.Jobs.ArtifactNames)."""
    if not name:
        return "an artifact name is required"
    if len(name) > MAX_NAME_LENGTH:
        return "an artifact name has at most %d characters" % MAX_NAME_LENGTH
    if any(ord(c) < 32 or 127 <= ord(c) < 160 or c in _FORBIDDEN for c in name):
        return 'an artifact name may not hold control characters or any of \\ : * ? " < > |'
    for segment in name.split("/"):
        if not segment:
            return "an artifact name is a relative path: no leading, trailing or doubled '/'"
        if segment in (".", ".."):
            return "an artifact name may not hold '.' or '..' segments"
        if len(segment) > MAX_SEGMENT_LENGTH:
            return "each part of an artifact name has at most %d characters" % MAX_SEGMENT_LENGTH
        if segment.endswith((" ", ".")):
            return "no part of an artifact name may end with a space or a dot"
    return None


def save_artifact(path: "str | os.PathLike[str]", name: "str | None" = None) -> str:
    """Saves a file (or every file under a folder) as an artifact of this job and returns its name.

    name defaults to the file's own name; 'reports/2024.csv' puts it in a folder. Saving the same name again replaces
    it. The agent uploads the artifacts when the job ends, so the file may be deleted or changed after this returns.
    """
    import shutil

    source = os.fspath(path)
    if not os.path.exists(source):
        raise FileNotFoundError("baton.save_artifact: %s does not exist" % source)
    if name is None:
        name = os.path.basename(os.path.normpath(source))
    name = str(name).replace(os.sep, "/")
    reason = check_name(name)
    if reason:
        raise ValueError("baton.save_artifact: %r is not an artifact name: %s" % (name, reason))
    target = os.path.join(artifacts_dir(), *name.split("/"))
    if os.path.isdir(source):
        if os.path.abspath(source) != os.path.abspath(target):
            shutil.copytree(source, target, dirs_exist_ok=True)
        return name
    os.makedirs(os.path.dirname(target), exist_ok=True)
    if not (os.path.exists(target) and os.path.samefile(source, target)):
        # A copy under a temporary name, then a rename: the agent never uploads half a file.
        temp = target + ".baton-tmp"
        shutil.copyfile(source, temp)
        os.replace(temp, target)
    return name
