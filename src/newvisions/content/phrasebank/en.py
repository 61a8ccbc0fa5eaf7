"""English phrase bank. Casual, first person, recorded right after waking up.

Writing rules for this file:
* no category words (see CATEGORY_WORDS) and no digits; avoid the word "one" in details
  (it would double-count when the value is "one");
* details and closers must fit after any frame, so they never refer to the value;
* `{np}` frames for THING must also read well with abstract or plural values
  ("heights", "the dark", "spiders").
"""

from __future__ import annotations

from newvisions.content.phrasebank.types import Detail, Frame, PhraseBank, kinds
from newvisions.content.phrasebank.types import ValueKind as K

OBJECTS = kinds(K.CARD, K.NAME, K.TITLE, K.THING)  # "I dreamt about {np}"
SINGULAR = kinds(K.CARD, K.NUMBER, K.NAME, K.TITLE)

OPENERS: tuple[str, ...] = (
    "",
    "",
    "Okay, so ",
    "So, um, ",
    "Right, ",
    "Just woke up and ",
    "Okay, weird one: ",
    "Note to self: ",
    "Um, ",
    "Morning, so ",
    "Before I forget, ",
    "Half asleep still, but ",
    "This is so random, but ",
    "Don't laugh, but ",
    "Weirdest thing, ",
    "Honestly, ",
    "Okay, quick thing, ",
    "Not sure why I'm recording this, but ",
    "Just so I remember, ",
    "Ugh, okay, ",
    "Okay, ",
)

CATEGORY_WORDS = frozenset(
    {
        "card",
        "cards",
        "deck",
        "suit",
        "suits",
        "poker",
        "playing",
        "number",
        "numbers",
        "digit",
        "digits",
        "numeral",
        "numerals",
        "sign",
        "signs",
        "star sign",
        "zodiac",
        "horoscope",
        "horoscopes",
        "astrology",
        "astrological",
        "constellation",
        "birth chart",
        "name",
        "names",
        "named",
        "year",
        "years",
        "movie",
        "movies",
        "film",
        "films",
        "cinema",
        "flick",
        "phobia",
        "phobias",
        "phobic",
        "fear",
        "fears",
        "afraid",
        "scared",
        "terrified",
    }
)

FRAMES: tuple[Frame, ...] = (
    # value as a noun phrase
    Frame("I had this dream about {np}", OBJECTS),
    Frame("I dreamt about {np} again", OBJECTS),
    Frame("I just dreamt about {np}", OBJECTS),
    Frame("I had the strangest dream about {np}", OBJECTS),
    Frame("I woke up thinking about {np}", OBJECTS | kinds(K.NUMBER)),
    Frame("I keep thinking about {np}", OBJECTS),
    Frame("my whole dream last night was about {np}", OBJECTS),
    Frame("last night I dreamt about {np}", OBJECTS),
    # value as something said or seen: fits every kind
    Frame("someone in my dream kept saying {v}"),
    Frame("in my dream somebody whispered {v} right in my ear"),
    Frame("I woke up with {v} stuck in my head"),
    Frame("I woke up saying {v} out loud"),
    Frame("the first thing I thought when I woke up was {v}"),
    Frame("I dreamt someone wrote {v} on my hand"),
    Frame("I can't get {v} out of my head"),
    Frame("all night it was just {v}, over and over"),
    # cards
    Frame("I dreamt {np} was lying face up on my pillow", kinds(K.CARD)),
    Frame("I dreamt someone handed me {np} and just walked away", kinds(K.CARD)),
    Frame("I dreamt I found {np} in my coat pocket", kinds(K.CARD)),
    Frame("I dreamt {np} was taped to my front door", kinds(K.CARD)),
    Frame("in my dream I kept turning over {np}", kinds(K.CARD)),
    Frame("I dreamt {np} fell out of a book I was reading", kinds(K.CARD)),
    # numbers
    Frame("I dreamt {np} was painted on every door on my street", kinds(K.NUMBER)),
    Frame("in my dream {np} kept showing up everywhere", kinds(K.NUMBER)),
    Frame("I dreamt I was counting and couldn't get past {np}", kinds(K.NUMBER)),
    Frame("I dreamt I was staying in room {v}", kinds(K.NUMBER)),
    Frame("I dreamt I had a jersey with {v} on the back", kinds(K.NUMBER)),
    Frame("I dreamt I was waiting for the {v} bus forever", kinds(K.NUMBER)),
    Frame("in my dream every price tag just said {v}", kinds(K.NUMBER)),
    # star signs
    Frame("I dreamt everyone at the party was {a_np}", kinds(K.SIGN)),
    Frame("in my dream someone told me I'm secretly {a_np}", kinds(K.SIGN)),
    Frame("I dreamt I met the perfect person and they were {a_np}", kinds(K.SIGN)),
    Frame("I dreamt I had {v} tattooed on my wrist", kinds(K.SIGN)),
    Frame("I dreamt a stranger on the train looked at me and said {v}", kinds(K.SIGN)),
    Frame("I dreamt I was reading about {v} in a magazine", kinds(K.SIGN)),
    # names
    Frame("I dreamt {np} called me in the middle of the night", kinds(K.NAME)),
    Frame("I dreamt I bumped into {np} at the airport", kinds(K.NAME)),
    Frame("I dreamt everyone kept calling me {np}", kinds(K.NAME)),
    Frame("I dreamt I was looking for {np} everywhere", kinds(K.NAME)),
    Frame("I dreamt {np} was waiting for me outside my door", kinds(K.NAME)),
    Frame("in my dream I had a best friend called {np}", kinds(K.NAME)),
    # years
    Frame("I dreamt it was {np} again", kinds(K.YEAR)),
    Frame("I dreamt I went back to {np}", kinds(K.YEAR)),
    Frame("in my dream everyone kept saying it was {np}", kinds(K.YEAR)),
    Frame("I dreamt I was stuck in {np}", kinds(K.YEAR)),
    Frame("I dreamt I found a coin from {np}", kinds(K.YEAR)),
    # titles
    Frame("I dreamt I was an extra in {np}", kinds(K.TITLE)),
    Frame("I dreamt I was living inside {np}", kinds(K.TITLE)),
    Frame("I dreamt the ending of {np} was different", kinds(K.TITLE)),
    Frame("I dreamt I was watching {np} with a total stranger", kinds(K.TITLE)),
    Frame("I dreamt I was humming the music from {np}", kinds(K.TITLE)),
)

DETAILS: tuple[Detail, ...] = (
    Detail(", and it felt so real"),
    Detail(", clear as anything"),
    Detail(" and I woke up with my heart racing"),
    Detail(", of all things"),
    Detail(" and I have no idea why"),
    Detail(", which is so random"),
    Detail(", and it was really vivid"),
    Detail(" and it's still bugging me"),
    Detail(", and it felt like a message"),
    Detail(" and I can't shake it"),
    Detail(", like it was trying to tell me something"),
    Detail(", and it's been in my head since"),
    Detail(", really clearly"),
    Detail(", I swear"),
    Detail(", totally out of nowhere"),
)

CLOSERS: tuple[str, ...] = (
    "So weird.",
    "No idea why.",
    "Saying it out loud so I remember.",
    "Anyway.",
    "Strange.",
    "Okay, back to sleep.",
    "Weird, right?",
    "Probably nothing.",
    "Just had to get that out.",
    "Don't ask me why.",
    "What does that even mean?",
    "Okay, that's it.",
    "Going back to bed.",
    "I don't know, it stuck with me.",
    "Remind me to tell someone.",
    "Bizarre.",
    "Anyway, coffee.",
    "Huh.",
)

BANK = PhraseBank(
    lang="en",
    openers=OPENERS,
    frames=FRAMES,
    details=DETAILS,
    closers=CLOSERS,
    category_words=CATEGORY_WORDS,
    motifs={
        "head": ("head",),
        "wake": ("woke", "wake"),
        "sleep": ("sleep", "bed"),
        "why": ("why", "no idea"),
        "vivid": ("real", "vivid", "clear"),
        "strange": ("weird", "strange", "random", "bizarre", "nowhere"),
        "again": ("again", "over and over"),
        "remember": ("remember", "forget"),
        "aloud": ("out loud",),
        "message": ("message", "tell me something", "mean?"),
        "candid": ("swear", "honestly", "don't laugh"),
        "anyway": ("anyway",),
        "tell": ("tell someone", "told me"),
        "colon": (":",),
        "and_chain": (" and ",),
    },
)
