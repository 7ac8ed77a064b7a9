"""A service that only sends service tokens (tasks' job worker) never loads PyJWT and
cryptography (~11 MiB of every such process, issue 15): they load with the first token
verified."""

from __future__ import annotations

import json
import subprocess
import sys

SETUP = """
from flask import Flask
from shelf_identity import setup_identity
app = Flask("probe")
app.config.update(SHELF_ENV="test")
setup_identity(app, audience="api", auth_url="http://127.0.0.1:9", client_id="api",
               client_secret="secret")
"""


def loaded_after(code: str) -> set[str]:
    probe = (
        f"import sys, json\n{code}\n"
        "print(json.dumps(sorted({n.split('.')[0] for n in sys.modules}"
        " & {'jwt', 'cryptography'})))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    return set(json.loads(result.stdout.splitlines()[-1]))


def test_protecting_an_app_loads_no_jwt_library():
    assert loaded_after(SETUP) == set()


def test_verifying_a_token_loads_it():
    code = (
        SETUP
        + """
from shelf_identity.errors import NotAuthenticated
try:
    app.extensions["shelf_identity"].verifier.claims("not.a.token")
except Exception:
    pass
"""
    )
    assert loaded_after(code) == {"jwt", "cryptography"}
