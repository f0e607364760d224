#!/usr/bin/env node
// The `rewind` command. The build copies this file to dist/bin/, next to the
// compiled JavaScript (dist/src/cli/main.js), which the installed package
// runs as is. In a checkout, bin/ sits next to the TypeScript sources: tsx
// loads them, so the command never runs a stale build.
import { existsSync } from 'node:fs';

const built = new URL('../src/cli/main.js', import.meta.url);
if (!existsSync(built)) (await import('tsx/esm/api')).register();
const { main } = await import(existsSync(built) ? built.href : '../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
