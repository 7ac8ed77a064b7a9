"""The pages, one blueprint per part of the ui. Plain Flask routes: HTML is not part of the
OpenAPI document."""
