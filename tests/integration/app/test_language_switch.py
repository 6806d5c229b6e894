"""The footer's language switch: back to the page it was tapped on, never elsewhere; a made-up language is refused."""

from __future__ import annotations

from tests.conftest import Stack
from tests.support import data


async def test_the_switch_returns_to_the_page_and_refuses_what_it_does_not_speak(stack: Stack) -> None:
    async with stack.client() as client:
        token = await data.csrf_token(client, "/k/lok-baintan")
        shop = stack.url + "/k/lok-baintan?q=gula"
        back = await client.post("/bahasa", data={"bahasa": "en", "_csrf_token": token}, headers={"referer": shop})
        assert back.status_code == 303 and back.headers["location"] == "/k/lok-baintan?q=gula"
        assert client.cookies.get("pd_lang") == "en"
        assert (await client.get("/k/lok-baintan")).headers["content-language"] == "en"

        elsewhere = await client.post(
            "/bahasa", data={"bahasa": "id", "_csrf_token": token}, headers={"referer": "https://example.com/k/x"}
        )
        assert elsewhere.status_code == 303 and elsewhere.headers["location"] == "/"
        assert client.cookies.get("pd_lang") == "id"
        unsafe = await client.post("/bahasa", data={"bahasa": "id", "next": "//example.com", "_csrf_token": token})
        assert unsafe.headers["location"] == "/"

        refused = await client.post("/bahasa", data={"bahasa": "fr", "_csrf_token": token})
        assert refused.status_code == 422 and "Bahasa ini tidak tersedia" in refused.text
        assert client.cookies.get("pd_lang") == "id"  # nothing changed
        api = await client.post(
            "/api/auth/login", json={"phone": "12", "password": "x"}, headers={"accept-language": "en-US,en;q=0.9"}
        )
        assert api.status_code in {401, 422} and api.headers["content-language"] == "id"  # the cookie wins
