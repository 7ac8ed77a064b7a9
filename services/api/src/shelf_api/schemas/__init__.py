"""What the endpoints take and answer (marshmallow; flask-smorest documents them), one module
per surface: `linkding` (`/api/...`), `v1` (Shelf's own user endpoints), `internal`
(services only), `admin`; `common` holds what they are built from."""
