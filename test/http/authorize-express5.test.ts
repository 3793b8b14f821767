import express from 'express';
import { defineAuthorizeSuite } from './authorize-suite.js';

defineAuthorizeSuite('Express 5', express);
