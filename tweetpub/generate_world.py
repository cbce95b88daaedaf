"""The world :mod:`tweetpub.generate` draws its synthetic tweets from: places in and around the Boston
box, users, English and multilingual text, and a Zipf-like hashtag mix (the 23 tracked words among them)."""

from __future__ import annotations

import random
import zlib
from typing import Any

from tweetcontract.defaults import TRACK_WORDS

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

EN_WORDS = ("the new release is out and the team is shipping today while the demo runs on a laptop "
            "great talk about scaling clusters in production with real users and fast feedback loops "
            "coffee meetup downtown tonight who is coming looking forward to the keynote").split()
MULTILINGUAL = [
    ("ja", "東京で開発者の集まりがあります", ["東京", "開発", "クラウド"]),
    ("ar", "مؤتمر التقنية في المدينة اليوم", ["تقنية", "مرحبا", "السحابة"]),
    ("hi", "आज तकनीकी सम्मेलन में मिलते हैं", ["महात्मा", "तकनीक", "भारत"]),
    ("es", "Mañana hablamos de contenedores en la nube", ["mañana", "café", "Nube"]),
    ("de", "Heute Abend Treffen in der Straße am Hafen", ["Straße", "STRASSE", "Köln"]),
    ("el", "Συνάντηση για το λογισμικό απόψε", ["ΣΟΦΟΣ", "σοφος", "Αθήνα"]),
    ("fr", "Rencontre développeurs ce soir à la brasserie", ["développeur", "Québec", "ﬁnance"]),
]
COMMON_TAGS = ["Boston", "RedSox", "BostonStrong", "MBTA", "Celtics", "snow", "coffee", "TBT", "MondayMotivation",
               "jobs", "hiring", "startup", "AI", "MachineLearning", "DataScience", "cloud", "tech", "news",
               "music", "food", "Patriots", "Bruins", "HarvardSquare", "MIT", "weather", "travel", "art",
               "photography", "running", "fitness", "OpenSource", "security", "Linux", "JavaScript",
               "rustlang", "serverless", "microservices", "CI", "SRE", "5G"]


class World:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        tags = [w for w in TRACK_WORDS] + COMMON_TAGS + [f"topic{i}" for i in range(150)]
        rng.shuffle(tags)
        self.tags = tags
        self.tag_weights = [1.0 / (rank + 1) ** 1.1 for rank in range(len(tags))]
        self.users = [self._user(i) for i in range(400)]
        self.next_id = 1_462_000_000_000_000_000 + rng.randrange(10**12)

    def _user(self, i: int) -> dict[str, Any]:
        rng = self.rng
        name = f"{rng.choice(['dev', 'data', 'cloud', 'bos', 'ops', 'py', 'k8s', 'city'])}_{rng.choice(['fan', 'guru', 'nerd', 'life', 'lab', 'hq'])}{i}"
        return {
            "id": 10_000_000 + i * 7919, "id_str": str(10_000_000 + i * 7919), "name": name.replace("_", " ").title(),
            "screen_name": name, "location": rng.choice(["Boston, MA", "Cambridge, MA", "", "New England", "Somerville"]),
            "description": "Engineer, runner, coffee. Opinions my own. " + " ".join(rng.sample(EN_WORDS, 6)),
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

    def pick_tags(self, burst: str | None) -> list[str]:
        k = self.rng.choices((0, 1, 2, 3, 4), weights=(20, 35, 25, 12, 8))[0]
        chosen = self.rng.choices(self.tags, weights=self.tag_weights, k=k)
        if burst and self.rng.random() < 0.5:
            chosen.append(burst)
        return chosen


def place_v1(p: tuple[str, str, tuple[float, float, float, float]]) -> dict[str, Any]:
    name, full, (w, s, e, n) = p
    return {"id": f"{zlib.crc32(full.encode()):08x}{zlib.crc32(name.encode()):08x}", "url": "https://api.twitter.com/1.1/geo/id/x.json",
            "place_type": "admin" if "USA" in full else "city", "name": name, "full_name": full,
            "country_code": "US", "country": "United States",
            "bounding_box": {"type": "Polygon", "coordinates": [[[w, s], [w, n], [e, n], [e, s]]]},
            "attributes": {}}
