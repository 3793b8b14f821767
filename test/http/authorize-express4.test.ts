import { createRequire } from 'node:module';
import { defineAuthorizeSuite } from './authorize-suite.js';

// express4 is an npm alias for express@4, which ships no types of its own.
const express4 = createRequire(import.meta.url)('express4');

// Express 4's default query parser is `qs` (extended), so `a[b]=c` gives objects.
defineAuthorizeSuite('Express 4', express4, { bracketObjects: true });
