// Interface strings in English and Spanish. The language follows the performer's
// voice_language when it is one of these, otherwise the browser's.

const STRINGS = {
  en: {
    appName: "New Visions",
    "nav.perform": "Perform", "nav.voice": "Voice", "nav.settings": "Settings", "nav.account": "Account",
    "auth.login": "Log in", "auth.signup": "Sign up", "auth.reset": "Reset password",
    "auth.loginName": "Username or email", "auth.password": "Password", "auth.username": "Username",
    "auth.email": "Email", "auth.code": "Activation code", "auth.codeHint": "The 11-character code that came with New Visions.",
    "auth.usernameHint": "3–30 letters, digits, dots, dashes or underscores.",
    "auth.passwordHint": "At least 8 characters.",
    "auth.newPassword": "New password",
    "auth.noAccount": "New here? Sign up with your activation code",
    "auth.haveAccount": "Already have an account? Log in",
    "auth.forgot": "Forgot your password?",
    "auth.resetHint": "Use the activation code you signed up with (or a reset code from your administrator).",
    "auth.resetDone": "Your password is changed. Log in with the new one.",
    "auth.signedUp": "Welcome! Your account is ready.",
    "auth.tagline": "Your own voice, revealing their free choice.",
    "perform.title": "Perform", "perform.go": "Perform",
    "perform.placeholder": "Type what they chose",
    "perform.rank": "Rank", "perform.suit": "Suit",
    "perform.memos": "Memos",
    "routine.cards": "Cards", "routine.numbers": "Numbers", "routine.star-signs": "Star signs",
    "routine.names": "Names", "routine.years": "Years", "routine.movies": "Movies",
    "routine.phobias": "Phobias", "routine.custom": "Custom",
    "suit.Clubs": "Clubs", "suit.Hearts": "Hearts", "suit.Spades": "Spades", "suit.Diamonds": "Diamonds",
    "sign.Aries": "Aries", "sign.Taurus": "Taurus", "sign.Gemini": "Gemini", "sign.Cancer": "Cancer",
    "sign.Leo": "Leo", "sign.Virgo": "Virgo", "sign.Libra": "Libra", "sign.Scorpio": "Scorpio",
    "sign.Sagittarius": "Sagittarius", "sign.Capricorn": "Capricorn", "sign.Aquarius": "Aquarius", "sign.Pisces": "Pisces",
    "memos.all": "All Recordings", "memos.search": "Search", "memos.back": "Back", "memos.empty": "No recordings",
    "memos.play": "Play", "memos.pause": "Pause", "memos.expired": "No longer available",
    "memos.failed": "Memo not made",
    "voice.title": "Your voice",
    "voice.none": "No recording yet. Record 30–60 seconds of your natural voice.",
    "voice.have": "Recording stored: {duration}, {date}.",
    "voice.analysis.pending": "Analysing your voice…",
    "voice.analysis.ready": "Your voice is ready for performing.",
    "voice.analysis.failed": "The analysis of your voice failed. Please record again.",
    "voice.record": "Record", "voice.stop": "Stop", "voice.stopHint": "Stop is available from 0:30; recording ends at 1:00.",
    "voice.readThis": "Read this aloud in your everyday voice:",
    "voice.script": "Last night I had the strangest dream. I was walking through an old house by the sea, and every room was full of clocks that all showed a different time. Someone I could not see kept calling my name from upstairs, but whenever I climbed the stairs the voice moved one floor higher. In the kitchen there was a table set for dinner, with a single playing card on each plate. I remember the smell of rain and the sound of a radio playing an old song. When I woke up, I wrote everything down, because it felt important, as if it was trying to tell me something.",
    "voice.upload": "Or upload an audio file",
    "voice.uploading": "Uploading and checking your recording…",
    "voice.accepted": "Recording accepted.",
    "voice.delete": "Delete recording", "voice.deleteConfirm": "Delete your stored recording?",
    "voice.deleted": "Recording deleted.",
    "voice.noMic": "The microphone is not available: allow it in the browser, or upload a file.",
    "settings.title": "Settings", "settings.save": "Save", "settings.saved": "Settings saved.",
    "settings.voice_language": "Language of the memos",
    "settings.speaker_sex": "Your voice", "settings.male": "Male", "settings.female": "Female",
    "settings.voice_stability": "Stability", "settings.voice_stability.hint": "0–100: higher is steadier, lower is more expressive.",
    "settings.voice_similarity": "Similarity", "settings.voice_similarity.hint": "0–100: how closely the memo follows your voice.",
    "settings.background_sound": "Background sound (fan, room)",
    "settings.background_volume": "Background volume", "settings.background_volume.hint": "0–100",
    "settings.voice_note_name": "Memo title", "settings.voice_note_name.hint": "Up to 50 characters; empty for the default title.",
    "settings.voice_note_date": "Memo date", "settings.voice_note_date.hint": "Empty for the day of the show.",
    "settings.preview": "What the audience will see",
    "settings.defaultTitle": "Recording on {date}",
    "lang.en": "English", "lang.es": "Spanish", "lang.fr": "French", "lang.de": "German", "lang.it": "Italian", "lang.pt": "Portuguese",
    "account.title": "Account", "account.usage": "Characters this month",
    "account.usageLine": "{used} of {limit} used · {remaining} left",
    "account.resets": "Resets on {date}",
    "account.usageUnavailable": "Usage is not available yet.",
    "account.devices": "Devices", "account.thisDevice": "This device", "account.revoke": "Log out",
    "account.lastUsed": "last used {date}",
    "account.password": "Change password", "account.currentPassword": "Current password",
    "account.passwordChanged": "Password changed. Your other devices are logged out.",
    "account.logout": "Log out", "account.logoutAll": "Log out everywhere",
    "account.delete": "Delete account", "account.deleteHint": "Deletes your account, your recording and your memos. Enter your password to confirm.",
    "account.deleted": "Your account is deleted.",
    "error.generic": "Something went wrong. Please try again.",
    "error.network_error": "The server could not be reached. Check your connection.",
    "error.activation_code_invalid": "This activation code is not valid. Check it and try again.",
    "error.activation_code_used": "This activation code has already been used.",
    "error.activation_code_expired": "This activation code has expired.",
    "error.activation_code_revoked": "This activation code has been withdrawn.",
    "error.username_taken": "This username is already taken. Choose another one.",
    "error.email_taken": "An account with this email already exists. Log in instead.",
    "error.too_many_attempts": "Too many attempts. Please wait a minute and try again.",
    "error.invalid_credentials": "The login or the password is not correct.",
    "error.user_deactivated": "This account has been deactivated.",
    "error.password_reset_refused": "This email and code do not match. Check both and try again.",
    "error.wrong_password": "The password is not correct.",
    "error.validation.username": "The username must be 3–30 letters, digits, dots, dashes or underscores.",
    "error.validation.email": "This email address does not look right.",
    "error.validation.password": "The password needs at least 8 characters.",
    "error.validation.new_password": "The new password needs at least 8 characters.",
    "error.validation.activation_code": "Enter your activation code.",
    "error.validation.voice_note_name": "The memo title can have up to 50 characters.",
    "error.validation": "Some fields are not valid: {fields}",
    "error.recording_too_short": "The recording is too short: record at least 30 seconds.",
    "error.recording_too_long": "The recording is too long: keep it under 60 seconds.",
    "error.recording_no_speech": "We could not hear enough speech — record somewhere quieter and speak naturally.",
    "error.recording_mostly_silent": "The recording is mostly silence — keep talking for the whole time.",
    "error.recording_too_quiet": "The recording is too quiet — hold the phone closer.",
    "error.recording_clipped": "The recording is distorted — hold the phone a little further away.",
    "error.recording_too_large": "This file is too large.",
    "error.recording_unreadable": "This file could not be read as audio.",
    "error.recording_format_unsupported": "This audio format is not supported. Try another file.",
    "error.recording_content_type_unsupported": "This type of file is not accepted.",
    "error.recording_decode_timeout": "This file took too long to read. Try a shorter one.",
    "error.recording_upload_conflict": "Another upload is in progress. Try again in a moment.",
    "error.recording_file_missing": "Choose a recording to upload.",
    "error.recording_base64_invalid": "The recording did not arrive intact. Try again.",
    "error.voice_recording_missing": "No voice recording yet — record your voice first.",
    "error.voice_recording_not_found": "No recording yet.",
    "error.quota_exceeded": "Monthly characters used up.",
    "error.voice_provider_unavailable": "Voice service unavailable.",
    "error.value_not_allowed": "That choice cannot be used.",
    "error.unknown_routine": "Unknown routine.",
    "error.missing_route": "This server does not offer {what} yet.",
  },
  es: {
    appName: "New Visions",
    "nav.perform": "Actuar", "nav.voice": "Voz", "nav.settings": "Ajustes", "nav.account": "Cuenta",
    "auth.login": "Entrar", "auth.signup": "Crear cuenta", "auth.reset": "Restablecer contraseña",
    "auth.loginName": "Usuario o email", "auth.password": "Contraseña", "auth.username": "Usuario",
    "auth.email": "Email", "auth.code": "Código de activación", "auth.codeHint": "El código de 11 caracteres que venía con New Visions.",
    "auth.usernameHint": "3–30 letras, cifras, puntos, guiones o guiones bajos.",
    "auth.passwordHint": "Al menos 8 caracteres.",
    "auth.newPassword": "Contraseña nueva",
    "auth.noAccount": "¿Primera vez? Crea tu cuenta con el código de activación",
    "auth.haveAccount": "¿Ya tienes cuenta? Entra",
    "auth.forgot": "¿Olvidaste la contraseña?",
    "auth.resetHint": "Usa el código de activación con el que te registraste (o un código de tu administrador).",
    "auth.resetDone": "Contraseña cambiada. Entra con la nueva.",
    "auth.signedUp": "¡Bienvenido! Tu cuenta está lista.",
    "auth.tagline": "Tu propia voz revela su libre elección.",
    "perform.title": "Actuar", "perform.go": "Actuar",
    "perform.placeholder": "Escribe lo que eligieron",
    "perform.rank": "Valor", "perform.suit": "Palo",
    "perform.memos": "Notas",
    "routine.cards": "Cartas", "routine.numbers": "Números", "routine.star-signs": "Signos",
    "routine.names": "Nombres", "routine.years": "Años", "routine.movies": "Películas",
    "routine.phobias": "Fobias", "routine.custom": "Libre",
    "suit.Clubs": "Tréboles", "suit.Hearts": "Corazones", "suit.Spades": "Picas", "suit.Diamonds": "Diamantes",
    "sign.Aries": "Aries", "sign.Taurus": "Tauro", "sign.Gemini": "Géminis", "sign.Cancer": "Cáncer",
    "sign.Leo": "Leo", "sign.Virgo": "Virgo", "sign.Libra": "Libra", "sign.Scorpio": "Escorpio",
    "sign.Sagittarius": "Sagitario", "sign.Capricorn": "Capricornio", "sign.Aquarius": "Acuario", "sign.Pisces": "Piscis",
    "memos.all": "Todas las grabaciones", "memos.search": "Buscar", "memos.back": "Atrás", "memos.empty": "Sin grabaciones",
    "memos.play": "Reproducir", "memos.pause": "Pausa", "memos.expired": "Ya no disponible",
    "memos.failed": "Nota no creada",
    "voice.title": "Tu voz",
    "voice.none": "Aún no hay grabación. Graba 30–60 segundos con tu voz natural.",
    "voice.have": "Grabación guardada: {duration}, {date}.",
    "voice.analysis.pending": "Analizando tu voz…",
    "voice.analysis.ready": "Tu voz está lista para actuar.",
    "voice.analysis.failed": "El análisis de tu voz falló. Graba de nuevo, por favor.",
    "voice.record": "Grabar", "voice.stop": "Parar", "voice.stopHint": "Puedes parar desde 0:30; la grabación termina en 1:00.",
    "voice.readThis": "Lee esto en voz alta, con tu voz de siempre:",
    "voice.script": "Anoche tuve el sueño más extraño. Caminaba por una casa vieja junto al mar y cada habitación estaba llena de relojes que marcaban horas distintas. Alguien a quien no veía me llamaba desde el piso de arriba, pero cada vez que subía la escalera la voz se alejaba un piso más. En la cocina había una mesa puesta para cenar, con una carta sobre cada plato. Recuerdo el olor a lluvia y una radio que tocaba una canción antigua. Al despertar lo apunté todo, porque sentí que era importante, como si quisiera decirme algo.",
    "voice.upload": "O sube un archivo de audio",
    "voice.uploading": "Subiendo y comprobando tu grabación…",
    "voice.accepted": "Grabación aceptada.",
    "voice.delete": "Borrar grabación", "voice.deleteConfirm": "¿Borrar tu grabación guardada?",
    "voice.deleted": "Grabación borrada.",
    "voice.noMic": "El micrófono no está disponible: permítelo en el navegador o sube un archivo.",
    "settings.title": "Ajustes", "settings.save": "Guardar", "settings.saved": "Ajustes guardados.",
    "settings.voice_language": "Idioma de las notas",
    "settings.speaker_sex": "Tu voz", "settings.male": "Masculina", "settings.female": "Femenina",
    "settings.voice_stability": "Estabilidad", "settings.voice_stability.hint": "0–100: más alto es más estable, más bajo más expresivo.",
    "settings.voice_similarity": "Parecido", "settings.voice_similarity.hint": "0–100: cuánto se parece la nota a tu voz.",
    "settings.background_sound": "Sonido de fondo (ventilador, sala)",
    "settings.background_volume": "Volumen del fondo", "settings.background_volume.hint": "0–100",
    "settings.voice_note_name": "Título de la nota", "settings.voice_note_name.hint": "Hasta 50 caracteres; vacío para el título por defecto.",
    "settings.voice_note_date": "Fecha de la nota", "settings.voice_note_date.hint": "Vacío para el día de la función.",
    "settings.preview": "Lo que verá el público",
    "settings.defaultTitle": "Grabación del {date}",
    "lang.en": "Inglés", "lang.es": "Español", "lang.fr": "Francés", "lang.de": "Alemán", "lang.it": "Italiano", "lang.pt": "Portugués",
    "account.title": "Cuenta", "account.usage": "Caracteres este mes",
    "account.usageLine": "{used} de {limit} usados · quedan {remaining}",
    "account.resets": "Se renueva el {date}",
    "account.usageUnavailable": "El consumo aún no está disponible.",
    "account.devices": "Dispositivos", "account.thisDevice": "Este dispositivo", "account.revoke": "Cerrar sesión",
    "account.lastUsed": "último uso {date}",
    "account.password": "Cambiar contraseña", "account.currentPassword": "Contraseña actual",
    "account.passwordChanged": "Contraseña cambiada. Tus otros dispositivos han salido.",
    "account.logout": "Salir", "account.logoutAll": "Salir en todos los dispositivos",
    "account.delete": "Borrar cuenta", "account.deleteHint": "Borra tu cuenta, tu grabación y tus notas. Escribe tu contraseña para confirmar.",
    "account.deleted": "Tu cuenta ha sido borrada.",
    "error.generic": "Algo salió mal. Inténtalo de nuevo.",
    "error.network_error": "No se pudo conectar con el servidor. Revisa tu conexión.",
    "error.activation_code_invalid": "Este código de activación no es válido. Revísalo e inténtalo de nuevo.",
    "error.activation_code_used": "Este código de activación ya se ha usado.",
    "error.activation_code_expired": "Este código de activación ha caducado.",
    "error.activation_code_revoked": "Este código de activación ha sido retirado.",
    "error.username_taken": "Este usuario ya existe. Elige otro.",
    "error.email_taken": "Ya hay una cuenta con este email. Entra con ella.",
    "error.too_many_attempts": "Demasiados intentos. Espera un minuto y vuelve a probar.",
    "error.invalid_credentials": "El usuario o la contraseña no son correctos.",
    "error.user_deactivated": "Esta cuenta está desactivada.",
    "error.password_reset_refused": "Este email y este código no coinciden. Revisa ambos.",
    "error.wrong_password": "La contraseña no es correcta.",
    "error.validation.username": "El usuario debe tener 3–30 letras, cifras, puntos, guiones o guiones bajos.",
    "error.validation.email": "Este email no parece correcto.",
    "error.validation.password": "La contraseña necesita al menos 8 caracteres.",
    "error.validation.new_password": "La contraseña nueva necesita al menos 8 caracteres.",
    "error.validation.activation_code": "Escribe tu código de activación.",
    "error.validation.voice_note_name": "El título puede tener hasta 50 caracteres.",
    "error.validation": "Hay campos no válidos: {fields}",
    "error.recording_too_short": "La grabación es demasiado corta: graba al menos 30 segundos.",
    "error.recording_too_long": "La grabación es demasiado larga: que dure menos de 60 segundos.",
    "error.recording_no_speech": "No oímos suficiente voz — graba en un sitio más tranquilo y habla con naturalidad.",
    "error.recording_mostly_silent": "La grabación es casi todo silencio — sigue hablando todo el tiempo.",
    "error.recording_too_quiet": "La grabación está demasiado baja — acerca el teléfono.",
    "error.recording_clipped": "La grabación está distorsionada — aleja un poco el teléfono.",
    "error.recording_too_large": "Este archivo es demasiado grande.",
    "error.recording_unreadable": "Este archivo no se puede leer como audio.",
    "error.recording_format_unsupported": "Este formato de audio no está admitido. Prueba con otro archivo.",
    "error.recording_content_type_unsupported": "Este tipo de archivo no se admite.",
    "error.recording_decode_timeout": "Este archivo tardó demasiado en leerse. Prueba uno más corto.",
    "error.recording_upload_conflict": "Hay otra subida en curso. Inténtalo en un momento.",
    "error.recording_file_missing": "Elige una grabación para subir.",
    "error.recording_base64_invalid": "La grabación no llegó completa. Inténtalo de nuevo.",
    "error.voice_recording_missing": "Aún no hay grabación de voz — graba tu voz primero.",
    "error.voice_recording_not_found": "Aún no hay grabación.",
    "error.quota_exceeded": "Caracteres del mes agotados.",
    "error.voice_provider_unavailable": "Servicio de voz no disponible.",
    "error.value_not_allowed": "Esa elección no se puede usar.",
    "error.unknown_routine": "Rutina desconocida.",
    "error.missing_route": "Este servidor aún no ofrece {what}.",
  },
};

let current = (navigator.language || "en").toLowerCase().startsWith("es") ? "es" : "en";

export function language() { return current; }

export function setLanguage(voiceLanguage) {
  const wanted = voiceLanguage in STRINGS ? voiceLanguage
    : (navigator.language || "en").toLowerCase().startsWith("es") ? "es" : "en";
  current = wanted;
  document.documentElement.lang = current;
}

export function t(key, vars = {}) {
  const text = STRINGS[current][key] ?? STRINGS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : `{${name}}`));
}

export function has(key) { return key in STRINGS[current] || key in STRINGS.en; }

// A sentence for an API error: our own words for known codes, the server's otherwise.
export function errorMessage(error) {
  if (!error) return t("error.generic");
  if (error.code === "validation_error" && Array.isArray(error.body.fields)) {
    const names = [...new Set(error.body.fields.map((f) => f.field.split(".").pop()))];
    const known = names.filter((n) => has(`error.validation.${n}`));
    if (known.length) return known.map((n) => t(`error.validation.${n}`)).join(" ");
    return t("error.validation", { fields: names.join(", ") });
  }
  if (has(`error.${error.code}`)) return t(`error.${error.code}`);
  return error.body?.detail || t("error.generic");
}

const MONTHS_SHORT = {
  en: ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
  es: ["ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic"],
};

// "25 Nov 2026" — the shape of the server's default memo title date.
export function shortDate(value, lang = current, { utc = false } = {}) {
  const d = value instanceof Date ? value : parseDate(value);
  if (!d || Number.isNaN(d.getTime())) return "";
  const months = MONTHS_SHORT[lang] || MONTHS_SHORT.en;
  if (utc) return `${d.getUTCDate()} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
  return `${d.getDate()} ${months[d.getMonth()]} ${d.getFullYear()}`;
}

// "2026-11-25" is a calendar day (local midnight), not a UTC instant.
export function parseDate(value) {
  if (!value) return null;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const [y, m, d] = value.split("-").map(Number);
    return new Date(y, m - 1, d);
  }
  return new Date(value);
}
