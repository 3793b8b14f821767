import { createRequire } from 'node:module';
import { defineNoHangSuite } from './no-hang-suite.js';

// express4 is an npm alias for express@4, which ships no types of its own.
const express4 = createRequire(import.meta.url)('express4');

defineNoHangSuite('Express 4', express4);
