// publish check's browser half: one Chromium (Debian's, through puppeteer) for the whole run.
//
// It runs axe-core in every web page at every width, and publish's own page rules, then Ace by DAISY on every
// e-book, Ace's own runner handed the same browser (puppeteer.launch is made to return it, and close to keep
// it). Input: a JSON job file (argv[2]); output: one JSON document on stdout. Node resolves the packages from
// NODE_PATH (the installed tools' node_modules).
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { pathToFileURL } = require('url');
const puppeteer = require('puppeteer');

// In the page: what publish needs to trace an element back to the manuscript or the template.
function describe(el) {
  const body = el.closest('.article-body');
  const norm = (s) => (s || '').replace(/\s+/g, ' ').trim();
  const tag = el.tagName.toLowerCase();
  const key = (e) => {
    const t = e.tagName.toLowerCase();
    if (t === 'img') return e.getAttribute('src') || '';
    if (t === 'a') return (e.getAttribute('href') || '') + ' ' + norm(e.textContent);
    if (t === 'table') { const c = e.querySelector('td, th'); return c ? norm(c.textContent) : ''; }
    return norm(e.textContent).slice(0, 80);
  };
  let nth = 0;
  if (body) {
    const k = key(el);
    for (const other of body.querySelectorAll(tag)) {
      if (other === el) break;
      if (key(other) === k) nth++;
    }
  }
  const region = body ? 'body' : (el.closest('.article-header') ? 'title' : 'template');
  return {
    tag, region, nth,
    src: el.getAttribute('src') || '', href: el.getAttribute('href') || '',
    alt: el.getAttribute('alt'), text: norm(el.textContent).slice(0, 200),
    cls: el.getAttribute('class') || '', id: el.id || '',
    cell: tag === 'table' ? norm((el.querySelector('td, th') || { textContent: '' }).textContent) : '',
  };
}

// In the page: publish's own rules, for what axe cannot judge (it checks that a link has a name, not what the
// name says).
function ownRules(generic) {
  const out = [];
  const norm = (s) => (s || '').replace(/\s+/g, ' ').trim();
  const selector = (el) => {
    const parts = [];
    for (let e = el; e && e.nodeType === 1 && e !== document.documentElement; e = e.parentElement) {
      if (e.id) { parts.unshift('#' + CSS.escape(e.id)); break; }
      const same = [...e.parentElement.children].filter((c) => c.tagName === e.tagName);
      parts.unshift(e.tagName.toLowerCase() + (same.length > 1 ? `:nth-of-type(${same.indexOf(e) + 1})` : ''));
    }
    return parts.join(' > ');
  };
  const add = (rule, el) => out.push({ rule, selector: selector(el), html: el.outerHTML.slice(0, 300), el });
  for (const a of document.querySelectorAll('a[href]')) {
    const words = norm(a.getAttribute('aria-label') || a.textContent).toLowerCase().replace(/[.!?:;,…]+$/, '');
    if (generic.includes(words)) add('link-purpose', a);
  }
  for (const t of document.querySelectorAll('table')) {
    const role = (t.getAttribute('role') || '').toLowerCase();
    if (role === 'presentation' || role === 'none') continue;
    if (!t.querySelector('th')) add('table-header', t);
  }
  const filename = /^[^\s/]*[._-][^\s/]*\.(png|jpe?g|gif|svg|webp|avif|tiff?|bmp)$|^[^\s/]+\.(png|jpe?g|gif|svg|webp|avif|tiff?|bmp)$/i;
  for (const img of document.querySelectorAll('img[alt]')) {
    const alt = norm(img.getAttribute('alt'));
    const src = (img.getAttribute('src') || '').split('/').pop();
    if (alt && (filename.test(alt) || alt === src)) add('image-alt', img);
  }
  return out;
}

async function checkPage(browser, job, page, axeSource) {
  const tab = await browser.newPage();
  const result = { path: page, widths: {}, own: [], error: null };
  try {
    await tab.setRequestInterception(true);
    tab.on('request', (r) => (r.url().startsWith('file:') ? r.continue() : r.abort('blockedbyclient')));
    await tab.goto(pathToFileURL(page).href, { waitUntil: 'load' });
    await tab.evaluate(() => document.fonts.ready.then(() => true));
    await tab.addScriptTag({ content: axeSource });
    for (const width of job.widths) {
      await tab.setViewport({ width, height: 900 });
      const violations = await tab.evaluate(async (tags, describeSrc) => {
        const describe = new Function('return ' + describeSrc)();
        const r = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
        return r.violations.map((v) => ({
          id: v.id, impact: v.impact, tags: v.tags, help: v.help, helpUrl: v.helpUrl,
          nodes: v.nodes.map((n) => {
            const target = Array.isArray(n.target) ? n.target.join(' ') : String(n.target);
            let where = null;
            try { const el = document.querySelector(target); if (el) where = describe(el); } catch (e) { /* shadow */ }
            const data = [...n.any, ...n.all, ...n.none].map((c) => c.data).find((d) => d && typeof d === 'object') || null;
            return { target, html: n.html, summary: n.failureSummary || '', data, where };
          }),
        }));
      }, job.tags, describe.toString());
      result.widths[width] = violations;
    }
    result.own = await tab.evaluate((generic, rulesSrc, describeSrc) => {
      const rules = new Function('return ' + rulesSrc)();
      const describe = new Function('return ' + describeSrc)();
      return rules(generic).map((f) => ({ rule: f.rule, selector: f.selector, html: f.html, where: describe(f.el) }));
    }, job.generic, ownRules.toString(), describe.toString());
  } catch (e) {
    result.error = String(e && e.message ? e.message : e);
  } finally {
    await tab.close();
  }
  return result;
}

async function checkBook(ace, runner, epub) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'publish-ace-'));
  try {
    const [, report] = await ace(epub, { cwd: process.cwd(), outdir, silent: true, verbose: false, jobId: '' }, runner);
    const found = [];
    for (const doc of report.assertions || []) {
      for (const a of doc.assertions || []) {
        const r = a['earl:result'] || {};
        found.push({
          file: (doc['earl:testSubject'] || {}).url || '',
          rule: (a['earl:test'] || {})['dct:title'] || '',
          impact: (a['earl:test'] || {})['earl:impact'] || '',
          message: r['dct:description'] || '',
          html: r.html || '',
          css: ((r['earl:pointer'] || {}).css || [])[0] || '',
        });
      }
    }
    const empty = (report['a11y-metadata'] || {}).empty || [];
    return { path: epub, findings: found, metadata: empty, error: null };
  } catch (e) {
    return { path: epub, findings: [], metadata: [], error: String(e && e.message ? e.message : e) };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

async function main() {
  const job = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const browser = await puppeteer.launch({
    executablePath: job.chromium, headless: true, args: job.args, timeout: 120000, protocolTimeout: 600000,
  });
  const out = { pages: [], books: [] };
  try {
    const axeSource = job.pages.length ? fs.readFileSync(job.axe, 'utf8') : '';
    for (const page of job.pages) out.pages.push(await checkPage(browser, job, page, axeSource));
    if (job.books.length) {
      // Ace launches and closes a browser for every book: give it this one, and keep it open.
      const realClose = browser.close.bind(browser);
      puppeteer.launch = async () => browser;
      browser.close = async () => {};
      const runner = require('@daisy/ace-axe-runner-puppeteer');
      const logger = require('@daisy/ace-logger');
      logger.initLogger({ verbose: false, silent: true, fileName: path.join(os.tmpdir(), 'publish-ace.log') });
      const ace = require('@daisy/ace-core');
      for (const book of job.books) out.books.push(await checkBook(ace, runner, book));
      browser.close = realClose;
    }
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(out));
}

main().catch((e) => { process.stderr.write(String(e && e.stack ? e.stack : e) + '\n'); process.exit(1); });
