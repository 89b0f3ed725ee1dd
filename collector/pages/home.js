'use strict';
/* The residents' link page: every current form with a link per language. The words come from pages.json (page
 * "home") in every language of the forms; the page shows itself in the language chosen with the buttons (or
 * ?lang=), French first. Links lead to /f/{form}?lang={code}. */
(function () {
  var data = JSON.parse(document.getElementById('forms').textContent);
  var ui = data.ui, forms = data.forms;
  var main = document.getElementById('main');
  var staff = document.querySelector('#staff a');

  function info(lang) { return ui.languages[lang] || { name: lang, dir: 'ltr' }; }
  function t(lang, key) {
    var s = ui.strings[lang] || {};
    return s[key] || ui.strings.fr[key] || '';
  }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function title(f, lang) { return f.title[lang] || f.title.fr; }

  /* One form: its title, then one link per language, each written in its own language. */
  function formBlock(f, lang, n) {
    var sec = el('section', { class: 'form', 'aria-labelledby': 'form-' + n });
    sec.appendChild(el('h3', { id: 'form-' + n }, title(f, lang)));
    sec.appendChild(el('p', {}, t(lang, 'answerIn')));
    var ul = el('ul');
    f.languages.forEach(function (l) {
      var li = el('li'), i = info(l);
      li.appendChild(el('a', { href: '/f/' + encodeURIComponent(f.id) + '?lang=' + encodeURIComponent(l), lang: l,
        dir: i.dir, hreflang: l }, i.name + ' — ' + title(f, l)));
      ul.appendChild(li);
    });
    sec.appendChild(ul);
    return sec;
  }

  function render(lang) {
    var i = info(lang);
    document.documentElement.lang = lang;
    document.documentElement.dir = i.dir;
    document.title = t(lang, 'title');
    main.textContent = '';
    main.appendChild(el('h1', {}, t(lang, 'title')));
    main.appendChild(el('p', {}, t(lang, 'intro')));
    var nav = el('nav', { 'aria-label': t(lang, 'language') }), list = el('ul', { class: 'langs' });
    Object.keys(ui.strings).forEach(function (l) {
      var li = el('li'), b = el('button', { type: 'button', lang: l, dir: info(l).dir,
        'aria-pressed': String(l === lang) }, info(l).name);
      b.addEventListener('click', function () { render(l); focusLang(l); });
      li.appendChild(b);
      list.appendChild(li);
    });
    nav.appendChild(list);
    main.appendChild(nav);
    main.appendChild(el('h2', {}, t(lang, 'forms')));
    if (forms.length === 0) main.appendChild(el('p', {}, t(lang, 'empty')));
    forms.forEach(function (f, n) { main.appendChild(formBlock(f, lang, n)); });
    staff.textContent = t(lang, 'staff');
    staff.setAttribute('lang', lang);
  }
  /* After a switch the buttons are new: keep the keyboard focus on the one chosen. */
  function focusLang(l) {
    var b = main.querySelector('.langs button[lang="' + l + '"]');
    if (b) b.focus();
  }

  var asked = new URLSearchParams(location.search).get('lang');
  render(asked && ui.strings[asked] ? asked : 'fr');
})();
