// Lighthouse on several pages one after another in one Node process, attached to one running chromium (its
// debugging port): the audits' modules load once, not once per page as with the `lighthouse` command (about 6 s a
// page on a busy 2-core machine). Started by bench/lighthouse.py with the lighthouse package's folder, the port and
// a JSON list of {url, form, out}; writes each report (Lighthouse's JSON, as `--output=json` does) to `out` and
// prints one JSON line per page when it is done: {out} or {out, error}.
import { writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [folder, port, jobs] = process.argv.slice(2);
const { default: lighthouse, desktopConfig } = await import(pathToFileURL(`${folder}/core/index.js`).href);
for (const job of JSON.parse(jobs)) {
  let line;
  try {
    // the same settings as `lighthouse URL --port=PORT --only-categories=... [--preset=desktop]`; the full-page
    // screenshot only illustrates the HTML report and counts in no score
    const flags = { port: Number(port), output: "json", logLevel: "error", onlyCategories: job.categories,
                    disableFullPageScreenshot: true };
    const result = await lighthouse(job.url, flags, job.form === "desktop" ? desktopConfig : undefined);
    writeFileSync(job.out, JSON.stringify(result.lhr));
    line = { out: job.out };
  } catch (error) {
    line = { out: job.out, error: String((error && error.message) || error).slice(0, 300) };
  }
  console.log(JSON.stringify(line));
}
