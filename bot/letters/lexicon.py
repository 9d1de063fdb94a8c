"""How known proper nouns and tools are written: "python" → "Python", "a/b testing" → "A/B
testing", "dbt" stays "dbt". A small built-in list that each user's own words extend.

A user's words are the capitalised or mixed-case words they typed themselves ("Snowplow",
"XGBoost", "Looker Studio"): once seen, the same word typed in lower case later is written their
way, and the proofreader accepts it as spelled.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

_BUILT_IN = """
Python SQL NoSQL PostgreSQL Postgres MySQL SQLite MongoDB Redis Snowflake BigQuery Redshift
Databricks dbt Airflow Dagster Fivetran Kafka Spark PySpark Hadoop Hive Presto Trino Flink
Tableau Looker Excel PowerPoint Jira Confluence GitHub GitLab Bitbucket LinkedIn Slack Figma
Salesforce HubSpot SAP Oracle AWS GCP Azure Docker Kubernetes Terraform Ansible Jenkins
JavaScript TypeScript React Angular Vue Node.js Django Flask FastAPI Java Kotlin Scala Swift
Golang Ruby Rails PHP Perl MATLAB SAS SPSS Stata Julia pandas NumPy SciPy scikit-learn PyTorch
TensorFlow Keras XGBoost LightGBM Jupyter Git Linux Unix Windows macOS iOS Android API APIs REST
GraphQL gRPC ML AI NLP LLM LLMs MLOps DevOps DataOps CI/CD ETL ELT KPI KPIs OKR OKRs SaaS B2B
B2C CRM ERP UX UI QA SRE SLA SLAs SLO SLOs GDPR HIPAA SOC ISO Agile Scrum Kanban PMP CFA CPA
AWS-certified HTML CSS JSON YAML XML CSV PDF MVP CEO CTO CFO COO CIO VP HR PhD MSc BSc MBA MA
BA A/B Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February April June
July August September October November December English French German Spanish Italian Dutch
Portuguese Chinese Japanese Hindi Arabic Europe European America American Asia London Paris
Berlin Amsterdam Dublin Madrid Lisbon Munich Zurich Stockholm Copenhagen Warsaw Prague Vienna
Toronto Vancouver Sydney Melbourne Singapore Tokyo Bangalore Mumbai Delhi Edinburgh Manchester
Boston Chicago Seattle Austin Denver Atlanta UK US USA EU Power BI Google Microsoft Amazon Apple
Meta Netflix Spotify Stripe Shopify Zoom Teams Notion Miro Asana Trello Tableau Prep
"""

# Several words written as one: matched before single words.
_PHRASES = ("Power BI", "A/B testing", "A/B test", "A/B tests", "Google Analytics",
            "Looker Studio", "machine learning", "CI/CD", "Node.js", "New York", "San Francisco",
            "Hong Kong", "Microsoft Teams")

# Words that are also plain English: only their own casing counts, never a lower-case match.
_ALSO_PLAIN = frozenset({"teams", "swift", "ruby", "rails", "spark", "hive", "go", "rust",
                         "oracle", "apple", "meta", "zoom", "notion", "prep", "agile", "scrum",
                         "amazon", "julia", "presto", "flask", "redis", "excel", "windows",
                         "vue", "asana", "keras"})
# ... but after these words they are the tool: "from excel", "using spark", "spark jobs"
_TOOL_CONTEXT = frozenset({"in", "from", "to", "with", "using", "use", "uses", "used", "and",
                           "on", "into", "via", "of", "or", "like", "vs", "moving"})
_TOOL_NOUNS = frozenset({"jobs", "job", "cluster", "clusters", "pipelines", "pipeline",
                         "models", "sheets", "spreadsheets", "workbooks", "macros", "database",
                         "queries", "stack", "apps", "app", "code", "services"})

DOMAIN = frozenset({
    "onboard", "onboarding", "offboarding", "offsite", "offsites", "onsite", "reorg",
    "reorgs", "roadmap", "roadmaps", "dashboard", "dashboards", "hackathon",
    "hackathons", "upskilling", "upskill", "stakeholder", "stakeholders", "fintech",
    "proptech", "healthtech", "insurtech", "edtech", "backend", "frontend", "fullstack",
    "microservice", "microservices", "monorepo", "runbook", "runbooks", "standup",
    "standups", "retro", "retros", "analytics", "dataset", "datasets", "workflow",
    "workflows", "config", "configs", "timeline", "timelines", "deadline", "onboarded",
    "offboarded", "hiring", "dev", "devs", "ops", "codebase", "codebases", "toolchain",
    "toolchains", "upsell", "upselling", "cohort", "cohorts", "downtime", "uptime",
    "rollout", "rollouts", "scalability", "observability", "tooling", "dbt",
    "geospatial",
})
"""Everyday words of work that the dictionary lacks: never "corrected"."""

_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9+#./-]*[A-Za-z0-9+#]|[A-Za-z]")


def _index(words: Iterable[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for word in words:
        key = word.casefold()
        if key not in _ALSO_PLAIN:
            out[key] = word
    return out


@lru_cache(maxsize=1)
def built_in() -> dict[str, str]:
    """lower case → how it is written, for the built-in words and phrases."""
    table = _index(_BUILT_IN.split())
    table.update(_index(_PHRASES))
    return table


@lru_cache(maxsize=1)
def _built_in_words() -> frozenset[str]:
    return frozenset(part.casefold() for value in built_in().values() for part in value.split())


def user_words(text: str) -> list[str]:
    """Words the user wrote with capitals of their own, worth remembering: "Snowplow",
    "XGBoost", "Looker" — not a sentence's first word, not "I", not all-lower words."""
    found: list[str] = []
    sentences = re.split(r"(?<=[.!?])\s+|\n+", text)
    for sentence in sentences:
        tokens = _TOKEN.findall(sentence)
        for position, token in enumerate(tokens):
            token = token.rstrip(".")
            if token == "I" or not any(c.isupper() for c in token):
                continue
            if position == 0 and token[1:].islower():
                continue  # "She", "The": capitalised only because it starts the sentence
            if len(token) < 2 or token.isupper() and len(token) > 6:
                continue  # shouting, not a name
            found.append(token)
    return list(dict.fromkeys(found))


class Lexicon:
    """The built-in words plus one user's own (`extra`: their words as they write them)."""

    def __init__(self, extra: Iterable[str] = ()) -> None:
        self.table = dict(built_in())
        self._words: frozenset[str] | None = None
        self._extra: list[str] = []
        for word in extra:
            word = word.strip()
            if word and word.casefold() not in _ALSO_PLAIN:
                self.table[word.casefold()] = word
                self._extra.append(word)
        phrases = sorted((w for w in self.table.values() if " " in w), key=len, reverse=True)
        self._phrases = [(re.compile(rf"(?<![\w/])({re.escape(p)})(?![\w/])", re.IGNORECASE), p)
                         for p in phrases]

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and word.casefold() in self.table

    def words(self) -> frozenset[str]:
        """Every single word of the lexicon, in lower case (for the spelling check)."""
        if self._words is None:
            self._words = _built_in_words().union(
                part.casefold() for word in self._extra for part in word.split())
        return self._words

    def spelled(self, word: str) -> str:
        """How `word` is written in the lexicon, or `word` unchanged."""
        return self.table.get(word.casefold(), word)

    def capitalise(self, text: str) -> str:
        """`text` with every known word and phrase written the lexicon's way."""
        for pattern, phrase in self._phrases:
            text = pattern.sub(phrase, text)

        def one(match: re.Match[str]) -> str:
            token = match.group(0)
            core = token.rstrip(".")
            tail = token[len(core):]
            key = core.casefold()
            if key in self.table and " " not in self.table[key]:
                return self.table[key] + tail
            if key in _ALSO_PLAIN and core == key and _tool_context(text, match):
                return _PLAIN_TOOLS[key] + tail
            if key.endswith("'s") and key[:-2] in self.table:
                return self.table[key[:-2]] + core[-2:] + tail
            return token

        return re.sub(r"(?<![\w@/.-])[A-Za-z][\w+#./'-]*", one, text)


_PLAIN_TOOLS = {w.casefold(): w for w in _BUILT_IN.split() if w.casefold() in _ALSO_PLAIN}


def _tool_context(text: str, match: re.Match[str]) -> bool:
    before = re.findall(r"[\w']+", text[: match.start()].casefold())[-1:]
    after = re.findall(r"[\w']+", text[match.end():].casefold())[:1]
    return bool(set(before) & _TOOL_CONTEXT or set(after) & _TOOL_NOUNS)


def merged(words: Iterable[str], more: Iterable[str]) -> list[str]:
    """A user's stored words with `more` added (the newest spelling of a word wins)."""
    table: dict[str, str] = {w.casefold(): w for w in words}
    for word in more:
        table[word.casefold()] = word
    return sorted(table.values(), key=str.casefold)


def accepted(names: Mapping[str, str] | Iterable[str]) -> set[str]:
    """Lower-case words of recorded names, company, role: accepted by the spelling check."""
    return {part.casefold().strip("'’") for name in names for part in re.findall(r"[\w'’-]+", name)}
