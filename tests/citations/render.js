// citeproc-js reference renderer for the differential harness.
// stdin: {"style": "<csl xml>", "locales": {"en-US": "<xml>", ...}, "lang": "en-US",
//         "items": [CSL-JSON], "citations": [[{"id": "k"}], ...]}
// stdout: {"entries": {"id": "<html>"}, "citations": ["<html>", ...]}
// Nothing is fetched: style and locale XML come from our own files.
"use strict";
const CSL = require("citeproc");

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const job = JSON.parse(input);
  const items = {};
  for (const item of job.items) items[item.id] = item;
  const sys = {
    retrieveLocale: (lang) => job.locales[lang] || job.locales["en-US"],
    retrieveItem: (id) => items[id],
  };
  const engine = new CSL.Engine(sys, job.style, job.lang || "en-US", true);
  engine.setOutputFormat("html");
  const ids = job.citations.flat().map((c) => c.id);
  const all = job.nocite ? Object.keys(items) : ids;
  engine.updateItems(Array.from(new Set([...ids, ...all])));
  const citations = job.citations.map((cluster) => {
    try {
      return engine.makeCitationCluster(cluster);
    } catch (err) {
      return "ERROR: " + err.message;
    }
  });
  const entries = {};
  const bib = engine.makeBibliography();
  if (bib) {
    const [params, list] = bib;
    params.entry_ids.forEach((idList, i) => { entries[idList[0]] = list[i]; });
  }
  process.stdout.write(JSON.stringify({ entries, citations }));
});
