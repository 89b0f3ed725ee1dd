/* a11y-fr.test.js -- axe-core on every screen of the residents' form in French (see a11y.js). */
'use strict';
require('./a11y.js').axeEveryScreen('fr');
