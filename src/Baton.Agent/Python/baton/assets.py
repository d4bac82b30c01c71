"""Assets and credentials: named values the tenant keeps in Baton, read by a job by name.

    import baton
    url = baton.asset("crm-url")            # text, number, boolean or JSON value
    login = baton.credential("crm-login")   # login.username, login.secret
    print(login)                            # Credential('crm-login', username='bot', secret=***)

Inside an agent the value comes from the server, for the job's queue and its agent's group; a
credential's secret is masked (***) in every log line the job prints afterwards. Outside an agent
(local runs), assets come from the JSON file named by $BATON_ASSETS_FILE:
{"crm-url": "https://…", "crm-login": {"username": "bot", "secret": "…"}}.
"""

import os

from baton import _requests

__all__ = ["asset", "credential", "Credential", "AssetNotFound"]

_cache = {}


class AssetNotFound(KeyError):
    """No asset of that name is readable by this job (missing, or scoped to another queue or agent group)."""

    def __str__(self):
        return str(self.args[0]) if self.args else "asset not found"


class Credential(object):
    """A username and a secret. repr() and str() never show the secret; read .secret (or .password) to use it."""

    __slots__ = ("name", "username", "_secret")

    def __init__(self, name, username, secret):
        self.name = name
        self.username = username
        self._secret = secret

    @property
    def secret(self):
        return self._secret

    @property
    def password(self):
        return self._secret

    def __repr__(self):
        return "Credential(%r, username=%r, secret=***)" % (self.name, self.username)

    __str__ = __repr__

    def __eq__(self, other):
        return isinstance(other, Credential) and (self.name, self.username, self._secret) == (other.name, other.username, other._secret)

    def __hash__(self):
        return hash((self.name, self.username))

    def __reduce__(self):
        # Pickling would write the secret wherever the pickle goes.
        raise TypeError("a baton.Credential cannot be pickled")


def asset(name):
    """The value of asset `name`: str, int/float, bool, a JSON value, or a Credential for a credential."""
    if name in _cache:
        return _cache[name]
    value = _read(name)
    _cache[name] = value
    return value


def credential(name):
    """The credential asset `name` (a Credential); TypeError when the asset is not a credential."""
    value = asset(name)
    if not isinstance(value, Credential):
        raise TypeError("asset %r is not a credential" % name)
    return value


def _read(name):
    if not _requests.available():
        return _read_local(name)
    reply = _requests.ask("asset", name=name)
    if not reply.get("ok"):
        if reply.get("notFound"):
            raise AssetNotFound(reply.get("error") or ("no asset named %r" % name))
        raise _requests.RequestFailed(reply.get("error") or "the asset could not be read")
    found = reply["asset"]
    if found.get("type") == "credential":
        return Credential(found.get("name", name), found.get("username"), found.get("secret"))
    return found.get("value")


def _read_local(name):
    import json

    path = os.environ.get("BATON_ASSETS_FILE")
    if not path:
        raise AssetNotFound("no asset named %r: outside an agent, set BATON_ASSETS_FILE to a JSON file of assets" % name)
    with open(path, "r", encoding="utf-8") as handle:
        assets = json.load(handle)
    if name not in assets:
        raise AssetNotFound("no asset named %r in %s" % (name, path))
    value = assets[name]
    if isinstance(value, dict) and "secret" in value and set(value) <= {"username", "secret"}:
        return Credential(name, value.get("username"), value["secret"])
    return value
