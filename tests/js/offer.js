/* offer.js -- for the JavaScript tests: a form document with the shared list of local services (forms/offer.json)
 * written inline, as the collector serves it to the pages (form_expanded_doc in forms/form.c). The pages never
 * meet "offre"; tests that read forms/*.json directly expand it here first. tests/js/engine.test.js checks this
 * helper against the C expansion's reference (tests/data/inline/). Not a test file itself.
 * Run as a program, it writes expanded copies of a forms folder (see the end of the file). */
'use strict';

const fs = require('node:fs');
const path = require('node:path');

/* The services of offer (offer.json's document) as rows of a form declaring languages; label_pro when pro. */
function offerRows(offer, pro, languages) {
  return offer.services.map(s => {
    const src = pro && s.label_pro ? s.label_pro : s.label;
    const label = {};
    for (const l of languages) if (Object.prototype.hasOwnProperty.call(src, l)) label[l] = src[l];
    return {code: s.code, paper: s.paper, label};
  });
}

/* A deep copy of doc with every "rows": "offre" (with "row_labels": "pro" applied) and "choices": "offre" inline.
 * offer defaults to forms/offer.json beside the repository's forms. */
function expandOffer(doc, offer) {
  if (offer === undefined)
    offer = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'forms', 'offer.json'), 'utf8'));
  const out = JSON.parse(JSON.stringify(doc));
  for (const sec of out.sections || [])
    for (const q of sec.questions || []) {
      if (q.rows === 'offre') {
        q.rows = offerRows(offer, q.row_labels === 'pro', out.languages);
        delete q.row_labels;
      }
      if (q.choices === 'offre') q.choices = offerRows(offer, false, out.languages);
    }
  return out;
}

/* An indicator file (NAME.indicators.json's document) with every template ("for_each_row") written out, one
 * indicator per row of its grid in form (an expanded form document), as ind_load in forms/indicators.c does. */
function expandTemplates(ind, form) {
  const grids = {};
  for (const sec of form.sections) for (const q of sec.questions) if (q.type === 'grid') grids[q.id] = q;
  const sub = (s, name, value) => s.split(name).join(value);
  const out = JSON.parse(JSON.stringify(ind));
  out.indicators = [];
  for (const d of ind.indicators) {
    if (!d.for_each_row) { out.indicators.push(d); continue; }
    for (const r of grids[d.for_each_row].rows) {
      const e = JSON.parse(JSON.stringify(d));
      delete e.for_each_row;
      for (const k of ['id', 'question', 'numerator', 'denominator', 'among', 'value'])
        if (typeof e[k] === 'string') e[k] = sub(e[k], '{row}', r.code);
      for (const t of ['label', 'definition'])
        for (const l of Object.keys(e[t] || {}))
          e[t][l] = sub(sub(e[t][l], '{row_label}', r.label[l] || r.label.fr), '{row}', r.code);
      out.indicators.push(e);
    }
  }
  return out;
}

module.exports = {expandOffer, expandTemplates};

/* node tests/js/offer.js FORMS_DIR OUT_DIR: writes into OUT_DIR every form of FORMS_DIR (NAME.json) and its
 * indicator file expanded, for the shell tests that read the definitions with jq. */
if (require.main === module) {
  const [dir, outDir] = process.argv.slice(2);
  const read = f => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
  const offer = fs.existsSync(path.join(dir, 'offer.json')) ? read('offer.json') : undefined;
  fs.mkdirSync(outDir, {recursive: true});
  for (const f of fs.readdirSync(dir)) {
    if (!/^[a-z][a-z0-9_-]*\.json$/.test(f) || ['offer.json', 'territories.json', 'pages.json'].includes(f)) continue;
    const form = expandOffer(read(f), offer);
    fs.writeFileSync(path.join(outDir, f), JSON.stringify(form, null, 1) + '\n');
    const ind = f.replace(/\.json$/, '.indicators.json');
    if (fs.existsSync(path.join(dir, ind)))
      fs.writeFileSync(path.join(outDir, ind), JSON.stringify(expandTemplates(read(ind), form), null, 1) + '\n');
  }
}
