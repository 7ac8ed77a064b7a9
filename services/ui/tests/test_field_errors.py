"""What a service refused, put on the form's fields: the messages of each shape Shelf's
services answer (found against the real api: a list field's item messages come by index)."""

from shelf_http import ServiceRejected
from shelf_ui.clients import field_errors

TOO_LONG = "Ensure this field has no more than 64 characters."


def refused(body, service: str = "api") -> ServiceRejected:
    return ServiceRejected(
        "refused", service=service, method="POST", url="http://api/x", status=400, problem=body
    )


def test_messages_of_a_list_fields_items_are_kept_for_the_field():
    # api (marshmallow, linkding's shape): {"tag_names": {"1": [...]}} for the second tag
    assert field_errors(refused({"tag_names": {"1": [TOO_LONG], "3": [TOO_LONG]}})) == {
        "tag_names": [TOO_LONG, TOO_LONG]
    }
    assert field_errors(
        refused(
            {
                "status": 422,
                "detail": "The request is not valid: tags.",
                "errors": {"tags": {"0": ["Not a tag."]}},
            },
            "auth",
        )
    ) == {"tags": ["Not a tag."]}


def test_the_other_shapes_are_read_as_before():
    assert field_errors(refused({"url": ["Enter a valid URL."], "detail": "x"})) == {
        "url": ["Enter a valid URL."]
    }
    assert field_errors(refused({"non_field_errors": ["Nope."]})) == {"": ["Nope."]}
    assert field_errors(refused({"status": 409, "detail": "Taken."}, "auth")) == {"": ["Taken."]}
    assert field_errors(refused(None)) == {"": ["The api service refused this (400)."]}
