// The request form suggests help articles as the subscriber types its subject and message (debounced); the list is
// built with text nodes only. Nothing happens on pages without the suggestions box.
(() => {
  const box = document.getElementById("suggested-articles");
  const form = box && box.parentElement.querySelector("form");
  if (!form) return;
  const fields = ["subject", "body"].map((name) => form.elements.namedItem(name)).filter(Boolean);
  let timer = 0;
  let asked = "";
  const show = (articles) => {
    const list = box.querySelector("ul");
    list.replaceChildren(...articles.map((a) => {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = a.url;
      link.textContent = a.title;
      item.append(link);
      return item;
    }));
    box.hidden = articles.length === 0;
  };
  const ask = async () => {
    const text = fields.map((f) => f.value).join(" ").trim().slice(0, 300);
    if (text === asked || text.length < 3) return;
    asked = text;
    try {
      const answer = await fetch(`${box.dataset.url}?q=${encodeURIComponent(text)}`, {credentials: "same-origin"});
      if (answer.ok && text === asked) show((await answer.json()).articles);
    } catch (_) { /* offline: keep what is shown */ }
  };
  fields.forEach((f) => f.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(ask, 400); }));
})();
