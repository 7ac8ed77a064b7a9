from shelf_kit.migrations import run_env
from shelf_tasks.models import Base

run_env(Base.metadata)
