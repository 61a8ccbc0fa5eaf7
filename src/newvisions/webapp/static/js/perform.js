// The perform screen: pick a routine, enter the spectator's choice in a couple of taps.
// The final tap starts the memo and shows the memo list at once.
import { h, mount } from "./dom.js";
import { t } from "./i18n.js";
import { loadMemos, perform } from "./memos.js";

const ROUTINES = ["cards", "numbers", "star-signs", "names", "years", "movies", "phobias", "custom"];
const RANKS = ["A", "2", "3", "4", "5", "6", "7", "8", "9", "10", "J", "Q", "K"];
const SUITS = [["Clubs", "♣"], ["Hearts", "♥"], ["Spades", "♠"], ["Diamonds", "♦"]];
const SIGNS = [
  ["Aries", "♈"], ["Taurus", "♉"], ["Gemini", "♊"], ["Cancer", "♋"], ["Leo", "♌"], ["Virgo", "♍"],
  ["Libra", "♎"], ["Scorpio", "♏"], ["Sagittarius", "♐"], ["Capricorn", "♑"], ["Aquarius", "♒"], ["Pisces", "♓"],
];
const ROUTINE_KEY = "nv.routine"; // only which routine was last used: nothing personal

function chosenRoutine() {
  const saved = localStorage.getItem(ROUTINE_KEY);
  return ROUTINES.includes(saved) ? saved : "cards";
}

function cardsInput(done) {
  let rank = null;
  const rankButtons = RANKS.map((r) => h("button", { type: "button", class: "key rank", dataset: { rank: r } }, r));
  rankButtons.forEach((b) => b.addEventListener("click", () => {
    rank = b.dataset.rank;
    rankButtons.forEach((o) => o.classList.toggle("chosen", o === b));
  }));
  const suitButtons = SUITS.map(([name, symbol]) => h("button", {
    type: "button", class: `key suit suit-${name.toLowerCase()}`, dataset: { suit: name }, "aria-label": t(`suit.${name}`),
  }, symbol));
  suitButtons.forEach((b) => b.addEventListener("click", () => {
    if (rank) done(`${rank} of ${b.dataset.suit}`);
  }));
  return h("div", { class: "input-cards" },
    h("div", { class: "rank-row", role: "group", "aria-label": t("perform.rank") }, rankButtons),
    h("div", { class: "suit-row", role: "group", "aria-label": t("perform.suit") }, suitButtons));
}

function numbersInput(done) {
  let first = null;
  const shown = h("div", { class: "digits", "aria-live": "off" }, "");
  const keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "", "0", ""].map((d) => d
    ? h("button", { type: "button", class: "key digit", dataset: { digit: d } }, d)
    : h("span", { class: "key-gap" }));
  keys.forEach((k) => k.dataset?.digit && k.addEventListener("click", () => {
    if (first === null) {
      first = k.dataset.digit;
      shown.textContent = "•"; // acknowledges the tap without showing the digit
    } else {
      const value = first + k.dataset.digit;
      first = null;
      shown.textContent = "";
      done(value);
    }
  }));
  return h("div", { class: "input-numbers" }, shown, h("div", { class: "keypad" }, keys));
}

function signsInput(done) {
  return h("div", { class: "sign-grid" }, SIGNS.map(([name, symbol]) => {
    const b = h("button", { type: "button", class: "key sign", dataset: { sign: name } },
      h("span", { class: "sign-symbol", "aria-hidden": "true" }, symbol), h("span", { class: "sign-name" }, t(`sign.${name}`)));
    b.addEventListener("click", () => done(name));
    return b;
  }));
}

function textInput(routine, done) {
  const input = h("input", {
    type: "text", name: "value", maxlength: 60, required: true, autocomplete: "off",
    placeholder: t("perform.placeholder"), inputmode: routine === "years" ? "numeric" : "text",
  });
  const form = h("form", { class: "input-text" }, input, h("button", { type: "submit", class: "primary" }, t("perform.go")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = input.value.trim();
    if (value) done(value);
  });
  return form;
}

export async function performView(root, { go }) {
  let routine = chosenRoutine();
  const pad = h("section", { class: "pad" });
  const picker = h("div", { class: "routines", role: "tablist" });
  const start = (value) => {
    perform(routine, value);
    go("memos");
  };
  const draw = () => {
    picker.replaceChildren(...ROUTINES.map((r) => {
      const b = h("button", { type: "button", role: "tab", class: r === routine ? "chip active" : "chip", "aria-selected": String(r === routine), dataset: { routine: r } }, t(`routine.${r}`));
      b.addEventListener("click", () => { routine = r; localStorage.setItem(ROUTINE_KEY, r); draw(); });
      return b;
    }));
    const input = routine === "cards" ? cardsInput(start)
      : routine === "numbers" ? numbersInput(start)
      : routine === "star-signs" ? signsInput(start)
      : textInput(routine, start);
    pad.replaceChildren(input);
  };
  draw();
  const memos = h("a", { href: "#/memos", class: "to-memos" }, t("perform.memos"));
  mount(root, h("header", { class: "bar" }, h("h1", {}, t("perform.title")), memos), picker, pad);
  loadMemos().catch(() => {}); // earlier memos ready before the list is shown
}
