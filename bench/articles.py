"""Synthetic scraped news articles for the benchmark: English prose with the residue our rules clean.

Every article is built from word lists with one seeded RNG, so a seed always gives the same
corpus. Around the prose sit the things scrapers leave behind: "Share this article" before the
title, a byline and a date line after it, share/cookie/newsletter/"Read more"/"Advertisement"
lines, lone "." lines, a "source site" footer, double spaces, the missing space after a closing
quote (`”he added`), and, in a small fraction, mojibake or HTML entities. A few articles are
light edits of an earlier one (near-duplicates).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

FIRST = """James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard Susan
Joseph Jessica Thomas Sarah Charles Karen Daniel Nancy Matthew Lisa Anthony Betty Mark Sandra Paul Ashley
Steven Emily Andrew Donna Joshua Michelle Kenneth Carol Kevin Amanda Brian Melissa George Deborah Timothy
Stephanie Ronald Rebecca Jason Laura Edward Sharon Jeffrey Cynthia Ryan Kathleen Jacob Amy Gary Angela
Nicholas Anna Eric Ruth Jonathan Brenda Larry Pamela Justin Nicole Scott Katherine Frank Samantha Olena
Dmytro Ingrid Lars Henk Maria Ahmed Fatima Wei Mei Hiroshi Yuki Priya Rahul Carlos Lucia Pierre Claire
Giorgos Eleni Kwame Amara Sipho Thandiwe Oksana Piotr Agnieszka Mateo Sofia Tomasz Marta Jens Astrid
Grégory José Zoë Jürgen Søren""".split()
LAST = """Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez
Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez
Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall
Rivera Campbell Mitchell Carter Roberts Jansen Vries Müller Schmidt Dubois Moreau Rossi Bianchi Kowalski
Nowak Petrenko Shevchenko Novak Horvat Papadopoulos Yilmaz Kaya Haddad Mansour Okafor Mensah Dlamini
Tanaka Suzuki Sato Chen Wang Zhang Kim Park Singh Sharma Patel Fernández Silva Santos Costa Pereira
Lindqvist Berg Nielsen Hansen Virtanen O'Brien Murphy Kelly McCarthy Doucet Lacazette Ørsted Gómez""".split()
AGENCIES = ["Reuters", "AFP", "AP", "Bloomberg", "dpa", "ANSA", "EFE", "PA Media", "Kyodo", "Staff reporter"]
SITES = [
    "Harbour Daily",
    "The Morning Ledger",
    "Metro Courier",
    "Global Wire Today",
    "The Northern Post",
    "Capital Observer",
    "Evening Standard Online",
    "Daily Dispatch",
    "Coastal Times",
    "The Civic Record",
]
PLACES = """Washington London Paris Berlin Brussels Moscow Kyiv Warsaw Rome Madrid Lisbon Athens Ankara Cairo
Nairobi Lagos Johannesburg Accra Tokyo Beijing Seoul Delhi Mumbai Jakarta Manila Sydney Canberra Ottawa
Toronto Mexico Brasília Bogotá Lima Santiago Rotterdam Hamburg Marseille Lyon Geneva Zurich Vienna Prague
Budapest Bucharest Sofia Belgrade Zagreb Oslo Stockholm Helsinki Copenhagen Dublin Edinburgh Cardiff
Manchester Birmingham Glasgow Chicago Houston Boston Seattle Denver Atlanta Miami Dallas Montreal Vancouver
Istanbul Tehran Riyadh Doha Dubai Karachi Dhaka Hanoi Bangkok Singapore Taipei Osaka Kraków Gdańsk Łódź
Ukraine Russia Germany France Poland Japan Brazil Nigeria Kenya India China Canada Mexico Italy Spain""".split()
ORGS = [
    "the central bank",
    "the finance ministry",
    "the European Commission",
    "NATO",
    "the United Nations",
    "the World Health Organization",
    "the International Monetary Fund",
    "the World Bank",
    "the Security Council",
    "the city council",
    "the regional government",
    "the opposition party",
    "the ruling coalition",
    "the transport union",
    "the teachers' union",
    "the port authority",
    "the energy regulator",
    "the competition authority",
    "the supreme court",
    "the electoral commission",
    "the health ministry",
    "the interior ministry",
    "the defence ministry",
    "the foreign ministry",
    "the national statistics office",
    "the stock exchange",
    "the airline",
    "the carmaker",
    "the retailer",
    "the football federation",
    "the organisers",
    "the police",
    "the fire service",
    "the coast guard",
    "the army",
    "the weather service",
    "the university",
    "the hospital",
    "the prosecutor's office",
    "the state broadcaster",
]
COMPANIES = [
    "Maersk",
    "Siemens",
    "Renault",
    "Unilever",
    "Nestlé",
    "Volkswagen",
    "Airbus",
    "Shell",
    "BP",
    "Ørsted",
    "Ericsson",
    "Nokia",
    "Philips",
    "Tesco",
    "Carrefour",
    "Toyota",
    "Samsung",
    "Infosys",
    "Petrobras",
    "Vale",
    "Safaricom",
    "Dangote",
    "AT&T",
    "Marks & Spencer",
    "Procter & Gamble",
]
ROLES = [
    "a spokeswoman for",
    "a spokesman for",
    "the head of",
    "an economist at",
    "an analyst at",
    "the chief executive of",
    "a senior official at",
    "a lawyer for",
    "the director of",
    "a researcher at",
    "the president of",
    "a member of",
    "an adviser to",
    "the chair of",
]
SUBJECTS = [
    "the government",
    "officials",
    "the company",
    "investors",
    "residents",
    "local authorities",
    "the minister",
    "the president",
    "lawmakers",
    "the prime minister",
    "analysts",
    "the union",
    "protesters",
    "farmers",
    "doctors",
    "teachers",
    "the court",
    "the board",
    "shareholders",
    "the coalition",
    "rescuers",
    "the authorities",
    "voters",
    "consumers",
    "exporters",
    "the mayor",
    "the governor",
    "diplomats",
    "the delegation",
    "the committee",
    "the regulator",
    "engineers",
    "the organisers",
    "the airline",
    "the police",
    "prosecutors",
    "the club",
    "the manager",
]
VERBS = [
    ("announce", "announced"),
    ("approve", "approved"),
    ("reject", "rejected"),
    ("delay", "delayed"),
    ("cut", "cut"),
    ("raise", "raised"),
    ("extend", "extended"),
    ("suspend", "suspended"),
    ("review", "reviewed"),
    ("launch", "launched"),
    ("sign", "signed"),
    ("block", "blocked"),
    ("support", "supported"),
    ("criticise", "criticised"),
    ("propose", "proposed"),
    ("investigate", "investigated"),
    ("postpone", "postponed"),
    ("expand", "expanded"),
    ("reduce", "reduced"),
    ("restore", "restored"),
    ("secure", "secured"),
    ("defend", "defended"),
    ("increase", "increased"),
    ("freeze", "froze"),
    ("win", "won"),
    ("lose", "lost"),
    ("build", "built"),
    ("sell", "sold"),
    ("buy", "bought"),
    ("seek", "sought"),
    ("drop", "dropped"),
    ("halt", "halted"),
    ("resume", "resumed"),
    ("confirm", "confirmed"),
    ("deny", "denied"),
    ("negotiate", "negotiated"),
    ("finance", "financed"),
    ("overhaul", "overhauled"),
    ("challenge", "challenged"),
    ("accept", "accepted"),
    ("close", "closed"),
    ("open", "opened"),
    ("withdraw", "withdrew"),
]
ADJECTIVES = """new major final proposed controversial long-awaited ambitious limited temporary national regional
local international annual unexpected sharp modest gradual fresh broader detailed joint formal emergency
strategic public private domestic foreign economic political military financial legal environmental
digital rural urban coastal northern southern eastern western key significant fragile record""".split()
NOUNS = """plan budget agreement deal reform law bill tax tariff contract project investment programme policy
strategy proposal package subsidy loan rate target ban restriction inquiry investigation review report
survey election vote campaign strike protest talks summit ceasefire sanctions pipeline railway bridge
airport harbour factory plant mine hospital school university stadium tournament season merger takeover
licence permit subsidy pension wage salary price tariff deficit surplus forecast outlook shortage
vaccine treatment trial drought flood storm wildfire earthquake harvest export import currency""".split()
PLURALS = """workers passengers residents students patients farmers soldiers voters families households
companies banks homes schools flights trains ships containers jobs tonnes barrels vehicles houses
refugees migrants tourists fans visitors pupils nurses doctors officers firefighters volunteers""".split()
TIMES = [
    "on Monday",
    "on Tuesday",
    "on Wednesday",
    "on Thursday",
    "on Friday",
    "on Saturday",
    "on Sunday",
    "last week",
    "earlier this month",
    "last year",
    "in January",
    "in March",
    "in the spring",
    "late on Thursday",
    "early on Saturday",
    "this morning",
    "overnight",
    "in the coming weeks",
    "by the end of the year",
    "next month",
    "in 2024",
    "since 2019",
    "for the first time in a decade",
]
SAID = [
    "said",
    "told reporters",
    "added",
    "stressed",
    "explained",
    "insisted",
    "warned",
    "noted",
    "told a news conference",
    "wrote on social media",
    "said in a statement",
    "told the broadcaster",
]
REASONS = [
    "because of rising costs",
    "after months of negotiations",
    "amid growing public pressure",
    "despite objections from the opposition",
    "following a court ruling",
    "as demand slowed",
    "after a sharp fall in revenue",
    "to ease pressure on households",
    "under a new agreement",
    "in response to the crisis",
    "after heavy rain",
    "to meet climate targets",
    "as prices rose",
    "after a series of delays",
    "without further details",
    "at a cost of {money}",
    "with the support of {org}",
    "in line with expectations",
    "ahead of the election",
]
MONEY = ["€{n} million", "$ {n} billion", "£{n} million", "{n} million euros", "{n} billion dollars", "€{n}bn", "${n}m"]
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
HEADINGS = [
    "Fierce penalties",
    "What happens next",
    "Rising costs",
    "A long road",
    "Mixed reactions",
    "Background",
    "Key figures",
    "Concerns in the region",
    "Next steps",
    "A divided council",
    "Pressure on prices",
    "The view from {place}",
    "Questions remain",
    "Early warnings",
    "Political fallout",
    "Winners and losers",
    "Talks stall",
    "A record year",
    "Looking ahead",
]
QUOTES = [
    "we will not accept any {noun} that hurts {plurals}",
    "there is still time and scope for diplomacy",
    "this is a fair outcome for everyone involved",
    "we are not there yet",
    "the {noun} is {adj} but necessary",
    "nobody expected {subject} to move so quickly",
    "we need {a} {adj} {noun} and we need it now",
    "it is the best day of my life",
    "the situation remains {adj} and we are watching it closely",
    "{subject} must explain why the {noun} was {past}",
    "we have done everything we could",
    "this {noun} will change the lives of thousands of {plurals}",
    "there is no question of that",
    "the numbers speak for themselves",
    "we will keep working with {org}",
    "I have never seen anything like it in {place}",
    "the risk is real and it has not disappeared",
]
SHARE = [
    "Share this article",
    "Share",
    "Share on Facebook  Twitter  WhatsApp",
    "Share this story",
    "Follow us on Twitter",
    "Share: Facebook | Twitter | Email",
    "Tweet",
    "Print",
    "Copy link",
    "SHARE THIS ARTICLE",
]
COOKIES = [
    "We use cookies to improve your experience. By continuing to browse you accept our cookie policy.",
    "This website uses cookies. Accept all cookies",
    "Cookie settings",
    "We use cookies to personalise content and ads and to analyse our traffic.",
]
NEWSLETTERS = [
    "Sign up for our daily newsletter",
    "Subscribe to our newsletter for the latest news",
    "Sign up to the morning briefing newsletter",
    "Newsletter",
]
ADVERTS = ["Advertisement", "ADVERTISEMENT", "Advertising", "Sponsored content", "Ad"]
FOOTERS = ["source site", "Source: {site}", "Source", "via {site}"]
COPYRIGHT = ["© {year} {site}. All rights reserved.", "Copyright {year} {site}", "All rights reserved."]
CONNECTORS = ["he added", "she said", "he stressed", "she added", "he estimated", "she insisted", "they said"]
RUN_TOGETHER = ["oninternational", "ofgovernment", "inparliament", "tothe", "forthe"]  # translation artefacts


@dataclass
class GeneratedArticle:
    id: str
    text: str
    near_duplicate_of: str | None = None  # id of the article this one lightly edits


class NewsWriter:
    """Writes one article at a time from a seeded RNG."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)

    # --- words and phrases ---------------------------------------------------------------------

    def pick(self, items):
        return items[self.rng.randrange(len(items))]

    def person(self) -> str:
        return f"{self.pick(FIRST)} {self.pick(LAST)}"

    def money(self) -> str:
        return self.pick(MONEY).format(n=self.rng.choice([1.2, 3, 4.5, 12, 40, 250, 600, 8.5, 19]))

    def fill(self, template: str) -> str:
        r = self.rng
        noun = self.pick(NOUNS)
        adj = self.pick(ADJECTIVES)
        return template.format(
            noun=noun,
            adj=adj,
            a="an" if adj[0] in "aeiou" else "a",
            plurals=self.pick(PLURALS),
            subject=self.pick(SUBJECTS),
            past=self.pick(VERBS)[1],
            org=self.pick(ORGS),
            place=self.pick(PLACES),
            money=self.money(),
            site=self.pick(SITES),
            year=r.randint(2015, 2025),
        )

    def object_phrase(self) -> str:
        r = self.rng
        kind = r.random()
        if kind < 0.4:
            return f"the {self.pick(ADJECTIVES)} {self.pick(NOUNS)}"
        if kind < 0.6:
            noun = self.pick(NOUNS)
            return f"{'an' if noun[0] in 'aeiou' else 'a'} {noun} worth {self.money()}"
        if kind < 0.8:
            return f"{r.randint(2, 900):,} {self.pick(PLURALS)}"
        return f"the {self.pick(NOUNS)} for {self.pick(PLURALS)} in {self.pick(PLACES)}"

    def clause(self) -> str:
        verb, past = self.pick(VERBS)
        return f"{self.pick(SUBJECTS)} {past} {self.object_phrase()} {self.fill(self.pick(REASONS))}"

    # --- sentences ------------------------------------------------------------------------------

    def sentence(self) -> str:
        r = self.rng
        kind = r.random()
        if kind < 0.18:
            s = f"{self.pick(ORGS)} said {self.pick(TIMES)} that {self.clause()}."
        elif kind < 0.32:
            s = (
                f"{self.person()}, {self.pick(ROLES)} {self.pick(ORGS + COMPANIES)}, said {self.clause()}"
                f" {self.pick(TIMES)}."
            )
        elif kind < 0.48:
            s = f"In {self.pick(PLACES)}, {self.clause()}, according to {self.pick(ORGS)}."
        elif kind < 0.60:
            s = (
                f"{r.randint(3, 95):,} percent of {self.pick(PLURALS)} were affected by the {self.pick(NOUNS)}"
                f" {self.pick(TIMES)}, up from {r.randint(1, 40)} percent a year earlier."
            )
        elif kind < 0.72:
            s = self.quote_sentence()
        elif kind < 0.82:
            s = (
                f"{self.pick(COMPANIES)} {self.pick(VERBS)[1]} {self.object_phrase()} {self.pick(TIMES)}"
                f" — {self.fill(self.pick(REASONS))}."
            )
        elif kind < 0.90:
            s = (
                f"The {self.pick(ADJECTIVES)} {self.pick(NOUNS)} was {self.pick(VERBS)[1]} by "
                f"{self.pick(ORGS)} {self.fill(self.pick(REASONS))}."
            )
        else:
            s = (
                f"{self.pick(SUBJECTS)} in {self.pick(PLACES)} {self.pick(VERBS)[1]} the {self.pick(NOUNS)},"
                f" while {self.clause()}."
            )
        return s[0].upper() + s[1:]

    def quote_sentence(self) -> str:
        r = self.rng
        q = self.fill(self.pick(QUOTES))
        q = q[0].upper() + q[1:]
        kind = r.random()
        if kind < 0.22:  # the machine-translation glitch: no space after the closing quote
            return f"“{q}”{self.pick(CONNECTORS)}."
        if kind < 0.27:  # ... or before the opening one
            return f"{self.person()} said“{q}”."
        if kind < 0.29:  # a lexical word where "but" belongs between two quotations
            return f"“{q}”corn “{self.fill(self.pick(QUOTES))}”, {self.pick(SAID)} {self.person()}."
        if kind < 0.65:
            said = self.pick(SAID)
            if " " in said:  # "told reporters" follows the name
                return f"“{q},” {self.person()} {said}."
            return f"“{q},” {said} {self.person()}."
        return f"{self.person()} {self.pick(SAID)} the {self.pick(NOUNS)} was “{self.pick(ADJECTIVES)}”."

    def paragraph(self) -> str:
        text = " ".join(self.sentence() for _ in range(self.rng.randint(2, 5)))
        if self.rng.random() < 0.02:
            words = text.split(" ")
            words.insert(self.rng.randrange(len(words)), self.pick(RUN_TOGETHER))
            text = " ".join(words)
        if self.rng.random() < 0.15:  # scrapers often leave doubled spaces
            i = text.find(" ", self.rng.randrange(len(text)))
            if i > 0:
                text = text[:i] + "  " + text[i + 1 :]
        return text

    def title(self) -> str:
        r = self.rng
        kind = r.random()
        if kind < 0.4:
            t = f"{self.pick(PLACES)} {self.pick(VERBS)[0]}s {self.object_phrase()} {self.pick(TIMES)}"
        elif kind < 0.7:
            t = f"{self.pick(ORGS)} {self.pick(VERBS)[1]} {self.object_phrase()}"
        else:
            t = f"{self.pick(COMPANIES)} to {self.pick(VERBS)[0]} {self.object_phrase()} after {self.pick(NOUNS)}"
        t = t[0].upper() + t[1:]
        if r.random() < 0.15:
            t = t.replace(" soon", " ‘soon’") if " soon" in t else f"{t} ‘soon’"
        return t

    def dateline(self) -> str:
        r = self.rng
        y, m, d = r.randint(2018, 2025), r.randint(1, 12), r.randint(1, 28)
        hh, mm = r.randint(0, 23), r.randint(0, 59)
        forms = [
            f"Published {d} {MONTHS[m - 1]} {y} {hh:02d}:{mm:02d}",
            f"{y}-{m:02d}-{d:02d}",
            f"{MONTHS[m - 1]} {d}, {y}",
            f"Updated: {d} {MONTHS[m - 1][:3]} {y}",
            f"{WEEKDAYS[r.randrange(7)]} {d} {MONTHS[m - 1]} {y}",
            f"{d:02d}/{m:02d}/{y}",
            f"Posted on {MONTHS[m - 1]} {d}, {y} at {hh % 12 + 1}:{mm:02d} pm",
        ]
        return self.pick(forms)

    def byline(self) -> str:
        r = self.rng
        if r.random() < 0.2:
            return f"By {self.person()} and {self.person()}"
        if r.random() < 0.3:
            return f"By {self.person()}"
        return f"By {self.person()}, {self.pick(AGENCIES)}"

    # --- a whole article ------------------------------------------------------------------------

    def article(self) -> str:
        r = self.rng
        head: list[str] = []
        if r.random() < 0.15:
            head.append(self.pick(SHARE))
        head.append(self.title())
        if r.random() < 0.45:
            head.append(self.byline())
        if r.random() < 0.4:
            head.append(self.dateline())
        body: list[str] = []
        target = min(max(int(r.gauss(2900, 700)), 1000), 6500)
        size = sum(len(x) for x in head)
        if r.random() < 0.6:  # standfirst: one sentence
            body.append(self.sentence())
        headings = r.randint(0, 2)
        while size + sum(len(x) for x in body) < target:
            roll = r.random()
            if roll < 0.04:
                body.append(self.pick(ADVERTS))
            elif roll < 0.07:
                body.append(f"Read more: {self.title()}")
            elif roll < 0.085:
                body.append(".")
            elif roll < 0.095:
                body.append(self.pick(SHARE))
            elif roll < 0.16 and headings and len(body) > 2:
                body.append(self.fill(self.pick(HEADINGS)))
                headings -= 1
            body.append(self.paragraph())
        tail: list[str] = []
        for chance, pool in ((0.15, SHARE), (0.12, COOKIES), (0.1, NEWSLETTERS), (0.08, COPYRIGHT)):
            if r.random() < chance:
                tail.append(self.fill(self.pick(pool)))
        if r.random() < 0.1:
            tail.append(".")
        if r.random() < 0.3:
            tail.append(self.fill(self.pick(FOOTERS)))
        return self.layout(head, body, tail)

    def layout(self, head: list[str], body: list[str], tail: list[str]) -> str:
        r = self.rng
        # Scrapers separate paragraphs inconsistently: blank lines, single breaks, stray spaces.
        sep = "\n\n" if r.random() < 0.8 else "\n"
        head_sep = "\n" if r.random() < 0.5 else sep
        lines = (
            [head_sep.join(head), sep.join(body), "\n".join(tail)] if tail else [head_sep.join(head), sep.join(body)]
        )
        text = sep.join(lines)
        if r.random() < 0.05:
            text = text.replace("\n", " \n", r.randint(1, 4))
        if r.random() < 0.03:
            text = text.replace("\n", "\r\n")
        if r.random() < 0.01:
            text = "\n" + text
        return text + ("\n" if r.random() < 0.7 else "")

    # --- damage a few articles ------------------------------------------------------------------

    def mojibake(self, text: str) -> str:
        """UTF-8 read as Windows-1252 in one or two paragraphs: `didn’t` -> `didnâ€™t`."""
        import ftfy.bad_codecs  # noqa: F401  (registers sloppy-windows-1252)

        paras = text.split("\n")
        for _ in range(self.rng.randint(1, 2)):
            i = self.rng.randrange(len(paras))
            paras[i] = paras[i].replace("’", "'").replace("don't", "don’t") + " It didn’t stop there, “officials” said."
            paras[i] = paras[i].encode("utf-8").decode("sloppy-windows-1252")
        return "\n".join(paras)

    def entities(self, text: str) -> str:
        """HTML entities left by a careless extractor."""
        text = text.replace(" & ", " &amp; ").replace("’", "&#8217;", 3).replace("“", "&ldquo;", 2)
        return text.replace("”", "&rdquo;", 2).replace("  ", "&nbsp; ", 1) + "\nTerms &amp; conditions apply"

    def near_duplicate(self, text: str) -> str:
        """A light edit of another article: a few words changed, maybe a residue line added."""
        words = text.split(" ")
        for _ in range(self.rng.randint(1, 4)):
            i = self.rng.randrange(len(words))
            if "\n" not in words[i]:
                words[i] = self.pick(ADJECTIVES)
        text = " ".join(words)
        if self.rng.random() < 0.5:
            text = f"{self.pick(SHARE)}\n{text}"
        return text


def generate(n: int = 100_000, seed: int = 0, damaged: float = 0.02, near_duplicates: float = 0.01):
    """``n`` articles; ``damaged`` of them with mojibake or HTML entities, ``near_duplicates`` light copies."""
    writer = NewsWriter(seed)
    rng = writer.rng
    out: list[GeneratedArticle] = []
    for i in range(n):
        if out and rng.random() < near_duplicates:
            original = out[rng.randrange(len(out))]
            out.append(GeneratedArticle(f"a{i:07d}", writer.near_duplicate(original.text), original.id))
            continue
        text = writer.article()
        if rng.random() < damaged:
            text = writer.mojibake(text) if rng.random() < 0.6 else writer.entities(text)
        out.append(GeneratedArticle(f"a{i:07d}", text))
    return out


if __name__ == "__main__":
    import sys

    for a in generate(int(sys.argv[1]) if len(sys.argv) > 1 else 3, int(sys.argv[2]) if len(sys.argv) > 2 else 0):
        print(f"===== {a.id} ({len(a.text.encode())} bytes, near-duplicate of {a.near_duplicate_of})")
        print(a.text)
