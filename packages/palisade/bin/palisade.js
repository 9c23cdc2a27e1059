#!/usr/bin/env node
// The `palisade` command. It stays a committed file (not a build output) so that installing the
// package links it even before `dist/` is built; the CLI itself is compiled into `dist/`.
import '../dist/cli/bin.js';
