"""The public keys other services verify access tokens with."""

from __future__ import annotations

from flask_smorest import Blueprint
from jwt.algorithms import ECAlgorithm

from shelf_identity import allow

from ..keys import get_key_ring
from ..schemas.service import JwksSchema
from ..tokens import ALGORITHM

blp = Blueprint("jwks", __name__, description="Public keys (JWKS)")


@blp.route("/.well-known/jwks.json")
@allow(blp, public=True)
@blp.response(200, JwksSchema)
def jwks():
    """Every key in auth's key ring: the signing key and older ones still accepted."""
    keys = []
    for kid, key in sorted(get_key_ring().keys().items()):
        jwk = ECAlgorithm.to_jwk(key.public, as_dict=True)
        keys.append(
            {
                "kty": jwk["kty"],
                "crv": jwk["crv"],
                "x": jwk["x"],
                "y": jwk["y"],
                "kid": kid,
                "alg": ALGORITHM,
                "use": "sig",
            }
        )
    return {"keys": keys}, {"Cache-Control": "public, max-age=60"}
