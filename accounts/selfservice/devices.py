"""Name a session's browser and system in plain words ("Chrome on Linux") from its User-Agent header."""

from functools import lru_cache

from ua_parser import parse

UNKNOWN = "Unknown browser"


@lru_cache(maxsize=256)
def device_name(user_agent: str) -> str:
    """Return "<browser> on <system>" as uap-core's regexes read ``user_agent``; "Unknown browser" when they cannot.

    The header is whatever the browser sent (at most 300 characters are kept):
    only the parser's family names reach the page.
    """
    parsed = parse(user_agent or "")
    browser = parsed.user_agent.family if parsed.user_agent and parsed.user_agent.family != "Other" else ""
    system = parsed.os.family if parsed.os and parsed.os.family != "Other" else ""
    if browser and system:
        return f"{browser} on {system}"
    return browser or (f"A browser on {system}" if system else UNKNOWN)
