"""The world :mod:`tweetpub.generate` draws its synthetic tweets from: places in and around the Boston
box, users, and the hashtag mix of :mod:`tweetpub.generate_text` (a tech head and a long tail)."""

from __future__ import annotations

import random
import zlib
from typing import Any

from tweetpub.generate_text import HEAD_TAGS, TAIL_TAGS

# (name, full_name, country, bbox w,s,e,n, inside the Boston box?)
PLACES = [
    ("Boston", "Boston, MA", (-71.191155, 42.227926, -70.986166, 42.400819)),
    ("Cambridge", "Cambridge, MA", (-71.160356, 42.352429, -71.064398, 42.403974)),
    ("Somerville", "Somerville, MA", (-71.134949, 42.372946, -71.072489, 42.418260)),
    ("Brookline", "Brookline, MA", (-71.178935, 42.294884, -71.105316, 42.352212)),
    ("Quincy", "Quincy, MA", (-71.072057, 42.208820, -70.955418, 42.302540)),
    ("Lowell", "Lowell, MA", (-71.382692, 42.605787, -71.271265, 42.665534)),
    ("Salem", "Salem, MA", (-70.952520, 42.475830, -70.864670, 42.544900)),
    ("Massachusetts", "Massachusetts, USA", (-73.508142, 41.186328, -69.858861, 42.886589)),  # overlaps
    ("Worcester", "Worcester, MA", (-71.884966, 42.210279, -71.731671, 42.341050)),  # outside (west)
    ("Providence", "Providence, RI", (-71.472667, 41.772313, -71.373140, 41.861897)),  # outside (south)
    ("Portsmouth", "Portsmouth, NH", (-70.820378, 43.013750, -70.723380, 43.099210)),  # outside (north)
    ("Manhattan", "Manhattan, NY", (-74.026675, 40.683935, -73.910408, 40.877483)),
    ("San Francisco", "San Francisco, CA", (-122.514926, 37.708075, -122.357031, 37.833238)),
]
INSIDE_PLACES = 7  # the first seven lie inside the box

FIRST = ("ana", "ben", "chen", "dana", "eli", "fatima", "gus", "hana", "ivan", "jo", "kai", "lena", "maria",
         "nikhil", "omar", "pia", "quinn", "rosa", "sam", "tomas", "uma", "vik", "wen", "yusuf", "zoe")
ROLES = ("codes", "ops", "data", "cloud", "sre", "dev", "builds", "ships", "infra", "hacks", "learns", "bos")
BIOS = ("Platform engineer in Boston. Opinions my own.", "Data nerd, runner, coffee snob.",
        "Building clouds by day, bread by night.", "SRE. Pager veteran. Dog person.",
        "IoT and embedded things. Cambridge, MA.", "Developer advocate. Talks about containers a lot.",
        "Analytics lead at a startup in the Seaport.", "Open source contributor, meetup organizer.")
class World:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        pairs = HEAD_TAGS + TAIL_TAGS
        self.tags = [t for t, _ in pairs]
        self.tag_weights = [w for _, w in pairs]
        self.users = [self._user(i) for i in range(400)]
        self.next_id = 1_462_000_000_000_000_000 + rng.randrange(10**12)

    def _user(self, i: int) -> dict[str, Any]:
        rng = self.rng
        first = rng.choice(FIRST)
        # handles vary in shape the way real ones do: name_role, nameRole42, role_name
        shape = rng.randrange(3)
        role = rng.choice(ROLES)
        name = (f"{first}_{role}" if shape == 0 else f"{first}{role.title()}{i % 97}" if shape == 1
                else f"{role}_{first}{i}")
        return {
            "id": 10_000_000 + i * 7919, "id_str": str(10_000_000 + i * 7919),
            "name": f"{first.title()} {chr(65 + rng.randrange(26))}.",
            "screen_name": name, "location": rng.choice(["Boston, MA", "Cambridge, MA", "", "New England", "Somerville"]),
            "description": rng.choice(BIOS),
            "url": None, "protected": False, "verified": rng.random() < 0.05,
            "followers_count": int(rng.paretovariate(1.2) * 50), "friends_count": rng.randrange(20, 2000),
            "listed_count": rng.randrange(0, 50), "favourites_count": rng.randrange(0, 20000),
            "statuses_count": rng.randrange(10, 50000), "created_at": "Tue Mar 10 14:02:11 +0000 2009",
            "lang": None, "profile_background_color": "C0DEED",
            "profile_image_url_https": f"https://pbs.twimg.com/profile_images/{i}/photo_normal.jpg",
            "default_profile": True, "default_profile_image": False,
        }

    def new_id(self) -> int:
        self.next_id += self.rng.randrange(1_000_000, 50_000_000)
        return self.next_id

    def pick_tags(self) -> list[str]:
        """Zero to four distinct hashtags, most posts one or two."""
        k = self.rng.choices((0, 1, 2, 3, 4), weights=(14, 38, 28, 13, 7))[0]
        chosen: list[str] = []
        for tag in self.rng.choices(self.tags, weights=self.tag_weights, k=k):
            if tag not in chosen:
                chosen.append(tag)
        return chosen


def place_v1(p: tuple[str, str, tuple[float, float, float, float]]) -> dict[str, Any]:
    name, full, (w, s, e, n) = p
    return {"id": f"{zlib.crc32(full.encode()):08x}{zlib.crc32(name.encode()):08x}", "url": "https://api.twitter.com/1.1/geo/id/x.json",
            "place_type": "admin" if "USA" in full else "city", "name": name, "full_name": full,
            "country_code": "US", "country": "United States",
            "bounding_box": {"type": "Polygon", "coordinates": [[[w, s], [w, n], [e, n], [e, s]]]},
            "attributes": {}}
