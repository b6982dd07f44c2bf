// npm install script: builds the SQLite extension with the project's Makefile
// (the same flags as `make`) into build/recsql.so of the installed package.
// Needs make, a C compiler and OpenBLAS (Debian: build-essential
// libopenblas-dev libsqlite3-dev; `make deps` in a checkout installs them).
'use strict';
const { execFileSync } = require('child_process');
const path = require('path');
const os = require('os');

const root = path.join(__dirname, '..');
const jobs = String(Math.min(os.cpus().length || 1, 8));
try {
  execFileSync('make', ['-j' + jobs, 'build/recsql.so'], { cwd: root, stdio: 'inherit' });
} catch (e) {
  console.error('recsql: building the SQLite extension failed (make build/recsql.so in ' + root + ').\n' +
                'It needs make, a C11 compiler and OpenBLAS: on Debian/Ubuntu ' +
                'apt-get install build-essential libopenblas-dev libsqlite3-dev');
  process.exit(1);
}
