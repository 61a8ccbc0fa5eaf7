// The default memo title the server gives a memo (audio/memo.py), for the settings preview.
// A test keeps this table equal to the server's.
const TABLE = /* memo-titles */ {"titles": {"en": "Recording on {day} {month} {year}", "es": "Grabación del {day} {month} {year}", "fr": "Enregistrement du {day} {month} {year}", "de": "Aufnahme vom {day}. {month} {year}", "it": "Registrazione del {day} {month} {year}", "pt": "Gravação de {day} de {month} de {year}"}, "months": {"en": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], "es": ["ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic"], "fr": ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."], "de": ["Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.", "Nov.", "Dez."], "it": ["gen", "feb", "mar", "apr", "mag", "giu", "lug", "ago", "set", "ott", "nov", "dic"], "pt": ["jan.", "fev.", "mar.", "abr.", "mai.", "jun.", "jul.", "ago.", "set.", "out.", "nov.", "dez."]}} /* end */;

export function defaultMemoTitle(isoDay, language) {
  const lang = language in TABLE.titles ? language : "en";
  const [year, month, day] = isoDay.split("-").map(Number);
  return TABLE.titles[lang]
    .replace("{day}", String(day))
    .replace("{month}", TABLE.months[lang][month - 1])
    .replace("{year}", String(year));
}
