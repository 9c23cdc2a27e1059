#!/usr/bin/env node
// The `palisade` executable. Importing this module runs the CLI; everything else imports `main.ts`.
import { runCli } from './main.js';

await runCli();
