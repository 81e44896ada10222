/*
 * Run only by a browser that cannot run the page's script (<script type="module">, which such a browser skips): without
 * this, it would show a page with nothing to press. A classic script in ES5 (no block-scoped declarations, arrow
 * functions or template strings), loaded with nomodule, so that every browser able to run the page skips it. It says
 * what to do instead.
 */
(function () {
  'use strict';
  function show() {
    var main = document.getElementsByTagName('main')[0] || document.body;
    var site = window.location.protocol + '//' + window.location.host;
    var banner = document.createElement('div');
    banner.className = 'banner banner-warning';
    banner.id = 'old-browser';
    banner.setAttribute('role', 'alert');
    banner.appendChild(document.createTextNode('This browser is too old for the faucet page. Use a current browser, or send'
      + ' your address from a terminal: '));
    var code = document.createElement('code');
    code.appendChild(document.createTextNode('curl -X POST -H \'Content-Type: application/json\' -d \'{"address": "0x…"}\' '
      + site + '/api/faucet'));
    banner.appendChild(code);
    main.insertBefore(banner, main.firstChild);
  }
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', show, false);
  } else {
    show();
  }
}());
