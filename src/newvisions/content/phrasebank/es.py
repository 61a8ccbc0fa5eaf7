"""Spanish phrase bank (neutral Spanish that reads well in Spain and Latin America).

Writing rules for this file:
* no category words and no digits; nothing about the speaker that carries gender
  ("dormido/dormida"), because the performer's sex is not known here;
* never put "de {np}" or "a {np}": values can start with "el" ("el as de corazones",
  "el treinta y siete") and Spanish would need "del"/"al";
* no adjective or verb that agrees with the value unless the frame is limited to singular
  kinds: a free-text value may be plural ("las arañas").
"""

from __future__ import annotations

from newvisions.content.phrasebank.types import Detail, Frame, PhraseBank, kinds
from newvisions.content.phrasebank.types import ValueKind as K

OBJECTS = kinds(K.CARD, K.NUMBER, K.NAME, K.TITLE, K.THING)  # "soñé con {np}"
SINGULAR = kinds(K.CARD, K.NUMBER, K.NAME, K.TITLE, K.SIGN)

OPENERS: tuple[str, ...] = (
    "",
    "",
    "Bueno, ",
    "A ver, ",
    "Oye, ",
    "Acabo de despertarme y ",
    "Nota mental: ",
    "Esto es rarísimo, pero ",
    "No te rías, pero ",
    "Antes de que se me olvide: ",
    "Qué raro, ",
    "Ay, ",
    "Bueno, a ver, ",
    "Es tempranísimo, pero ",
    "Tengo que decirlo en voz alta: ",
    "Buenos días, bueno, ",
    "Sinceramente, ",
    "Rápido, ",
    "Para que no se me olvide: ",
    "Bueno, pues ",
)

CATEGORY_WORDS = frozenset(
    {
        "carta",
        "cartas",
        "baraja",
        "barajas",
        "naipe",
        "naipes",
        "palo",
        "palos",
        "póker",
        "poker",
        "número",
        "números",
        "cifra",
        "cifras",
        "dígito",
        "dígitos",
        "signo",
        "signos",
        "zodiaco",
        "zodíaco",
        "zodiacal",
        "horóscopo",
        "horóscopos",
        "astrología",
        "constelación",
        "carta astral",
        "nombre",
        "nombres",
        "llamado",
        "llamada",
        "año",
        "años",
        "película",
        "películas",
        "peli",
        "pelis",
        "cine",
        "film",
        "filme",
        "fobia",
        "fobias",
        "miedo",
        "miedos",
        "pánico",
    }
)

FRAMES: tuple[Frame, ...] = (
    # value as a noun phrase (after "con", "en", "sobre": no contraction possible)
    Frame("soñé con {np}", OBJECTS),
    Frame("he vuelto a soñar con {np}", OBJECTS),
    Frame("tuve un sueño rarísimo con {np}", OBJECTS),
    Frame("anoche soñé con {np}", OBJECTS),
    Frame("me he despertado pensando en {np}", OBJECTS),
    Frame("sigo pensando en {np}", OBJECTS),
    Frame("todo el sueño era sobre {np}", OBJECTS),
    Frame("no me puedo quitar de la cabeza {np}"),
    Frame("tuve un sueño y salía {np} todo el rato", SINGULAR),
    # value as something said or seen: fits every kind
    Frame("en el sueño alguien repetía todo el rato: {v}"),
    Frame("me he despertado diciendo {v} en voz alta"),
    Frame("lo primero que he pensado al despertarme ha sido {v}"),
    Frame("soñé que alguien me escribía {v} en la mano"),
    Frame("me he despertado y solo tenía {v} en la cabeza"),
    Frame("en el sueño alguien me susurraba {v} al oído"),
    # cards
    Frame("soñé que {np} estaba boca arriba sobre mi almohada", kinds(K.CARD)),
    Frame("soñé que alguien me daba {np} y se iba sin decir nada", kinds(K.CARD)),
    Frame("soñé que encontraba {np} en el bolsillo del abrigo", kinds(K.CARD)),
    Frame("soñé que alguien había pegado {np} en la puerta de casa", kinds(K.CARD)),
    Frame("en el sueño yo daba la vuelta y siempre salía {np}", kinds(K.CARD)),
    # numbers
    Frame("soñé que me alojaba en la habitación {v}", kinds(K.NUMBER)),
    Frame("soñé que {np} aparecía en todas las puertas de mi calle", kinds(K.NUMBER)),
    Frame("soñé que llevaba una camiseta con {np} a la espalda", kinds(K.NUMBER)),
    Frame("soñé que contaba y siempre me paraba en {np}", kinds(K.NUMBER)),
    Frame("soñé que esperaba el autobús {v} y nunca llegaba", kinds(K.NUMBER)),
    Frame("en el sueño todas las etiquetas de precio decían {v}", kinds(K.NUMBER)),
    # star signs
    Frame("soñé que todo el mundo en la fiesta era {v}", kinds(K.SIGN)),
    Frame("en el sueño alguien me decía que en realidad soy {v}", kinds(K.SIGN)),
    Frame("soñé que conocía a alguien perfecto y era {v}", kinds(K.SIGN)),
    Frame("soñé que me tatuaba {v} en la muñeca", kinds(K.SIGN)),
    Frame("soñé que una desconocida en el tren me miraba y decía {v}", kinds(K.SIGN)),
    # names
    Frame("soñé que {np} me llamaba en mitad de la noche", kinds(K.NAME)),
    Frame("soñé que me encontraba con {np} en el aeropuerto", kinds(K.NAME)),
    Frame("soñé que todo el mundo me llamaba {np}", kinds(K.NAME)),
    Frame("soñé que buscaba a {np} por todas partes", kinds(K.NAME)),
    Frame("soñé que {np} me esperaba en la puerta de casa", kinds(K.NAME)),
    # years
    Frame("soñé que volvíamos a estar en {np}", kinds(K.YEAR)),
    Frame("soñé que me encontraba una moneda de {np}", kinds(K.YEAR)),
    Frame("en el sueño todo el mundo decía que estábamos en {np}", kinds(K.YEAR)),
    Frame("soñé que me despertaba en {np}", kinds(K.YEAR)),
    # titles
    Frame("soñé que salía de extra en {np}", kinds(K.TITLE)),
    Frame("soñé que vivía en {np}", kinds(K.TITLE)),
    Frame("soñé que veía {np} con un desconocido", kinds(K.TITLE)),
)

DETAILS: tuple[Detail, ...] = (
    Detail(", y parecía tan real"),
    Detail(" y no sé por qué"),
    Detail(", así, sin más"),
    Detail(", con todo lujo de detalles"),
    Detail(" y me he despertado con el corazón a mil"),
    Detail(", fue rarísimo"),
    Detail(", como si fuera una señal"),
    Detail(" y todavía le estoy dando vueltas"),
    Detail(", clarísimo"),
    Detail(", te lo juro"),
    Detail(", como si me quisiera decir algo"),
    Detail(" y se me ha quedado grabado"),
    Detail(", de verdad"),
    Detail(", una y otra vez"),
    Detail(", sin venir a cuento"),
)

CLOSERS: tuple[str, ...] = (
    "Qué raro.",
    "Ni idea de por qué.",
    "Lo digo en voz alta para acordarme.",
    "En fin.",
    "Rarísimo.",
    "Bueno, a dormir otra vez.",
    "Raro, ¿no?",
    "Seguro que no es nada.",
    "Tenía que contarlo.",
    "No me preguntes por qué.",
    "¿Qué significará?",
    "Y ya está.",
    "Me vuelvo a la cama.",
    "No sé, se me quedó grabado.",
    "Recuérdame contarlo.",
    "Qué cosa.",
    "En fin, café.",
    "Muy fuerte.",
)

BANK = PhraseBank(
    lang="es",
    openers=OPENERS,
    frames=FRAMES,
    details=DETAILS,
    closers=CLOSERS,
    category_words=CATEGORY_WORDS,
    motifs={
        "cabeza": ("cabeza",),
        "despertar": ("despert",),
        "dormir": ("dormir", "cama"),
        "porque": ("por qué",),
        "real": ("real", "clarísimo", "detalles"),
        "raro": ("raro", "rarísimo", "qué cosa", "fuerte", "sin venir a cuento", "sin más"),
        "voz": ("voz alta",),
        "grabado": ("grabado",),
        "señal": ("señal", "decir algo", "significará"),
        "olvido": ("olvide", "acordarme"),
        "sincero": ("juro", "de verdad", "sinceramente", "no te rías"),
        "insistencia": ("todo el rato", "otra vez", "vuelto a"),
        "dos_puntos": (":",),
        "contar": ("contar",),
        "enlace_y": (" y ",),
        "fin": ("en fin", "y ya está"),
    },
)
