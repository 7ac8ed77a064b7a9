"""linkding's user profile: /api/user/profile/."""

from __future__ import annotations

from flask import current_app

from shelf_identity import allow
from shelf_kit import kit
from shelf_kit.db import session

from .. import profiles
from ..linkding import LINKDING_API_VERSION
from ..schemas.linkding import (
    ProfilePatchSchema,
    ProfileSchema,
)
from .common import BODY, commit, linkding_blueprint, owner_id

blp = linkding_blueprint("user", __name__, "linkding's user profile")


def profile_answer(profile) -> dict:
    return {
        **profile.as_dict(),
        "version": LINKDING_API_VERSION,
        "shelf_version": kit(current_app).version,
    }


@blp.route("/api/user/profile/", methods=["GET"])
@allow(blp, "user")
@blp.response(200, ProfileSchema)
def get_profile():
    """The caller's preferences."""
    return profile_answer(profiles.get(session(), owner_id()))


@blp.route("/api/user/profile/", methods=["PATCH"])
@allow(blp, "user")
@blp.arguments(ProfilePatchSchema, location=BODY)
@blp.response(200, ProfileSchema)
def patch_profile(data):
    """Change the caller's preferences (a Shelf addition: linkding changes them in its UI)."""
    profile = profiles.update(session(), owner_id(), data)
    commit()
    return profile_answer(profile)
