// Search as you type: asks /search.json after a short pause and lists the suggestions under the box.
(function () {
  const input = document.querySelector("input[data-suggest]");
  if (!input) return;
  const list = document.getElementById("suggestions");
  let timer = null, controller = null;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const q = input.value.trim();
      if (controller) controller.abort();
      if (!q) { list.hidden = true; list.replaceChildren(); return; }
      controller = new AbortController();
      try {
        const response = await fetch(input.dataset.suggest + "?limit=8&q=" + encodeURIComponent(q), {signal: controller.signal});
        const data = await response.json();
        list.replaceChildren(...data.results.map((r) => {
          const li = document.createElement("li"), a = document.createElement("a");
          li.setAttribute("role", "option");
          a.href = r.url;
          a.textContent = r.title + (r.year ? " (" + r.year + ")" : "") + (r.subtitle ? " — " + r.subtitle : "");
          li.append(a);
          return li;
        }));
        list.hidden = data.results.length === 0;
      } catch (e) { if (e.name !== "AbortError") list.hidden = true; }
    }, 120);
  });
})();
