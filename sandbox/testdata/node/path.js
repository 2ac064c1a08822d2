//# join
const path = require('path');
print(path.join('/a', 'b', '../c', './d'), path.join(''), path.join('a', '', 'b/'), path.join('/', '..', 'x'));
//# normalize
const path = require('path');
for (const p of ['', '.', '/', '//a//b/', 'a/../..', '../a/./b', '/../x', 'a/b/../../..', './', 'a//']) print(p, path.normalize(p));
//# resolve
const path = require('path');
print(path.resolve('/foo/bar', './baz'), path.resolve('/foo/bar', '/tmp/file/'), path.resolve('/a', 'b', '..', 'c'));
//# relative
const path = require('path');
print(path.relative('/data/orandea/test/aaa', '/data/orandea/impl/bbb'), path.relative('/a/b', '/a/b/c/d'), path.relative('/a/b/c', '/a'), path.relative('/x', '/x'));
//# dirname basename extname
const path = require('path');
for (const p of ['/foo/bar/baz/asdf/quux.html', '/', 'a', 'a/', '//a', '.index', 'index.', 'a.b.c', '/a/b.c/', '..', '']) print(p, path.dirname(p), path.basename(p), path.extname(p));
print(path.basename('/foo/bar/quux.html', '.html'), path.basename('aaa', 'a'), path.basename('/a.js/', '.js'));
//# parse and format
const path = require('path');
print(path.parse('/home/user/dir/file.txt'), path.parse('file'), path.parse('/'), path.parse('./a.b'));
print(path.format({ root: '/ignored', dir: '/home/user/dir', base: 'file.txt' }), path.format({ root: '/', name: 'file', ext: 'txt' }), path.format({ name: 'x', ext: '.y' }));
//# isAbsolute and constants
const path = require('path');
print(path.isAbsolute('/a'), path.isAbsolute('a'), path.isAbsolute(''), path.sep, path.delimiter, path.posix === path, require('node:path') === path);
//# invalid arguments
const path = require('path');
for (const f of [() => path.join('a', 1), () => path.basename(null), () => path.format(3)]) {
  try { f(); } catch (e) { print(e, e.message); }
}
