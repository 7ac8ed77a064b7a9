from shelf_auth.models import Base
from shelf_kit.migrations import run_env

run_env(Base.metadata)
