"""Signing keys: files in a folder, published as a JWKS, rotated while auth runs."""

import os
import time
from concurrent.futures import ThreadPoolExecutor

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from helpers import bearer, log_in, problem
from jwt.algorithms import ECAlgorithm

from shelf_auth import create_app
from shelf_auth.keys import KeyRing, NoSigningKey, generate_key, generate_key_if_missing


def kid_of(token):
    return jwt.get_unverified_header(token)["kid"]


def jwks_kids(client):
    answer = client.get("/.well-known/jwks.json")
    assert answer.status_code == 200
    return [key["kid"] for key in answer.get_json()["keys"]]


def test_jwks_publishes_the_signing_key_as_the_contract_says(client, keys_dir, user_token):
    answer = client.get("/.well-known/jwks.json")
    (key,) = answer.get_json()["keys"]
    assert key["kid"] == kid_of(user_token) == next(keys_dir.glob("*.pem")).stem
    assert {k: key[k] for k in ("kty", "crv", "alg", "use")} == {
        "kty": "EC",
        "crv": "P-256",
        "alg": "ES256",
        "use": "sig",
    }
    public = ECAlgorithm.from_jwk(key)
    assert jwt.decode(user_token, public, algorithms=["ES256"], audience="shelf")["sub"]
    assert "max-age" in answer.headers["Cache-Control"]


def test_a_new_key_signs_while_tokens_of_the_old_one_still_verify(make_app, keys_dir, add_user):
    app = make_app(SHELF_AUTH_KEYS_RELOAD_SECONDS=0)
    client = app.test_client()
    add_user("ada")
    old_token = log_in(client, "ada").get_json()["access_token"]
    old_kid = kid_of(old_token)

    new_kid = generate_key(keys_dir).stem  # what `shelf-auth keys generate` does

    new_token = log_in(client, "ada").get_json()["access_token"]
    assert kid_of(new_token) == new_kid != old_kid
    assert sorted(jwks_kids(client)) == sorted([old_kid, new_kid])
    for token in (old_token, new_token):
        assert client.get("/v1/users/me", headers=bearer(token)).status_code == 200

    (keys_dir / f"{old_kid}.pem").unlink()  # retire the old key: its tokens stop working
    assert jwks_kids(client) == [new_kid]
    body = problem(client.get("/v1/users/me", headers=bearer(old_token)), 401)
    assert body["detail"] == "The token was signed by an unknown key."


def test_the_configured_key_signs_even_when_it_is_not_the_newest(make_app, keys_dir, add_user):
    add_user("ada")
    chosen = generate_key(keys_dir).stem
    newest = generate_key(keys_dir).stem
    app = make_app(SHELF_AUTH_SIGNING_KEY_ID=chosen)
    assert kid_of(log_in(app.test_client(), "ada").get_json()["access_token"]) == chosen
    assert {chosen, newest} <= set(jwks_kids(app.test_client()))


def test_a_configured_key_that_is_missing_stops_start_up(make_app, keys_dir):
    generate_key(keys_dir)
    with pytest.raises(NoSigningKey, match="SHELF_AUTH_SIGNING_KEY_ID=gone names no private key"):
        make_app(SHELF_AUTH_SIGNING_KEY_ID="gone")


def test_production_refuses_to_start_without_a_key(database_url, keys_dir):
    config = {
        "SHELF_ENV": "production",
        "SHELF_AUTH_DATABASE_URL": database_url,
        "SHELF_AUTH_KEYS_DIR": str(keys_dir),
        "SHELF_AUTH_SERVICE_CLIENTS": "api:s3cret",
    }
    with pytest.raises(NoSigningKey, match="run `shelf-auth keys generate`"):
        create_app(config)
    assert not keys_dir.exists() or not list(keys_dir.iterdir())
    # The command line still works there, so the first key can be made.
    cli_app = create_app(config, require_signing_key=False)
    result = cli_app.test_cli_runner().invoke(args=["keys", "generate"])
    assert result.exit_code == 0, result.output
    (key_file,) = keys_dir.glob("*.pem")
    assert f"kid {key_file.stem}" in result.output
    assert key_file.stat().st_mode & 0o077 == 0  # only its owner may read a private key
    create_app(config).extensions["shelf_db"].dispose()
    cli_app.extensions["shelf_db"].dispose()


def test_development_makes_a_key_on_first_start(app, keys_dir):
    assert len(list(keys_dir.glob("*.pem"))) == 1
    assert app.test_client().get("/readyz").get_json()["checks"]["signing_key"]["ok"] is True


def test_keys_generate_if_missing_and_list(runner, keys_dir):
    (first,) = keys_dir.glob("*.pem")
    result = runner.invoke(args=["keys", "generate", "--if-missing"])
    assert result.exit_code == 0 and "nothing to do" in result.output
    assert len(list(keys_dir.glob("*.pem"))) == 1
    newer = generate_key(keys_dir).stem
    listing = runner.invoke(args=["keys", "list"]).output
    assert f"* {newer}  (private)" in listing and f"  {first.stem}  (private)" in listing


def test_public_only_and_broken_files_are_handled(keys_dir, caplog):
    signer = generate_key(keys_dir).stem
    retired = ec.generate_private_key(ec.SECP256R1()).public_key()
    (keys_dir / "zz-retired.pem").write_bytes(
        retired.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    (keys_dir / "zzz-broken.pem").write_text("not a key")
    ring = KeyRing(keys_dir)
    assert sorted(ring.keys()) == sorted([signer, "zz-retired"])
    assert ring.signing_key().kid == signer  # the public-only key sorts newer but cannot sign
    assert "zzz-broken.pem is not usable" in caplog.text


def test_the_folder_is_looked_at_again_only_after_the_interval(keys_dir):
    first = generate_key(keys_dir).stem
    ring = KeyRing(keys_dir, reload_seconds=3600)
    assert ring.signing_key().kid == first
    second = generate_key(keys_dir).stem
    assert ring.signing_key().kid == first
    ring.refresh(force=True)
    assert ring.signing_key().kid == second


def test_an_empty_folder_has_no_signing_key(tmp_path):
    with pytest.raises(NoSigningKey):
        KeyRing(tmp_path / "nothing-here").signing_key()


def test_processes_starting_together_agree_on_one_first_key(keys_dir):
    with ThreadPoolExecutor(8) as pool:
        written = list(pool.map(lambda _: generate_key_if_missing(KeyRing(keys_dir)), range(8)))
    assert len([path for path in written if path is not None]) == 1
    assert len(list(keys_dir.glob("*.pem"))) == 1


def test_a_new_key_signs_only_once_every_process_can_have_published_it(keys_dir):
    old = generate_key(keys_dir)
    os.utime(old, (time.time() - 120, time.time() - 120))
    new = generate_key(keys_dir)
    ring = KeyRing(keys_dir, reload_seconds=60)
    assert ring.signing_key().kid == old.stem
    assert set(ring.keys()) == {old.stem, new.stem}  # published at once
    os.utime(new, (time.time() - 61, time.time() - 61))
    ring.refresh(force=True)
    assert ring.signing_key().kid == new.stem
