import express from 'express';
import { defineNoHangSuite } from './no-hang-suite.js';

defineNoHangSuite('Express 5', express);
