import express from 'express';
import { defineTokenSuite } from './token-suite.js';

defineTokenSuite('Express 5', express, 5);
