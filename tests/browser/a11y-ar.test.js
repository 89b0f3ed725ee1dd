/* a11y-ar.test.js -- axe-core on every screen of the residents' form in Arabic (see a11y.js). */
'use strict';
require('./a11y.js').axeEveryScreen('ar');
