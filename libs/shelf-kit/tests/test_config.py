import importlib.metadata
import tomllib
from pathlib import Path

import pytest

import shelf_kit
from shelf_kit import ConfigError, Setting, sqlite_default
from shelf_kit.config import read_settings


def test_defaults_work_locally():
    values = read_settings({"SHELF_X_DATABASE_URL": Setting(sqlite_default("x.db"))}, environ={})
    assert values["SHELF_ENV"] == "development"
    assert values["SHELF_X_DATABASE_URL"] == "sqlite:///var/x.db"


def test_environment_values_are_typed():
    settings = {"SHELF_X_OPEN": Setting(False), "SHELF_X_WORKERS": Setting(2)}
    values = read_settings(settings, environ={"SHELF_X_OPEN": "yes", "SHELF_X_WORKERS": "8"})
    assert values["SHELF_X_OPEN"] is True
    assert values["SHELF_X_WORKERS"] == 8


def test_bad_number_names_the_variable():
    with pytest.raises(ConfigError, match="SHELF_X_WORKERS"):
        read_settings({"SHELF_X_WORKERS": Setting(2)}, environ={"SHELF_X_WORKERS": "many"})


@pytest.mark.parametrize("env", ["production", "development", "staging"])
def test_secret_has_no_default_outside_tests(env):
    """A secret's default is in the source for anyone to read: an installation that used it
    (`make run` is development) would accept tokens and cookies anyone can make."""
    settings = {"SHELF_SECRET_KEY": Setting("dev", secret=True)}
    with pytest.raises(ConfigError, match=f"SHELF_SECRET_KEY must be set when SHELF_ENV={env}"):
        read_settings(settings, environ={"SHELF_ENV": env})
    environ = {"SHELF_ENV": env, "SHELF_SECRET_KEY": "s"}
    assert read_settings(settings, environ=environ)["SHELF_SECRET_KEY"] == "s"


def test_development_is_the_default_env_and_needs_its_secrets():
    settings = {"SHELF_SECRET_KEY": Setting("dev", secret=True)}
    with pytest.raises(ConfigError, match="SHELF_SECRET_KEY must be set when SHELF_ENV=dev"):
        read_settings(settings, environ={})


def test_tests_may_use_a_secret_default():
    settings = {"SHELF_SECRET_KEY": Setting("dev", secret=True)}
    assert read_settings(settings, environ={"SHELF_ENV": "test"})["SHELF_SECRET_KEY"] == "dev"
    overridden = read_settings(settings, environ={}, overrides={"SHELF_ENV": "test"})
    assert overridden["SHELF_SECRET_KEY"] == "dev"


def test_version_is_the_one_pyproject_declares():
    # It had said 0.1.4 while pyproject.toml said 0.1.5 (issue 16).
    with (Path(__file__).parents[1] / "pyproject.toml").open("rb") as file:
        declared = tomllib.load(file)["project"]["version"]
    assert shelf_kit.__version__ == importlib.metadata.version("shelf-kit") == declared
