"""What tasks' endpoints take and answer (marshmallow; flask-smorest documents them), a module
per surface: `jobs`, `schedules`, `stats`."""
