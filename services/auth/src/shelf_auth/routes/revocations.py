"""The revocation feed: what the other services must stop honouring before it expires."""

from __future__ import annotations

import hashlib

from flask import Response, request
from flask_smorest import Blueprint

from shelf_identity import allow
from shelf_kit.db import session

from .. import revocations
from ..schemas.service import RevocationFeedSchema

blp = Blueprint("revocations", __name__, description="Revoked tokens and keys (services only)")


@blp.route("/v1/revocations")
@allow(blp, "service")
@blp.response(200, RevocationFeedSchema)
@blp.alt_response(304, description="Nothing changed since the ETag sent in If-None-Match")
def feed():
    """What stopped being good before it expires (services only), oldest first.

    Only revocations younger than an access token lives (plus a leeway, `window_seconds`)
    are listed: older ones void only tokens that have expired. A verifier drops an access
    token whose `sid` a "session" entry names, or whose `ver` is below the `token_version`
    of a "user" entry for its `sub`; it forgets what it cached about the API key of any user
    an entry it had not seen names. The answer carries an ETag: send it back in
    If-None-Match and an unchanged list is a 304 without a body."""
    rows = revocations.recent(session=session())
    tag = hashlib.sha256(",".join(str(row.id) for row in rows).encode()).hexdigest()[:32]
    if tag in request.if_none_match:
        return Response(status=304, headers={"ETag": f'"{tag}"'})
    return (
        {"window_seconds": int(revocations.window().total_seconds()), "revocations": rows},
        {"ETag": f'"{tag}"', "Cache-Control": "no-cache"},
    )
