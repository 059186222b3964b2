// Parses each MRZ of a JSON array (arrays of lines, on stdin) with the npm
// package `mrz` and prints one JSON result per line.
// Usage: node parse_npm.mjs < blocks.json   (with `mrz` resolvable, see compare.py)
import { readFileSync } from 'node:fs';
import { parse } from 'mrz';

const blocks = JSON.parse(readFileSync(0, 'utf8'));
for (const lines of blocks) {
  try {
    const r = parse(lines);
    const invalid = r.details.filter((d) => !d.valid).map((d) => [d.field, d.error]);
    console.log(JSON.stringify({ format: r.format, valid: r.valid, fields: r.fields, invalid }));
  } catch (e) {
    console.log(JSON.stringify({ error: String(e.message || e) }));
  }
}
