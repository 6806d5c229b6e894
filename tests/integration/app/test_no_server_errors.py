"""Whatever a client sends, the answer is never a 5xx (property-based, against the live app)."""

from __future__ import annotations

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Stack

json_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.text(max_size=40),
    st.floats(allow_nan=False, allow_infinity=False),
)
json_value = st.recursive(
    json_scalar,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
line = st.fixed_dictionaries({"product_id": json_value, "quantity": json_value})
order_body = st.fixed_dictionaries(
    {},
    optional={
        "customer": st.fixed_dictionaries({}, optional={"name": json_value, "phone": json_value}) | json_value,
        "fulfilment": st.sampled_from(["pickup", "delivery", "drone", ""]) | json_value,
        "payment_method": st.sampled_from(["cash", "kredit"]) | json_value,
        "address": st.fixed_dictionaries({}, optional={"dusun": json_value, "rt": json_value, "landmark": json_value}),
        "lines": st.lists(line, max_size=4) | json_value,
        "note": json_value,
    },
)
query_value = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))


def test_order_api_never_answers_5xx(stack: Stack) -> None:
    with httpx.Client(base_url=stack.url, timeout=60) as client:

        @SETTINGS
        @given(body=order_body, key=st.none() | st.text(max_size=140))
        def check(body: dict[str, object], key: str | None) -> None:
            headers = {"Idempotency-Key": key} if key and key.strip() and key.isprintable() and key.isascii() else {}
            response = client.post("/api/cooperatives/lok-baintan/orders", json=body, headers=headers)
            assert response.status_code < 500, (body, response.text)

        check()


def test_search_and_shop_never_answer_5xx(stack: Stack) -> None:
    with httpx.Client(base_url=stack.url, timeout=60) as client:

        @SETTINGS
        @given(
            params=st.dictionaries(
                st.sampled_from(
                    [
                        "q",
                        "category",
                        "producer",
                        "min_price",
                        "max_price",
                        "in_stock",
                        "sort",
                        "page",
                        "per_page",
                        "kategori",
                        "produsen",
                        "harga_min",
                        "harga_maks",
                        "ada_stok",
                        "urut",
                        "halaman",
                    ]
                ),
                query_value,
                max_size=6,
            )
        )
        def check(params: dict[str, str]) -> None:
            for path in (
                "/api/cooperatives/lok-baintan/search",
                "/k/lok-baintan",
                "/api/cooperatives/lok-baintan/products",
            ):
                response = client.get(path, params=params)
                assert response.status_code < 500, (path, params, response.text[:300])

        check()


def test_forms_never_answer_5xx(stack: Stack) -> None:
    with httpx.Client(base_url=stack.url, timeout=60) as client:
        client.get("/k/lok-baintan")
        token = client.cookies["csrftoken"]

        @SETTINGS
        @given(
            fields=st.dictionaries(
                st.sampled_from(
                    [
                        "product_id",
                        "quantity",
                        "action",
                        "name",
                        "phone",
                        "fulfilment",
                        "dusun",
                        "rt",
                        "rw",
                        "landmark",
                        "note",
                        "idempotency_key",
                        "payment_method",
                    ]
                ),
                query_value,
                max_size=6,
            )
        )
        def check(fields: dict[str, str]) -> None:
            for path in (
                "/k/lok-baintan/keranjang",
                "/k/lok-baintan/keranjang/ubah",
                "/k/lok-baintan/checkout",
                "/masuk",
            ):
                response = client.post(path, data={**fields, "_csrf_token": token})
                assert response.status_code < 500, (path, fields, response.text[:300])

        check()
