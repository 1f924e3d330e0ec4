#!/usr/bin/env python3
"""A tiny reference client of the Reelhouse API (docs/api.md), standard library only.

    python examples/api_client.py http://localhost:8000 "harbour lights"

It signs this device in with a code (RFC 8628: it prints the code and the address to approve it at, then polls),
searches the catalog, picks the first result (a film, or the first episode of a series), starts playing it and
prints the signed HLS master playlist URL, which any HLS player (ffplay, VLC, mpv) plays.
"""

import argparse
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code"


class ApiError(Exception):
    pass


def call(server: str, method: str, path: str, *, token: str = "", body: dict | None = None, form: dict | None = None):
    """One request; the decoded JSON answer (the error's JSON too, with its HTTP status)."""
    headers = {"Accept": "application/json", "User-Agent": "reelhouse-example-client/1.0"}
    data = None
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if body is not None:
        data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
    elif form is not None:
        data, headers["Content-Type"] = urllib.parse.urlencode(form).encode(), "application/x-www-form-urlencoded"
    request = urllib.request.Request(server.rstrip("/") + path, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def sign_in(server: str) -> str:
    """The device grant: show the code, poll until the subscriber approves; returns the bearer token."""
    status, grant = call(server, "POST", "/device/code")
    if status != 200:
        raise ApiError(f"asking for a code failed ({status}): {grant}")
    print(f"To sign in, open {grant['verification_uri']} and enter the code {grant['user_code']}", flush=True)
    print(f"(or open {grant['verification_uri_complete']})", flush=True)
    interval, deadline = grant["interval"], time.monotonic() + grant["expires_in"]
    while time.monotonic() < deadline:
        time.sleep(interval)
        status, answer = call(server, "POST", "/device/token",
                              form={"grant_type": GRANT_TYPE, "device_code": grant["device_code"]})
        if status == 200:
            print("Signed in.", flush=True)
            return answer["access_token"]
        error = answer.get("error")
        if error == "slow_down":
            interval += 5
        elif error != "authorization_pending":
            raise ApiError(f"sign-in failed: {error}: {answer.get('error_description', '')}")
    raise ApiError("the code expired before it was approved; run again for a new one")


def api(server: str, token: str, method: str, path: str, body: dict | None = None):
    status, answer = call(server, method, "/api/v1" + path, token=token, body=body)
    if status >= 400:
        raise ApiError(f"{method} {path}: {status} {answer['code']}: {answer['message']}")
    return answer


def first_playable(server: str, token: str, query: str) -> tuple[int, str]:
    """The work id and name of the first search result: a film or episode itself, a series' first episode."""
    results = api(server, token, "GET", "/search?" + urllib.parse.urlencode({"q": query, "limit": 5}))["results"]
    if not results:
        raise ApiError(f"nothing found for {query!r}")
    hit = results[0]
    if hit["kind"] != "series":
        return hit["id"], hit["title"]
    series = api(server, token, "GET", f"/series/{hit['slug']}")
    season = series["seasons"][0]["number"]
    episode = api(server, token, "GET", f"/series/{hit['slug']}/seasons/{season}/episodes")["items"][0]
    return episode["id"], f"{series['title']} {episode['code']} {episode['title']}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("server", help="the Reelhouse address, e.g. http://localhost:8000")
    parser.add_argument("query", help="what to search for")
    parser.add_argument("--token", default="", help="a bearer token from an earlier sign-in (skips the code)")
    args = parser.parse_args(argv)
    try:
        token = args.token or sign_in(args.server)
        work_id, name = first_playable(args.server, token, args.query)
        print(f"Found: {name}", flush=True)
        played = api(args.server, token, "POST", "/playback/start", {"work_id": work_id})
    except ApiError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"Play: {played['master_url']}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
