# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Security guards every entry point (modules, the inventory plugin) applies before it talks to the API.

- ``ansible_core_problem(version)``: the collection refuses an ansible-core older than
  ``MIN_ANSIBLE_CORE``. Before 2.19 ansible-core templated any string that reached a host
  variable or ``compose``, so a machine named ``{{ lookup('pipe', ...) }}`` ran code on the
  controller (docs/security.md, finding 1). ``meta/runtime.yml`` says the same minimum.
- ``key_destination_problem(app_url, api_key, environ)``: a key from the environment goes only to
  the URL configured beside it (VIAM_APP_URL, else the default), never to an app_url an option or
  a variable points elsewhere (docs/authentication.md).
- ``plaintext_problem(app_url)``: http:// to a host that is not this machine; ViamClient refuses it
  unless ``allow_plaintext`` is set.

Pure functions of their arguments: no grpc, no ansible imports, cheap to load (client.py is
imported inside the functions that need its URL parsing, as client.py imports this file lazily too).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import typing as t

# Keep in step with meta/runtime.yml requires_ansible.
MIN_ANSIBLE_CORE = (2, 19, 0)


def version_tuple(text: t.Optional[str]) -> t.Tuple[int, ...]:
    """'2.19.0rc1' -> (2, 19, 0): the leading digits of the first three dot-separated pieces."""
    parts = []
    for piece in (text or "").split(".")[:3]:
        digits = ""
        for char in piece:
            if not char.isdigit():
                break
            digits += char
        parts.append(int(digits or 0))
    while len(parts) < 3:
        parts.append(0)
    return tuple(parts)


def ansible_core_problem(version: t.Optional[str], what: str = "viam.cloud") -> t.Optional[str]:
    """A message when ansible-core ``version`` is older than the supported minimum, else None."""
    if version_tuple(version) >= MIN_ANSIBLE_CORE:
        return None
    return ("%s needs ansible-core >= %s, found %s. Older ansible-core templates text that comes from the Viam API "
            "(machine names, metadata), which would let anyone who can rename a machine run code on this controller. "
            "Upgrade with: pip install 'ansible-core>=%s'"
            % (what, ".".join(str(n) for n in MIN_ANSIBLE_CORE), version or "an unknown version",
               ".".join(str(n) for n in MIN_ANSIBLE_CORE)))


# ------------------------------------------------------------------ where the key may go
#
# The AWX credential (and any CI secret store) puts the organization key in VIAM_API_KEY next to
# VIAM_APP_URL. Whoever may set a task option or a variable (a job launcher's extra vars, a role's
# *_app_url) must not be able to point that key at a server of their choosing: the key is bound to
# the URL configured beside it. A key given explicitly with its own app_url is the user's choice.

KEY_ENV = "VIAM_API_KEY"
URL_ENV = "VIAM_APP_URL"


def _endpoint(app_url: t.Optional[str]) -> t.Optional[t.Tuple[bool, str, int]]:
    """(tls, lower-case host, port) of an app_url, the default for an empty one, None when unparseable."""
    from ansible_collections.viam.cloud.plugins.module_utils.client import DEFAULT_APP_URL, parse_app_url
    from ansible_collections.viam.cloud.plugins.module_utils.errors import ViamError

    try:
        tls, host, port = parse_app_url(app_url or DEFAULT_APP_URL)
    except ViamError:
        return None
    return tls, host.lower(), port


def key_destination_problem(app_url: t.Optional[str], api_key: t.Optional[str], environ: t.Mapping[str, str],
                            explicit: str = "api_key_id and api_key in the task, or in module_defaults for "
                                            "group/viam.cloud.viam") -> t.Optional[str]:
    """A message when the key of the environment would go to another URL than the environment's, else None.

    Ansible's env_fallback does not say where a value came from, so "the key comes from the environment"
    is decided by value: ``api_key`` equals ``environ['VIAM_API_KEY']``. The same secret typed into the task
    is therefore bound to VIAM_APP_URL as well, which is the safe reading. URLs are compared after
    normalisation (scheme, lower-case host, default port); an empty app_url or VIAM_APP_URL means the
    default. An app_url that does not parse is left to the client, which refuses it before any
    connection. ``explicit`` says where the caller's user passes a key explicitly.
    """
    env_key = environ.get(KEY_ENV)
    if not api_key or not env_key or api_key != env_key:
        return None
    from ansible_collections.viam.cloud.plugins.module_utils.client import DEFAULT_APP_URL

    target = _endpoint(app_url)
    if target is None:
        return None
    configured_text = environ.get(URL_ENV) or ""
    configured = _endpoint(configured_text)
    if configured is not None and configured == target:
        return None
    beside = ("VIAM_APP_URL (%s)" % configured_text if configured_text
              else "the default %s (VIAM_APP_URL is not set)" % DEFAULT_APP_URL)
    return ("app_url %s is not the URL configured beside the API key of the environment, %s. A key from the "
            "environment (VIAM_API_KEY) is sent only to that URL, so that an option or variable cannot redirect "
            "it to another server. To use this app_url, pass its key explicitly with it (%s), or set "
            "VIAM_APP_URL to it." % ((app_url or DEFAULT_APP_URL), beside, explicit))


# ------------------------------------------------------------------ plaintext

def plaintext_problem(app_url: t.Optional[str]) -> t.Optional[str]:
    """A sentence when ``app_url`` is plaintext http:// to a host that is not this machine, else None.

    Loopback is exempt: the key never leaves the machine (the emulator, a port forward). An app_url
    that does not parse gives None: the client refuses it with its own message.
    """
    from ansible_collections.viam.cloud.plugins.module_utils.client import is_loopback

    endpoint = _endpoint(app_url)
    if endpoint is None or endpoint[0] or is_loopback(endpoint[1]):
        return None
    return ("app_url %s is plaintext http:// to a host that is not this machine: the API key and every response "
            "travel unencrypted" % app_url)
