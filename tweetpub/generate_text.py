"""What the synthetic tweets say: a tech-conference week in Boston, written as short varied posts.

The texts are built from templates and small vocabularies so a seeded run is reproducible and a projected
cloud looks like the original demo's (IoT and BigData on top, the summit among the leaders), not like
placeholders. Everything here is invented for the generator; no real post is quoted.
"""

from __future__ import annotations

import random

#: Hashtags and their relative popularity before filtering. The head is what the 2017 demo showed; the
#: tail (local life, other tech) gives the Zipf-like long tail a real stream has.
HEAD_TAGS: tuple[tuple[str, float], ...] = (
    ("IoT", 100), ("BigData", 84), ("Cloud", 52), ("AI", 46), ("OpenStack", 44), ("OpenStackSummit", 33),
    ("DevOps", 33), ("Kubernetes", 30), ("Docker", 27), ("MachineLearning", 24), ("Python", 21),
    ("Security", 18), ("DataScience", 15), ("Serverless", 13), ("SDN", 11), ("NFV", 10), ("Containers", 9),
    ("Linux", 9), ("OpenSource", 9), ("CloudComputing", 8), ("5G", 7), ("AWS", 7), ("Azure", 7),
    ("WeAreOpenStack", 6), ("golang", 6), ("HybridCloud", 5), ("Analytics", 5), ("SmartCities", 5),
    ("Hadoop", 4), ("ApacheSpark", 4), ("Kafka", 4), ("Blockchain", 4), ("Microservices", 4), ("RedHat", 3),
    ("Mirantis", 3), ("CoreOS", 3), ("OpenContrail", 2), ("k8s", 3), ("API", 3), ("CyberSecurity", 3),
    ("FinTech", 2), ("Robotics", 2), ("DeepLearning", 3), ("Ansible", 2), ("Terraform", 2), ("SRE", 2),
)
TAIL_TAGS: tuple[tuple[str, float], ...] = (
    ("Boston", 6), ("RedSox", 3), ("Celtics", 2), ("Bruins", 1.5), ("MBTA", 2), ("coffee", 2), ("startup", 3),
    ("hiring", 3), ("jobs", 2), ("WomenInTech", 2), ("tech", 4), ("meetup", 2), ("MIT", 1.5), ("Cambridge", 1.5),
    ("HarvardSquare", 1), ("TBT", 1), ("MondayMotivation", 1), ("weather", 1), ("running", 1), ("food", 1),
    ("Rust", 1.5), ("JavaScript", 1.5), ("ChatOps", 1), ("GitOps", 1), ("Observability", 1), ("Prometheus", 1),
    ("Ceph", 1.5), ("OpenDaylight", 1), ("ONAP", 1), ("VR", 1), ("AR", 1), ("Drones", 1), ("DigitalTwin", 1),
    ("Fintech", 0.5), ("ServiceMesh", 1), ("Istio", 1), ("Grafana", 0.8), ("Jupyter", 0.8), ("PyData", 0.8),
    ("NLP", 0.8), ("ComputerVision", 0.8), ("Quantum", 0.6), ("SmartHome", 0.8), ("Wearables", 0.6),
    ("Seaport", 0.5), ("Fenway", 0.8), ("lobster", 0.4), ("Marathon", 0.5),
)

#: The keynote moment: this tag spikes for a few minutes in the middle of the recording.
KEYNOTE_TAG = "EdgeComputing"

#: What a post about a tag talks about (track words such as docker, python, api appear as plain words).
TOPICS: dict[str, tuple[str, ...]] = {
    "IoT": ("sensor data from 40k smart meters", "connected devices on the factory floor",
            "edge gateways that speak MQTT", "predictive maintenance for city elevators",
            "a fleet of delivery trucks streaming telemetry", "low-power radios in every parking spot"),
    "BigData": ("a petabyte of clickstream a day", "streaming analytics on kafka and spark",
                "data lakes that turned into data swamps", "real-time dashboards over billions of events",
                "moving ETL jobs off the old hadoop cluster"),
    "Cloud": ("multi-region failover", "lift-and-shift vs re-architecting", "cloud bills that nobody reads",
              "private cloud capacity planning"),
    "AI": ("models that explain their answers", "AI on tiny devices", "training on synthetic data",
           "ML models in production"),
    "OpenStack": ("upgrading openstack without downtime", "neutron networking at scale",
                  "running openstack on kubernetes", "the openstack interop guidelines"),
    "DevOps": ("blameless postmortems", "deploying 50 times a day", "CI pipelines that take 4 minutes",
               "on-call without burnout"),
    "Kubernetes": ("operators for stateful apps", "k8s on bare metal", "multi-tenant clusters",
                   "autoscaling a container platform"),
    "Docker": ("slimming docker images to 20MB", "docker in CI", "container security scanning"),
    "MachineLearning": ("feature stores", "anomaly detection on sensor streams", "recommendation models"),
    "Python": ("async python for APIs", "python type hints in a big codebase", "pandas on a laptop"),
    "Security": ("zero trust networks", "patching firmware on a million devices", "secrets in CI"),
}
GENERIC_TOPICS = (
    "open source communities", "a new api for device onboarding", "hybridcloud networking with sdn and nfv",
    "self-healing infrastructure", "golang microservices", "observability for a container fleet",
    "the future of telco clouds", "cost of running aws and azure side by side", "the redhat and coreos roadmap",
    "open networking with opencontrail", "cloudcomputing for small teams", "devops culture change",
    "mirantis cloud platform upgrades", "edge computing for retail stores", "5G and the network edge",
)

#: ``{topic}``, ``{place}``, ``{num}``, ``{when}`` and ``{room}`` are filled in; hashtags are added after.
TEMPLATES = (
    "Great talk on {topic} this morning. Slides coming soon",
    "Standing room only for the session on {topic} in room {room}",
    "Just shipped: {topic}. Took us {num} sprints but worth it",
    "Anyone here working on {topic}? Would love to compare notes over coffee",
    "Hot take: most teams do not need {topic} yet",
    "{num}% of the questions at our booth today were about {topic}",
    "New blog post: what we learned from {topic}",
    "Notes from the panel on {topic}: start small, measure everything",
    "Our team is hiring engineers who love {topic}. DM me",
    "Can't believe how far {topic} has come in a year",
    "Lunch table conversation: {topic}. Everyone has an opinion",
    "Live demo of {topic} worked on the first try. Never happens",
    "Heading to {place} for a meetup on {topic} {when}",
    "Reading about {topic} on the T this morning",
    "Whiteboard session on {topic} was the best hour of the week",
    "Quick poll: who is actually running {topic} in production?",
    "Three lessons from {topic}: automate, document, repeat",
    "If you missed the talk on {topic}, the recording is up",
    "Proud of the team for {topic}! Huge milestone",
    "Week {num} of {topic} and the graphs finally look sane",
    "Workshop on {topic} {when}, a few seats left",
    "The best part of today: {topic}. The worst: the wifi",
    "Thread on {topic} below. Tl;dr it depends",
    "Pairing with the platform team on {topic} all afternoon",
)
#: Posts about the summit itself (used when the first hashtag is the summit's).
SUMMIT_LINES = (
    "Badge picked up, coffee in hand, ready for day {num} of the summit",
    "The marketplace hall is packed this year",
    "Hallway track > every session. Met {num} people running openstack at scale today",
    "Congrats to this year's superuser award winners!",
    "Boston weather is being kind to the summit crowd today",
    "Our booth is next to the espresso bar, come say hi and grab a sticker",
    "Forum session on upgrades was honest and useful, more of this please",
    "Already planning which talks to watch on video after the summit",
)
SUMMIT_TAGS = ("OpenStackSummit", "WeAreOpenStack")
#: Second and third sentences that make a post long (extended / note tweets).
LONG_ADDONS = (
    "More in the thread, including the numbers and what we would do differently next time",
    "We measured it for {num} days before and after, and the difference held up every single day",
    "Big thanks to everyone who reviewed the drafts and to the folks who asked the hard questions",
    "If you want the details, the write-up covers the architecture, the failures and the costs",
    "Next step is rolling it out to the other {num} teams, wish us luck",
)
REPLIES = (
    "Totally agree, we saw the same thing", "Do you have the slides?", "Congrats, well deserved!",
    "Which version are you on?", "See you there!", "Interesting, how big is the cluster?",
    "We tried that last year, happy to share notes", "This is gold, thanks for sharing",
    "Same here, the queue for coffee was longer than the keynote", "Count me in",
)
KEYNOTE_LINES = (
    "The keynote demo just moved a workload to the edge live on stage",
    "Edge is the word of the day, the keynote room is buzzing",
    "Did they just announce an edge computing working group on stage?",
    "Mind blown by the keynote: {num} edge sites managed from one dashboard",
    "The edge demo at the keynote ran on a rack in the lobby",
    "Watching the keynote, the edge story finally makes sense to me",
    "Keynote stage: cars, cell towers and factories as one edge cloud",
)
PLACES = ("Kendall Square", "the Seaport", "Back Bay", "Davis Square", "Downtown Crossing", "the Hynes",
          "Fort Point", "Central Square", "the North End")
WHENS = ("tonight", "tomorrow", "this afternoon", "on Thursday", "after the summit", "at 6pm")
LINK_DOMAINS = ("www.openstack.org/summit", "kubernetes.io/blog", "github.com/{user}", "medium.com/@{user}",
                "www.youtube.com/watch", "superuser.openstack.org/articles", "blog.{user}.dev",
                "speakerdeck.com/{user}", "www.eventbrite.com/e", "techblog.example.org")

#: Other languages: present but minor, with their own hashtags (some of them non-ASCII).
FOREIGN = (
    ("es", "Hoy en Boston hablando de {x} con la comunidad", ("tecnología", "IoT", "nube")),
    ("pt", "Muito bom o painel sobre {x} hoje", ("inovação", "BigData", "nuvem")),
    ("fr", "Belle journée à Boston, conférence sur {x}", ("numérique", "IoT", "données")),
    ("de", "Spannender Vortrag über {x} heute", ("Digitalisierung", "BigData", "Köln")),
    ("ja", "ボストンで{x}の発表を聞いています", ("クラウド", "IoT", "東京")),
    ("it", "Ottima sessione su {x} oggi a Boston", ("tecnologia", "AI", "innovazione")),
)
FOREIGN_SUBJECTS = ("OpenStack", "kubernetes", "IoT", "big data", "docker", "edge computing")


def fill(template: str, rng: random.Random, topic: str) -> str:
    """One template filled with seeded choices."""
    return template.format(topic=topic, place=rng.choice(PLACES), num=rng.randrange(2, 95),
                           when=rng.choice(WHENS), room=rng.choice(("A", "B", "C", "201", "302", "Ballroom")))


def original_body(tags: list[str], rng: random.Random) -> str:
    """The sentence of an English original: a summit line for summit tags, else a template on a topic."""
    if tags and tags[0] in SUMMIT_TAGS and rng.random() < 0.7:
        return fill(rng.choice(SUMMIT_LINES), rng, "")
    return fill(rng.choice(TEMPLATES), rng, topic_for(tags, rng))


def topic_for(tags: list[str], rng: random.Random) -> str:
    """A subject that fits the first hashtag when there is one, so a post reads coherently."""
    for tag in tags:
        if tag in TOPICS:
            return rng.choice(TOPICS[tag])
    return rng.choice(GENERIC_TOPICS)


def link(rng: random.Random, user: str) -> str:
    """An expanded URL: a plausible page on a plausible site (the t.co link is made by the caller)."""
    base = rng.choice(LINK_DOMAINS).format(user=user.lower())
    slug = "-".join(rng.sample(("edge", "scale", "notes", "summit", "day-2", "lessons", "cloud", "data",
                                "release", "guide", "keynote", "recap"), 2))
    return f"https://{base}/{slug}-{rng.randrange(10, 999)}"
