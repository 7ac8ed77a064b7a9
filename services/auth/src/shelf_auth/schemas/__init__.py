"""What auth's endpoints take and answer (marshmallow; flask-smorest documents them), a module
per surface: `users` (a person's own calls), `admin`, `service` (Shelf's services' calls), and
`common`."""
