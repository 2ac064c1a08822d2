// gen.js runs every snippet of the *.js files beside it (but this file and
// harness.js) under node and writes what each printed to <file>.golden.json.
// The sandbox's TestNodeGolden runs the same snippets in a reactor and
// compares. Run it with `go generate ./sandbox` (Node 20); see README.
'use strict';
const fs = require('fs');
const path = require('path');

const dir = __dirname;
const harness = fs.readFileSync(path.join(dir, 'harness.js'), 'utf8');

// parse splits a snippet file on lines "//# name".
function parse(text) {
  const out = [];
  let cur = null;
  for (const line of text.split('\n')) {
    const m = /^\/\/# (.+)$/.exec(line);
    if (m) {
      cur = { name: m[1].trim(), code: '' };
      out.push(cur);
    } else if (cur) {
      cur.code += line + '\n';
    }
  }
  return out;
}

// wrap is the reactor the sandbox runs, and what node runs here.
function wrap(code) {
  return harness + '\nmodule.exports = async function () {\n' +
    'const __out = [];\nconst print = (...a) => { __out.push(a.map((x) => show(x)).join(\' \')); };\n' +
    'try {\n' + code + '\n} catch (e) { print(\'threw\', e); }\n' +
    'return { raw: __out };\n};\n';
}

async function runOne(code) {
  const m = { exports: {} };
  new Function('module', 'exports', 'require', wrap(code))(m, m.exports, require);
  return (await m.exports()).raw;
}

async function main() {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.js') && f !== 'gen.js' && f !== 'harness.js').sort();
  for (const f of files) {
    const snippets = parse(fs.readFileSync(path.join(dir, f), 'utf8'));
    const golden = {};
    for (const s of snippets) {
      if (s.name in golden) throw new Error(f + ': duplicate snippet ' + s.name);
      const a = await runOne(s.code);
      const b = await runOne(s.code);
      if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(f + ': ' + s.name + ' is not deterministic');
      golden[s.name] = a;
    }
    const out = { node: process.version.split('.')[0], snippets: golden };
    fs.writeFileSync(path.join(dir, f.replace(/\.js$/, '.golden.json')), JSON.stringify(out, null, 1) + '\n');
    console.log(f + ': ' + snippets.length + ' snippets');
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
