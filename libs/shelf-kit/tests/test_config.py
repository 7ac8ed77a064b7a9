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


def test_secret_has_no_default_in_production():
    settings = {"SHELF_SECRET_KEY": Setting("dev", secret=True)}
    with pytest.raises(ConfigError, match="SHELF_SECRET_KEY must be set"):
        read_settings(settings, environ={"SHELF_ENV": "production"})
    environ = {"SHELF_ENV": "production", "SHELF_SECRET_KEY": "s"}
    production = read_settings(settings, environ=environ)
    assert production["SHELF_SECRET_KEY"] == "s"
    assert read_settings(settings, environ={})["SHELF_SECRET_KEY"] == "dev"


def test_version_is_the_one_pyproject_declares():
    # It had said 0.1.4 while pyproject.toml said 0.1.5 (issue 16).
    with (Path(__file__).parents[1] / "pyproject.toml").open("rb") as file:
        declared = tomllib.load(file)["project"]["version"]
    assert shelf_kit.__version__ == importlib.metadata.version("shelf-kit") == declared
