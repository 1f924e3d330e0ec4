"""Starting to play as the player does: the watch page (a GET that changes nothing), then the CSRF-checked POST
that opens the session and answers with the stream prefix, where to resume and the session's URLs."""


def start_playing(client, work, *, expect: int = 200) -> dict:
    page = client.get(f"/watch/{work.pk}/")
    assert page.status_code == (200 if expect == 200 else page.status_code), page.content[:500]
    response = client.post(f"/watch/{work.pk}/start")
    assert response.status_code == expect, response.content[:500]
    return response.json()


def file_body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content
