from shelf_auth.passwords import verify_password
from shelf_auth.users import find_by_username
from shelf_kit.db import get_database


def test_creates_an_admin_from_the_environment(app, runner):
    result = runner.invoke(args=["create-admin"], env={
        "SHELF_ADMIN_USERNAME": "Ada", "SHELF_ADMIN_PASSWORD": "correct horse battery",
        "SHELF_ADMIN_EMAIL": "ada@example.org"})
    assert result.exit_code == 0, result.output
    assert "Created administrator 'Ada'" in result.output
    with get_database(app).transaction() as session:
        user = find_by_username(session=session, username="ada")
        assert user.is_admin and user.is_active
        assert user.email == "ada@example.org"
        assert user.password_hash.startswith("$argon2id$")
        assert verify_password(user.password_hash, "correct horse battery")
        assert not verify_password(user.password_hash, "wrong horse battery")


def test_running_it_again_changes_nothing(app, runner):
    args = ["create-admin", "--username", "ada", "--password", "correct horse battery"]
    assert runner.invoke(args=args).exit_code == 0
    again = runner.invoke(args=["create-admin", "--username", "ADA", "--password", "another one!!"])
    assert again.exit_code == 0
    assert "already exists" in again.output
    with get_database(app).transaction() as session:
        assert verify_password(find_by_username(session=session, username="ada").password_hash,
                               "correct horse battery")


def test_weak_password_is_refused_with_the_reason(app, runner):
    result = runner.invoke(args=["create-admin", "--username", "bob", "--password", "short"])
    assert result.exit_code != 0
    assert "at least 10 characters" in result.output
    with get_database(app).transaction() as session:
        assert find_by_username(session=session, username="bob") is None
