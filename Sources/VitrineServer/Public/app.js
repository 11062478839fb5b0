// Vitrine web page: plain JS over the JSON API (docs/api.md). Hash routes:
// #/ (grid, ?page=N), #/search?q=..., #/item/ID. The "play as a user" panel keeps its user in localStorage.
"use strict";

const pageSize = 24;
const view = document.getElementById("view");
const recList = document.getElementById("recommendations");
const userInput = document.getElementById("user-id");
const userStatus = document.getElementById("user-status");
const state = { user: localStorage.getItem("vitrine.user") || "", votes: {}, lastRecs: new Set() };

async function api(path, options = {}) {
  const response = await fetch(path, options);
  const text = await response.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch (_) { body = null; }
  if (!response.ok) {
    const message = body && body.error ? body.error.message : `HTTP ${response.status}`;
    throw new Error(message);
  }
  return body;
}

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    // Styles go through CSSOM: the server's Content-Security-Policy (style-src 'self') blocks style attributes.
    else if (key === "style") for (const [property, setting] of Object.entries(value)) node.style.setProperty(property, setting);
    else if (value !== undefined && value !== null) node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

// Thumbnails, not the stored photos: the server makes each size once (?size=N fits N × N). Two sizes only,
// about twice the displayed size for high-density screens, so the server's cache serves every page.
function picture(item, size) {
  if (!item.imageURL) return el("span", { class: "none" }, "no picture");
  const thumbnail = size <= 160 ? 256 : 512;
  const src = `${item.imageURL}${item.imageURL.includes("?") ? "&" : "?"}size=${thumbnail}`;
  return el("img", { src, alt: item.title, loading: "lazy", width: size, height: size });
}

function voteButtons(item) {
  const vote = state.votes[item.id];
  return el("div", { class: "votes" },
    el("button", { class: "like" + (vote === "like" ? " on" : ""), type: "button", title: "Like",
      onclick: (event) => { event.preventDefault(); sendEvent(item.id, "like"); } }, "♥ Like"),
    el("button", { class: "dislike" + (vote === "dislike" ? " on" : ""), type: "button", title: "Dislike",
      onclick: (event) => { event.preventDefault(); sendEvent(item.id, "dislike"); } }, "✕ Nope"));
}

function card(item, caption) {
  return el("div", { class: "card", "data-id": item.id },
    el("a", { href: `#/item/${encodeURIComponent(item.id)}` },
      el("div", { class: "thumb" }, picture(item, 160)),
      el("div", { class: "title", title: item.title }, item.title),
      el("div", { class: "meta" }, caption || item.category || "")),
    voteButtons(item));
}

function showError(error) {
  view.replaceChildren(el("p", { class: "error" }, error.message || String(error)));
}

async function showGrid(page) {
  const offset = page * pageSize;
  const data = await api(`/items?offset=${offset}&limit=${pageSize}`);
  const pages = Math.max(1, Math.ceil(data.total / pageSize));
  view.replaceChildren(
    el("h1", {}, `Catalog · ${data.total} items`),
    el("div", { class: "grid" }, data.items.map((item) => card(item))),
    el("div", { class: "pager" },
      el("button", { class: "secondary", disabled: page <= 0 ? "" : null, onclick: () => { location.hash = `#/?page=${page - 1}`; } }, "← Previous"),
      `Page ${page + 1} of ${pages}`,
      el("button", { class: "secondary", disabled: page + 1 >= pages ? "" : null, onclick: () => { location.hash = `#/?page=${page + 1}`; } }, "Next →")));
}

function showResults(title, results) {
  view.replaceChildren(el("h1", {}, title),
    results.length ? el("div", { class: "grid" }, results.map((hit) => card(hit.item, `similarity ${hit.score.toFixed(2)}`)))
      : el("p", { class: "empty" }, "Nothing found."));
}

async function showSearch(query) {
  const data = await api("/search", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ text: query, k: 24 }) });
  showResults(`Results for “${query}”`, data.results);
}

async function showItem(id) {
  const item = await api(`/items/${encodeURIComponent(id)}`);
  const similar = el("div", { class: "grid" });
  const tabs = el("div", { class: "tabs" });
  async function load(modality) {
    for (const button of tabs.children) button.classList.toggle("active", button.dataset.modality === modality);
    try {
      const data = await api(`/items/${encodeURIComponent(id)}/similar?k=12&modality=${modality}`);
      similar.replaceChildren(...data.results.map((hit) => card(hit.item, `similarity ${hit.score.toFixed(2)}`)));
      if (!data.results.length) similar.replaceChildren(el("p", { class: "empty" }, "No similar items."));
    } catch (error) {
      similar.replaceChildren(el("p", { class: "empty" }, error.message));
    }
  }
  for (const [modality, label] of [["image", "Looks like"], ["text", "Described like"], ["fused", "Both"]]) {
    tabs.append(el("button", { type: "button", "data-modality": modality, onclick: () => load(modality) }, label));
  }
  view.replaceChildren(
    el("div", { class: "item-page" },
      el("div", { class: "picture" }, picture(item, 280)),
      el("div", {},
        el("h1", {}, item.title),
        el("p", {}, item.description || ""),
        el("div", { class: "tags" }, [...new Set((item.category ? [item.category] : []).concat(item.tags))].map((tag) => el("span", { class: "tag" }, tag))),
        voteButtons(item))),
    el("h2", {}, "Similar items"), tabs, similar);
  await load("image");
}

async function route() {
  const hash = location.hash || "#/";
  try {
    if (hash.startsWith("#/item/")) await showItem(decodeURIComponent(hash.slice(7)));
    else if (hash.startsWith("#/search?q=")) await showSearch(decodeURIComponent(hash.slice(11)));
    else await showGrid(Number((hash.match(/page=(\d+)/) || [0, 0])[1]));
    window.scrollTo(0, 0);
  } catch (error) {
    showError(error);
  }
}

// ---- Play as a user ----

function setUser(id) {
  state.user = id.trim();
  state.votes = {};
  state.lastRecs = new Set();
  userInput.value = state.user;
  localStorage.setItem("vitrine.user", state.user);
  refreshRecommendations();
  route();
}

async function sendEvent(itemID, kind) {
  if (!state.user) setUser(freshID());
  try {
    await api(`/users/${encodeURIComponent(state.user)}/events`, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ item: itemID, kind }) });
    state.votes[itemID] = kind;
    for (const node of document.querySelectorAll(`[data-id="${CSS.escape(itemID)}"] .votes button`)) {
      node.classList.toggle("on", node.classList.contains(kind));
    }
    await refreshRecommendations();
  } catch (error) {
    userStatus.textContent = error.message;
  }
}

async function refreshRecommendations() {
  if (!state.user) {
    userStatus.textContent = "Pick a user id or start fresh, then like or dislike items.";
    recList.replaceChildren();
    return;
  }
  try {
    const data = await api(`/users/${encodeURIComponent(state.user)}/recommendations?k=8&explain=true&diversity=0.2`);
    userStatus.textContent = !data.coldStart
      ? `Recommended for ${data.user}, from their likes:` : `${data.user} has no likes yet: popular picks.`;
    const previous = state.lastRecs;
    state.lastRecs = new Set(data.results.map((r) => r.item.id));
    recList.replaceChildren(...data.results.map((r) => {
      const why = r.explanation ? r.explanation.summary : "";
      const image = r.explanation ? Math.round(r.explanation.imageShare * 100) : 50;
      return el("li", { class: previous.has(r.item.id) ? "" : "fresh" },
        el("a", { href: `#/item/${encodeURIComponent(r.item.id)}` }, picture(r.item, 56)),
        el("div", {},
          el("a", { class: "name", href: `#/item/${encodeURIComponent(r.item.id)}` }, r.item.title),
          el("div", { class: "why" }, why),
          el("div", { class: "score-bar", style: { "--image": `${image}%` }, title: `${image}% picture, ${100 - image}% description` })));
    }));
  } catch (error) {
    userStatus.textContent = error.message;
  }
}

function freshID() { return "guest-" + Math.random().toString(36).slice(2, 8); }

document.getElementById("use-user").addEventListener("click", () => { if (userInput.value.trim()) setUser(userInput.value); });
userInput.addEventListener("keydown", (event) => { if (event.key === "Enter" && userInput.value.trim()) setUser(userInput.value); });
document.getElementById("fresh-user").addEventListener("click", () => setUser(freshID()));

// ---- Search ----

document.getElementById("search-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const query = document.getElementById("search-text").value.trim();
  if (query) location.hash = `#/search?q=${encodeURIComponent(query)}`;
});
document.getElementById("search-image").addEventListener("change", async (event) => {
  const file = event.target.files[0];
  if (!file) return;
  const form = new FormData();
  form.append("image", file);
  try {
    const data = await api("/search?k=24", { method: "POST", body: form });
    showResults(`Looks like “${file.name}”`, data.results);
  } catch (error) {
    showError(error);
  }
  event.target.value = "";
});

// ---- Add an item ----

const dialog = document.getElementById("add-dialog");
const addForm = document.getElementById("add-form");
document.getElementById("open-add").addEventListener("click", () => { document.getElementById("add-error").textContent = ""; dialog.showModal(); });
document.getElementById("cancel-add").addEventListener("click", () => dialog.close());
addForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const submit = document.getElementById("submit-add");
  submit.disabled = true;
  try {
    const item = await api("/items", { method: "POST", body: new FormData(addForm) });
    dialog.close();
    addForm.reset();
    location.hash = `#/item/${encodeURIComponent(item.id)}`;
    await refreshRecommendations();
  } catch (error) {
    document.getElementById("add-error").textContent = error.message;
  } finally {
    submit.disabled = false;
  }
});

// Demo personas as suggestions, when the demo catalog is served.
api("/users").then((data) => {
  for (const id of (data && data.users) || []) document.getElementById("user-suggestions").append(el("option", { value: id }));
}).catch(() => {});

window.addEventListener("hashchange", route);
userInput.value = state.user;
route();
refreshRecommendations();
